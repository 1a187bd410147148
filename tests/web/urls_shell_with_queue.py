"""The web shell plus a stand-in for the agent's queue screen."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path

from tests.web.urls_shell import urlpatterns as shell

urlpatterns = [*shell, path("queue/", lambda request: HttpResponse("queue"), name="queue")]
