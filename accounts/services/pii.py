"""Reveals of personal data: explicit, with a reason, recorded (who, what, when, why)."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction

from accounts.models import Borrower, PiiReveal
from accounts.services.audit import audit_record


@transaction.atomic
def pii_reveal_record(*, user: AbstractBaseUser, borrower: Borrower, field: str, reason: str) -> PiiReveal:
    reveal = PiiReveal.objects.create(user=cast(User, user), borrower=borrower, field=field, reason=reason[:255])
    audit_record(action="pii.revealed", obj=borrower, actor=user, after={"field": field}, reason=reason[:255])
    return reveal
