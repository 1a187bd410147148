from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from collections_app import roles
from collections_app.models import Case


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its screen: team leads and supervisors to today's board, analysts and
    administrators to the portfolio, agents to their queue."""
    if roles.user_has_role(request.user, roles.TEAM_LEAD, roles.SUPERVISOR):
        return redirect("today")
    if roles.user_has_role(request.user, *roles.PORTFOLIO_ROLES):
        return redirect("portfolio")
    if roles.user_has_role(request.user, roles.AGENT):
        try:
            return redirect(reverse("queue"))
        except NoReverseMatch:
            pass
    user = cast(User, request.user)  # login_required: never anonymous here
    open_cases = Case.objects.filter(agent__user=user, status=Case.Status.OPEN).count()
    return render(request, "collections_app/home.html", {"open_cases": open_cases})
