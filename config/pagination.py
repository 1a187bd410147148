"""The API's one pagination: cursors (stable under inserts), a bad cursor answered as bad input."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, pagination, serializers
from rest_framework.request import Request


class Cursor(pagination.CursorPagination):
    """DRF's cursor pagination; a cursor that does not decode is a 400 naming ``cursor``.

    DRF answers it 404, which reads as "this list is gone" to an integrator and is not the error
    contract's answer to bad input.
    """

    def decode_cursor(self, request: Request) -> Any:
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as exc:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [str(self.invalid_cursor_message)]}
            ) from exc


def cursor_page(item: type[serializers.Serializer]) -> serializers.Serializer:
    """The schema of one page of ``item`` (``next``, ``previous``, ``results``), for a view that
    paginates by hand with :class:`Cursor`, where drf-spectacular cannot see the list."""
    name = item.__name__.removesuffix("Serializer")
    fields = {
        "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last."),
        "previous": serializers.URLField(allow_null=True, help_text="The previous page, or null on the first."),
        "results": item(many=True),
    }
    return type(f"Paginated{name}ListSerializer", (serializers.Serializer,), fields)()
