"""The project's URLs and one careless view that logs a borrower's phone number and e-mail address."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from accounts.models import Phone
from config.urls import urlpatterns as project_urls

logger = logging.getLogger("tests.careless")


@login_required
def careless(request: HttpRequest, phone_id: int) -> HttpResponse:
    phone = Phone.objects.select_related("borrower").get(pk=phone_id)
    logger.info(
        "calling %s for %s", phone.number, request.GET.get("email", ""), extra={"phone": phone.number}
    )
    return HttpResponse("ok")


urlpatterns = [path("careless/<int:phone_id>/", careless), *project_urls]
