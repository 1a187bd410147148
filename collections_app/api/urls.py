from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path, re_path

from collections_app.api.complaints import ComplaintDetailView, ComplaintListView
from collections_app.api.disputes import DisputeListView, DisputeResolveView
from collections_app.api.messages import MessageDetailView, MessageListView, MessageTemplateListView
from collections_app.api.quality import ReviewDetailView, ReviewListView, ReviewQueueView, ReviewScoreView
from collections_app.api.sms_callbacks import SmsInboundCallbackView, SmsStatusCallbackView
from collections_app.api.strategies import StrategyResultsView
from collections_app.api.views import CaseAssignView, CaseListView

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/", CaseListView.as_view(), name="api-cases"),
    path("cases/<int:case_id>/assign/", CaseAssignView.as_view(), name="api-case-assign"),
    path("", include("collections_app.api.dialer.urls")),
    # The SMS provider's signed callbacks (no token: the signature is the credential)
    re_path(r"^integrations/sms/(?P<integration>[^/]+)/status/\Z", SmsStatusCallbackView.as_view(), name="api-sms-status"),
    re_path(
        r"^integrations/sms/(?P<integration>[^/]+)/inbound/\Z", SmsInboundCallbackView.as_view(), name="api-sms-inbound"
    ),
    path("reports/", include("collections_app.reports.api")),
    path(
        "strategies/<slug:code>/segments/<slug:segment>/results/", StrategyResultsView.as_view(),
        name="api-strategy-results",
    ),
    path("", include("collections_app.api.extensions")),
    path("complaints/", ComplaintListView.as_view(), name="api-complaints"),
    re_path(r"^complaints/(?P<complaint_id>[^/]+)/\Z", ComplaintDetailView.as_view(), name="api-complaint"),
    path("messages/", MessageListView.as_view(), name="api-messages"),
    re_path(r"^messages/(?P<message_id>[^/]+)/\Z", MessageDetailView.as_view(), name="api-message"),
    path("message-templates/", MessageTemplateListView.as_view(), name="api-message-templates"),
    path("disputes/", DisputeListView.as_view(), name="api-disputes"),
    path("qa/reviews/", ReviewListView.as_view(), name="api-qa-reviews"),
    path("qa/queue/", ReviewQueueView.as_view(), name="api-qa-queue"),
    re_path(r"^qa/reviews/(?P<review_id>[^/]+)/\Z", ReviewDetailView.as_view(), name="api-qa-review"),
    re_path(r"^qa/reviews/(?P<review_id>[^/]+)/score/\Z", ReviewScoreView.as_view(), name="api-qa-review-score"),
    re_path(r"^disputes/(?P<dispute_id>[^/]+)/resolve/\Z", DisputeResolveView.as_view(), name="api-dispute-resolve"),
]
