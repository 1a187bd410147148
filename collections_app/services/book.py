"""The book's writes that collection work follows: payments credit the open promises of their loans.

``accounts`` posts payments and imports tapes and knows nothing of promises; every entry point
that writes payments (the core system's API, ``manage.py import_book`` and ``import_payments``)
calls these, which run the book's service and then credit the promises of the loans it touched,
in the same transaction (which holds the loans' locks the book's service took).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from accounts.actors import Actor
from accounts.models import Payment
from accounts.services.book_csv import book_import_csv, payments_import_csv
from accounts.services.book_import import ImportResult, book_import, payments_import
from accounts.services.payments import PaymentIn, PostResult, payment_reverse, payments_post
from collections_app.services.promise_matching import promises_apply_payments


@transaction.atomic
def book_import_crediting(
    *, data: Any = None, csv_text: str | None = None, actor: Actor | None = None, actor_label: str = ""
) -> ImportResult:
    """Import a loan tape (decoded JSON ``data``, or ``csv_text``), all or nothing, then credit promises.

    Raises the import's ``DomainError`` (nothing written). Locks the batch's loans (``book_import``).
    """
    if csv_text is not None:
        result = book_import_csv(text=csv_text, actor=actor, actor_label=actor_label)
    else:
        result = book_import(data=data, actor=actor, actor_label=actor_label)
    if result.payments:
        loan_ids = set(Payment.objects.filter(pk__in=result.payments.values()).values_list("loan_id", flat=True))
        promises_apply_payments(loan_ids=loan_ids)
    return result


@transaction.atomic
def payments_import_crediting(
    *,
    rows: Sequence[Any] = (),
    csv_text: str | None = None,
    paths: Sequence[str] | None = None,
    actor: Actor | None = None,
    actor_label: str = "",
) -> list[tuple[Payment, bool]]:
    """Post decoded payment ``rows`` (or a payments ``csv_text``), all or nothing, then credit promises.

    Returns ``(payment, created)`` per row (``payments_import``).
    """
    if csv_text is not None:
        posted = payments_import_csv(text=csv_text, actor=actor, actor_label=actor_label)
    else:
        posted = payments_import(rows=rows, paths=paths, actor=actor, actor_label=actor_label)
    promises_apply_payments(loan_ids={payment.loan_id for payment, created in posted if created})
    return posted


@transaction.atomic
def payments_post_crediting(
    *, items: list[PaymentIn], actor_label: str = "", actor: Actor | None = None, paths: Sequence[str] | None = None
) -> PostResult:
    """``payments_post`` (all or nothing, idempotent by external id), then the promises of the new payments' loans."""
    posted = payments_post(items=items, actor_label=actor_label, actor=actor, paths=paths)
    new_loans = {p.loan_id for p, created in zip(posted.payments, posted.created, strict=True) if created}
    promises_apply_payments(loan_ids=new_loans)
    return posted


@transaction.atomic
def payment_reverse_crediting(*, payment: Payment, actor_label: str = "", reason: str = "") -> Payment:
    """``payment_reverse`` (reversing twice is a no-op), then the promises of its loan recomputed."""
    reversed_payment = payment_reverse(payment=payment, actor_label=actor_label, reason=reason)
    promises_apply_payments(loan_ids=[reversed_payment.loan_id])
    return reversed_payment
