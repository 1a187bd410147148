from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from collections_app.api.views import CaseAssignView, CaseListView

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/", CaseListView.as_view(), name="api-cases"),
    path("cases/<int:case_id>/assign/", CaseAssignView.as_view(), name="api-case-assign"),
    path("", include("collections_app.api.dialer.urls")),
    path("reports/", include("collections_app.reports.api")),
    path("", include("collections_app.api.extensions")),
]
