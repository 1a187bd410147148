"""The code's shape, checked in CI beside the import contract (DESIGN.md section 12, STYLE.md).

- No Python module over 500 lines outside migrations (tests and the benchmark included).
- No function-local import of project code in the contract's packages unless a comment on the lines
  just above names the contract's exception (``Contract exception "..."``, as pyproject.toml lists
  them): a function-local import must not dodge a cycle.

Prints each breach and exits 1 if there is any. Run from the repository's root:
``python .ci/code_shape.py``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

LIMIT = 500
CONTRACT_PACKAGES = ("accounts", "collections_app", "scheduling", "config")
EXCEPTION_MARK = "Contract exception"
# Modules over the limit while their split is under way, each with why; remove a line when it lands.
OVER_THE_LIMIT_FOR_NOW: dict[str, str] = {}


def _python_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
                            capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    return [Path(name) for name in listed if "migrations" not in Path(name).parts and Path(name).exists()]


def _is_project(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] in CONTRACT_PACKAGES
    return any(alias.name.split(".")[0] in CONTRACT_PACKAGES for alias in node.names)


def _local_imports(path: Path, source: str) -> list[str]:
    lines = source.splitlines()
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom) and _is_project(node):
                above = lines[max(function.lineno - 1, node.lineno - 6) : node.lineno - 1]
                if not any(EXCEPTION_MARK in line for line in above):
                    found.append(f"{path}:{node.lineno}: function-local project import without a comment naming "
                                 f"the contract's exception: {lines[node.lineno - 1].strip()}")  # fmt: skip
    return found


def breaches() -> list[str]:
    found = []
    for path in _python_files():
        source = path.read_text(encoding="utf-8")
        length = len(source.splitlines())
        if length > LIMIT and path.as_posix() not in OVER_THE_LIMIT_FOR_NOW:
            found.append(f"{path}: {length} lines (at most {LIMIT}): split it by the domain's words")
        if path.parts[0] in CONTRACT_PACKAGES:
            found.extend(_local_imports(path, source))
    found.extend(
        f"{name}: within {LIMIT} lines now: take it off OVER_THE_LIMIT_FOR_NOW"
        for name in OVER_THE_LIMIT_FOR_NOW
        if Path(name).exists() and len(Path(name).read_text(encoding="utf-8").splitlines()) <= LIMIT
    )
    return found


def main() -> int:
    found = breaches()
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
