from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, path

from collections_app.views.home import home
from collections_app.views.portfolio import portfolio

urlpatterns: list[URLPattern | URLResolver] = [
    path("", home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("portfolio/", portfolio, name="portfolio"),
]
