"""The baseline of DESIGN.md section 13: a bare Django view that locks a debt's counter row, bumps
it and inserts an attempt. No authentication, no serializer, no rules: the floor under any
dial-authorization endpoint on the same server, database and machine."""

from __future__ import annotations

import json

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from collections_app.models import ContactAttempt
from scheduling.models import DebtContactCounter


@csrf_exempt
def bare_dial(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    now = timezone.now()
    with transaction.atomic():
        counter, _ = DebtContactCounter.objects.select_for_update().get_or_create(account_id=body["account_id"])
        DebtContactCounter.objects.filter(pk=counter.pk).update(
            reservations=F("reservations") + 1, last_reserved_at=now
        )
        attempt = ContactAttempt.objects.create(
            account_id=body["account_id"], phone_id=body["phone_id"], placed_at=now, expires_at=now,
            status=ContactAttempt.Status.NOT_DIALED,
        )
    return JsonResponse({"attempt_id": attempt.pk}, status=201)
