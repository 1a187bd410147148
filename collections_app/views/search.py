"""Search: find a case by loan or borrower id, the borrower's name or a phone's last digits, among the
cases the user may see. Where an inbound call starts: the agent types what the caller gives."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from collections_app import roles
from collections_app.selectors.search import MIN_DIGITS, MIN_TEXT, cases_search

SEARCH_ROLES = (roles.AGENT, roles.TEAM_LEAD, roles.SUPERVISOR, roles.ANALYST, roles.ADMINISTRATOR)


@require_GET
@roles.role_required(*SEARCH_ROLES)
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    found = cases_search(request.user, query) if query.strip() else None
    template = (
        "collections_app/_search_results.html" if getattr(request, "htmx", False) else "collections_app/search.html"
    )
    return render(
        request, template, {"query": query.strip(), "found": found, "min_text": MIN_TEXT, "min_digits": MIN_DIGITS}
    )
