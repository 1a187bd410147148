from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, path

from collections_app.views.home import home
from collections_app.views.portfolio import portfolio
from collections_app.views.queue import case_detail, case_reveal, queue, queue_next
from collections_app.views.teams import agent_leave, team_board_view, team_list

urlpatterns: list[URLPattern | URLResolver] = [
    path("", home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("portfolio/", portfolio, name="portfolio"),
    path("queue/", queue, name="queue"),
    path("queue/next/", queue_next, name="queue-next"),
    path("cases/<int:case_id>/", case_detail, name="case-detail"),
    path("cases/<int:case_id>/reveal/", case_reveal, name="case-reveal"),
    path("teams/", team_list, name="teams"),
    path("teams/<int:team_id>/", team_board_view, name="team-board"),
    path("agents/<int:agent_id>/leave/", agent_leave, name="agent-leave"),
]
