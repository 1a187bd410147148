"""Today, live: the landing board of team leads and supervisors, refreshed in place every 30 seconds."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from collections_app import roles
from collections_app.selectors.today import today_board
from collections_app.services import clock

TODAY_ROLES = (roles.TEAM_LEAD, roles.SUPERVISOR)


@require_GET
@roles.role_required(*TODAY_ROLES)
def today(request: HttpRequest) -> HttpResponse:
    team = request.GET.get("team", "")
    board = today_board(request.user, now=clock.now(), team_id=int(team) if team.isdigit() else None)
    template = "collections_app/lead/_today_board.html" if getattr(request, "htmx", False) else "collections_app/lead/today.html"
    return render(request, template, {"board": board, "refresh": settings.TODAY_REFRESH_SECONDS})
