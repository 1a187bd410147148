"""The README and the docs it points to travel with the repository: every relative link in README.md and
docs/*.md names a file (or folder) of the repository, and none reaches outside it (issue 15, defect 10:
the README pointed to a DESIGN.md that was not in the repository)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Inline links and images ``[text](target "title")``, reference definitions ``[name]: target``, and
# HTML ``href``/``src`` attributes.
LINK = re.compile(
    r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|^\s*\[[^\]]+\]:\s*(\S+)|(?:href|src)=\"([^\"]+)\"", re.M
)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|#)", re.I)


def relative_links(text: str) -> list[str]:
    """The link targets of a Markdown text that name a path (no scheme, no bare anchor), anchors removed."""
    targets = [next(group for group in match.groups() if group) for match in LINK.finditer(text)]
    return [target.split("#", 1)[0] for target in targets if not EXTERNAL.match(target)]


def test_the_link_reader_finds_inline_reference_and_html_links_but_not_web_addresses_or_anchors():
    text = (
        'See [the design](docs/DESIGN.md#13-performance) and ![chart](docs/chart.png "Chart").\n'
        "[style]: docs/STYLE.md\n"
        '<a href="../DESIGN.md">up</a> [web](https://example.com/x.md) [here](#usage) [mail](mailto:a@b.c)\n'
    )
    assert relative_links(text) == ["docs/DESIGN.md", "docs/chart.png", "docs/STYLE.md", "../DESIGN.md"]


def test_the_readme_points_to_the_design_and_style_kept_in_docs():
    links = relative_links((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "docs/DESIGN.md" in links and "docs/STYLE.md" in links


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_names_a_file_of_the_repository(document: Path):
    broken = []
    for target in relative_links(document.read_text(encoding="utf-8")):
        resolved = (ROOT / target.lstrip("/")) if target.startswith("/") else (document.parent / target)
        resolved = resolved.resolve()
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            broken.append(target)
    assert broken == [], f"{document.name} links to what the repository does not hold: {broken}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_markdown_file_named_in_the_text_is_one_of_the_repository(document: Path):
    """A document named in prose ("DESIGN.md section 13") is one the reader finds here, beside the README
    or in docs/."""
    named = set(re.findall(r"(?<![\w/.-])([\w-]+\.md)\b", document.read_text(encoding="utf-8")))
    missing = sorted(
        name for name in named if not (ROOT / name).exists() and not (ROOT / "docs" / name).exists()
    )
    assert missing == [], f"{document.name} names documents the repository does not hold: {missing}"
