"""The dialer API's routes (DESIGN.md section 10), under ``/api/v1/``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from collections_app.api.dialer.dnc import DncView
from collections_app.api.dialer.promises import CasePromiseView
from collections_app.api.dialer.vicidial import VicidialDispoView
from collections_app.api.dialer.views import (
    CallListView,
    CallResultView,
    CallView,
    DialAuthorizationReleaseView,
    DialAuthorizationView,
    DispositionListView,
    EventBatchView,
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("dialer/call-list/", CallListView.as_view(), name="dialer-call-list"),
    path("dialer/dial-authorizations/", DialAuthorizationView.as_view(), name="dialer-authorize"),
    path(
        "dialer/dial-authorizations/<uuid:authorization_id>/release/",
        DialAuthorizationReleaseView.as_view(),
        name="dialer-authorization-release",
    ),
    path("dialer/calls/<str:external_call_id>/", CallView.as_view(), name="dialer-call"),
    path("dialer/calls/<str:external_call_id>/result/", CallResultView.as_view(), name="dialer-call-result"),
    path("dialer/events/", EventBatchView.as_view(), name="dialer-events"),
    path("dnc/", DncView.as_view(), name="dnc"),
    path("dispositions/", DispositionListView.as_view(), name="dispositions"),
    path("integrations/vicidial/dispo/", VicidialDispoView.as_view(), name="vicidial-dispo"),
    path("cases/<int:case_id>/promises/", CasePromiseView.as_view(), name="case-promises"),
]
