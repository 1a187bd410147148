from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, path

from collections_app.reports.views import (
    report_agents,
    report_cases,
    report_forecast,
    report_portfolio,
    report_promises,
)
from collections_app.views.callbacks import callback_close_view, callback_new, case_callbacks
from collections_app.views.calls import (
    call_not_dialed_view,
    call_outcome_view,
    call_place_view,
    compliance_panel_view,
    contact_block_reverse_view,
    contact_history_view,
    contact_request_view,
)
from collections_app.views.complaints import (
    case_complaints_view,
    complaint_acknowledge_view,
    complaint_assign_view,
    complaint_new,
    complaint_queue_view,
    complaint_resolve_view,
    my_complaints_view,
)
from collections_app.views.disputes import (
    case_disputes_view,
    dispute_detail,
    dispute_new,
    dispute_resolve_view,
)
from collections_app.views.extensions import (
    case_extensions,
    extension_apply_view,
    extension_cancel_view,
    extension_decide,
    extension_new,
    extension_queue,
    extension_terms,
    extension_tick,
)
from collections_app.views.home import home
from collections_app.views.messages import case_messages_view, message_log_view, message_send_view
from collections_app.views.portfolio import portfolio
from collections_app.views.promises import (
    case_promises,
    my_promises,
    promise_board,
    promise_cancel_view,
    promise_new,
    promise_pipeline_view,
)
from collections_app.views.quality import review_detail, reviews
from collections_app.views.queue import case_detail, case_reveal, queue, queue_next
from collections_app.views.search import search
from collections_app.views.strategies import (
    challenger_create_view,
    challenger_promote_view,
    plan_run_view,
    plan_status_view,
    segment_results_view,
    strategy_list_view,
)
from collections_app.views.teams import agent_leave, cases_unworked, team_board_view, team_list
from collections_app.views.today import today
from collections_app.views.unsubscribe import email_unsubscribe_view

urlpatterns: list[URLPattern | URLResolver] = [
    path("", home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("portfolio/", portfolio, name="portfolio"),
    path("queue/", queue, name="queue"),
    path("queue/next/", queue_next, name="queue-next"),
    path("search/", search, name="search"),
    path("reviews/", reviews, name="qa-reviews"),
    path("reviews/<int:review_id>/", review_detail, name="qa-review"),
    path("cases/<int:case_id>/", case_detail, name="case-detail"),
    path("cases/<int:case_id>/reveal/", case_reveal, name="case-reveal"),
    path("cases/<int:case_id>/compliance/", compliance_panel_view, name="case-compliance"),
    path("cases/<int:case_id>/history/", contact_history_view, name="case-history"),
    path("cases/<int:case_id>/calls/", call_place_view, name="call-place"),
    path("cases/<int:case_id>/calls/<int:attempt_id>/outcome/", call_outcome_view, name="call-outcome"),
    path("cases/<int:case_id>/calls/<int:attempt_id>/not-dialed/", call_not_dialed_view, name="call-not-dialed"),
    path("cases/<int:case_id>/requests/", contact_request_view, name="contact-request"),
    path("cases/<int:case_id>/requests/reverse/", contact_block_reverse_view, name="contact-block-reverse"),
    path("today/", today, name="today"),
    path("cases/unworked/", cases_unworked, name="cases-unworked"),
    path("teams/", team_list, name="teams"),
    path("teams/<int:team_id>/", team_board_view, name="team-board"),
    path("agents/<int:agent_id>/leave/", agent_leave, name="agent-leave"),
    path("promises/", my_promises, name="promises"),
    path("promise-board/", promise_board, name="promise-board"),
    path("promises/pipeline/", promise_pipeline_view, name="promise-pipeline"),
    path("cases/<int:case_id>/promises/", case_promises, name="case-promises"),
    path("cases/<int:case_id>/promises/new/", promise_new, name="promise-create"),
    path("promises/<int:promise_id>/cancel/", promise_cancel_view, name="promise-cancel"),
    path("cases/<int:case_id>/callbacks/", case_callbacks, name="case-callbacks"),
    path("cases/<int:case_id>/callbacks/new/", callback_new, name="callback-create"),
    path("callbacks/<int:callback_id>/close/", callback_close_view, name="callback-close"),
    path("cases/<int:case_id>/messages/", case_messages_view, name="case-messages"),
    path("cases/<int:case_id>/messages/send/", message_send_view, name="message-send"),
    path("messages/", message_log_view, name="message-log"),
    path("unsubscribe/<str:token>/", email_unsubscribe_view, name="email-unsubscribe"),
    path("cases/<int:case_id>/complaints/", case_complaints_view, name="case-complaints"),
    path("cases/<int:case_id>/complaints/new/", complaint_new, name="complaint-create"),
    path("complaints/", complaint_queue_view, name="complaint-queue"),
    path("complaints/<int:complaint_id>/resolve/", complaint_resolve_view, name="complaint-resolve"),
    path("complaints/<int:complaint_id>/acknowledge/", complaint_acknowledge_view, name="complaint-acknowledge"),
    path("complaints/<int:complaint_id>/assign/", complaint_assign_view, name="complaint-assign"),
    path("complaints/mine/", my_complaints_view, name="my-complaints"),
    path("cases/<int:case_id>/disputes/", case_disputes_view, name="case-disputes"),
    path("cases/<int:case_id>/disputes/new/", dispute_new, name="dispute-create"),
    path("disputes/<int:dispute_id>/", dispute_detail, name="dispute-detail"),
    path("disputes/<int:dispute_id>/resolve/", dispute_resolve_view, name="dispute-resolve"),
    path("cases/<int:case_id>/extensions/", case_extensions, name="case-extensions"),
    path("cases/<int:case_id>/extensions/new/", extension_new, name="extension-create"),
    path("extensions/<int:extension_id>/tick/", extension_tick, name="extension-tick"),
    path("extensions/<int:extension_id>/terms/", extension_terms, name="extension-terms"),
    path("extensions/<int:extension_id>/cancel/", extension_cancel_view, name="extension-cancel"),
    path("extensions/<int:extension_id>/apply/", extension_apply_view, name="extension-apply"),
    path("extensions/approvals/", extension_queue, name="extension-queue"),
    path("extensions/<int:extension_id>/decide/", extension_decide, name="extension-decide"),
    path("reports/", report_portfolio, name="report-portfolio"),
    path("reports/forecast/", report_forecast, name="report-forecast"),
    path("reports/agents/", report_agents, name="report-agents"),
    path("reports/promises/", report_promises, name="report-promises"),
    path("reports/cases/", report_cases, name="report-cases"),
    path("strategies/", strategy_list_view, name="strategies"),
    path("strategies/plan/", plan_run_view, name="strategy-plan-run"),
    path("strategies/plan/status/", plan_status_view, name="strategy-plan-status"),
    path("strategies/<slug:code>/<slug:segment>/results/", segment_results_view, name="strategy-results"),
    path("strategies/<slug:code>/<slug:segment>/challengers/", challenger_create_view, name="strategy-challenger-create"),
    path("strategies/<slug:code>/<slug:segment>/<slug:arm>/promote/", challenger_promote_view, name="strategy-promote"),
]
