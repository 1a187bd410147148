"""The API's request parsers, apart from ``config.api``: DRF's settings name them, and DRF's views read
those settings when they are first imported, which ``config.api`` does itself (its exception handler);
a parser defined there could not be imported while ``config.api`` was still loading, so whichever test or
process imported ``config.api`` before DRF's views failed with an ImportError."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, but a body nested deeper than Python's decoder goes is bad input (400), not a 500."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from exc
