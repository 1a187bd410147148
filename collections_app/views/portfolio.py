from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from collections_app import roles
from collections_app.selectors.portfolio import portfolio_latest


@roles.role_required(*roles.PORTFOLIO_ROLES)
def portfolio(request: HttpRequest) -> HttpResponse:
    """Count, overdue amount and outstanding principal per bucket at the latest COB date."""
    return render(request, "collections_app/portfolio.html", {"portfolio": portfolio_latest()})
