"""The Simplified Chinese catalogue is complete, and the committed .mo is compiled from the .po."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries() -> list[tuple[str, list[str], bool]]:
    """(msgid, msgstrs, fuzzy) per entry of the .po; the header is left out."""
    def unquote(lines: list[str]) -> str:
        return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', "\n".join(lines))).encode().decode("unicode_escape").encode(
            "latin-1"
        ).decode("utf-8")

    entries = []
    for block in (CATALOGUE / "django.po").read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("#~")]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        parts: dict[str, list[str]] = {}
        key = ""
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgid_plural|msgid|msgstr(?:\[\d+\])?|msgctxt) (".*")$', line)
            if match:
                key = match.group(1)
                parts[key] = [match.group(2)]
            elif key:
                parts[key].append(line)
        if "msgid" not in parts:
            continue
        msgid = unquote(parts["msgid"])
        if not msgid:
            continue
        if "msgctxt" in parts:  # a .mo file keys a message with a context as "context\x04msgid"
            msgid = f"{unquote(parts['msgctxt'])}\x04{msgid}"
        msgstrs = [unquote(value) for name, value in parts.items() if name.startswith("msgstr")]
        entries.append((msgid, msgstrs, fuzzy))
    return entries


def test_every_string_of_the_project_has_a_chinese_translation():
    entries = po_entries()

    untranslated = [msgid for msgid, msgstrs, fuzzy in entries if fuzzy or not all(msgstrs)]

    assert len(entries) > 100
    assert untranslated == []


def test_the_committed_mo_file_holds_every_translation_of_the_po_file():
    with (CATALOGUE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    stale = [msgid for msgid, msgstrs, _fuzzy in po_entries() if compiled.gettext(msgid) != msgstrs[0]]

    assert stale == []
