"""The dialer API's routes (DESIGN.md section 10), under ``/api/v1/``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path

from collections_app.api.dialer.authorizations import DialAuthorizationReleaseView, DialAuthorizationView
from collections_app.api.dialer.call_list import CallListView
from collections_app.api.dialer.calls import CallResultView, CallView
from collections_app.api.dialer.compliance import ComplianceCheckView
from collections_app.api.dialer.dispositions import DispositionListView
from collections_app.api.dialer.dnc import DncView
from collections_app.api.dialer.events import EventBatchView
from collections_app.api.dialer.promises import CasePromiseView
from collections_app.api.dialer.vicidial import VicidialDispoView

urlpatterns: list[URLPattern | URLResolver] = [
    path("dialer/call-list/", CallListView.as_view(), name="dialer-call-list"),
    path("dialer/dial-authorizations/", DialAuthorizationView.as_view(), name="dialer-authorize"),
    re_path(
        r"^dialer/dial-authorizations/(?P<authorization_id>[\s\S]+)/release/\Z",
        DialAuthorizationReleaseView.as_view(),
        name="dialer-authorization-release",
    ),
    # Permissive converters: a malformed id is answered by the view in the error body, not by an HTML 404.
    re_path(
        r"^dialer/calls/(?P<external_call_id>[\s\S]+)/result/\Z", CallResultView.as_view(), name="dialer-call-result"
    ),
    re_path(r"^dialer/calls/(?P<external_call_id>[\s\S]+)/\Z", CallView.as_view(), name="dialer-call"),
    path("dialer/events/", EventBatchView.as_view(), name="dialer-events"),
    path("compliance/check/", ComplianceCheckView.as_view(), name="compliance-check"),
    path("dnc/", DncView.as_view(), name="dnc"),
    path("dispositions/", DispositionListView.as_view(), name="dispositions"),
    path("integrations/vicidial/dispo/", VicidialDispoView.as_view(), name="vicidial-dispo"),
    re_path(r"^cases/(?P<case_id>[\s\S]+)/promises/\Z", CasePromiseView.as_view(), name="case-promises"),
]
