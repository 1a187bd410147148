"""Promises made through an integration: the promise rules (``promise_create``) are the one door."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser

from collections_app.models import Case, ContactAttempt, PromiseToPay
from collections_app.services.promises import promise_create


@dataclass(frozen=True)
class PromiseTerms:
    amount: Decimal
    date: dt.date


def promise_record(
    *,
    case: Case,
    parts: list[PromiseTerms],
    actor: AbstractBaseUser,
    attempt: ContactAttempt | None,
    source: str,
    note: str = "",
) -> PromiseToPay:
    """A promise through the promise rules (``promise_create``): the one door to promises here."""
    return promise_create(
        case=case,
        parts=[(part.date, part.amount) for part in parts],
        actor=actor,
        source=source,
        attempt=attempt,
        note=note,
    )
