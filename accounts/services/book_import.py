"""Loading the book from the core lending system: borrowers, phones, loans, schedules, payments.

The JSON loan tape (the CSV form is in ``accounts.services.book_csv``)::

    {"borrowers": [{"external_id": "B1", "name": "Ann Lee", "national_id": "123456789",
                    "country": "US", "region": "NY", "postal_code": "10001",
                    "timezone": "America/New_York", "language": "en",
                    "phones": [{"number": "+12125550100", "type": "mobile", "owner": "borrower",
                                "autodialer_consent": true, "sms_consent": true}],
                    "emails": [{"address": "ann@example.com", "source": "borrower", "consent": true}]}],
     "loans": [{"external_id": "L1", "borrower": "B1", "product": "cash", "currency": "USD",
                "principal": "1200.00", "opened_on": "2026-01-01",
                "installments": [{"seq": 1, "due_date": "2026-02-01", "principal": "200.00",
                                  "interest": "20.00", "fee": "0.00", "penalty": "0.00"}]}],
     "payments": [{"external_id": "P1", "loan": "L1", "amount": "220.00",
                   "received_at": "2026-02-01T10:00:00Z", "channel": "auto_debit"}]}

Reading the tape into rows is ``accounts.services.book_tape``; the field rules (money as decimal
strings, ISO dates, unknown fields refused) are in ``accounts.services.import_fields``; phone
normalisation, the time zone order and the national id hash in ``accounts.services.phones``.

- **All or nothing.** Everything is validated first, against the batch and the book; every
  problem is collected as ``path.field: reason`` (``loans[3].installments[1].due_date: not a
  date``) and one ``DomainError`` carries them all. Then nothing has been written.
- **Upsert.** Borrowers and loans by external id, phones by borrower + E.164 number, installments
  by loan + seq, payments by external id (``payments_post``: a replay is the same payment, the
  same id with other values is refused). Fields not given keep their stored value; phones and
  installments absent from the batch are kept: an import never deletes.
- **Set-based.** Per table: one read of what exists, one ``bulk_create`` of the new rows, one
  ``objects_update`` of the rows that really change (in chunks of ``IN_CHUNK`` keys and batches
  of ``BATCH`` rows), whatever the size of the batch. A batch of 10,000 loans with 6
  installments, 2 phones and a payment each loads in about 30 s on PostgreSQL here, in about
  170 statements; loading it again unchanged writes nothing.
- **Allocations follow.** Loans whose schedule changed are reallocated (``loans_reallocate``),
  as are loans receiving payments (by ``payments_post``).
- **The answer** maps every external id and E.164 number of the batch to its id here, and counts
  per table what was created and what existed already ("updated", changed or not). One number
  may belong to several borrowers (a relative's phone): ``phones`` then maps it to the first
  borrower's phone in batch order, and ``phones_by_borrower`` (borrower -> number -> id) is
  always unambiguous.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import AuditEntry, Borrower, EmailAddress, Installment, LoanAccount, Payment, Phone
from accounts.services.book_tape import BorrowerRow, Tape, payment_parse, tape_parse
from accounts.services.bulk import objects_update
from accounts.services.import_fields import Errors
from accounts.services.payments import PaymentIn, payments_post, payments_validate
from accounts.services.phones import borrower_timezone_resolve
from accounts.services.waterfall import loans_reallocate
from config.errors import DomainError, ErrorCode
from config.pii import email_normalise

BATCH = 1000
IN_CHUNK = 5000
TABLES = ("borrowers", "phones", "emails", "loans", "installments", "payments")


@dataclass
class ImportResult:
    borrowers: dict[str, int] = field(default_factory=dict)
    loans: dict[str, int] = field(default_factory=dict)
    phones: dict[str, int] = field(default_factory=dict)
    phones_by_borrower: dict[str, dict[str, int]] = field(default_factory=dict)
    payments: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))

    def as_dict(self) -> dict[str, Any]:
        return {
            "borrowers": self.borrowers,
            "loans": self.loans,
            "phones": self.phones,
            "phones_by_borrower": self.phones_by_borrower,
            "payments": self.payments,
            "created": self.created,
            "updated": self.updated,
        }


# Checking the tape against the book ----------------------------------------------------------

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)


def _chunks(values: Iterable[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _fetch(queryset: models.QuerySet[M], lookup: str, values: Iterable[Any]) -> list[M]:
    """``queryset.filter(<lookup>__in=values)`` in chunks of ``IN_CHUNK`` keys."""
    return [
        obj
        for chunk in _chunks(set(values))
        for obj in queryset.filter(**{f"{lookup}__in": chunk}).order_by("pk")
    ]


@dataclass
class _Book:
    """What the book holds already of the batch's borrowers and loans (the loans locked)."""

    borrowers: dict[str, Borrower]
    loans: dict[str, LoanAccount]


def _tape_check(tape: Tape, errors: Errors) -> _Book:
    batch_borrowers = {row.external_id for row in tape.borrowers}
    wanted = batch_borrowers | {row.borrower for row in tape.loans}
    borrowers = {b.external_id: b for b in _fetch(Borrower.objects.all(), "external_id", wanted)}
    for loan in tape.loans:
        if loan.borrower not in batch_borrowers and loan.borrower not in borrowers:
            errors.add(
                f"{loan.path}.borrower",
                _("no borrower %(id)r in the batch or the book") % {"id": loan.borrower},
            )
    for row in tape.borrowers:
        _borrower_timezone_decide(row, borrowers.get(row.external_id), errors)
    batch_loans = {row.external_id for row in tape.loans}
    wanted_loans = batch_loans | {p.loan_external_id for p in tape.payments}
    loans = {
        loan.external_id: loan
        for loan in _fetch(LoanAccount.objects.select_for_update(), "external_id", wanted_loans)
    }
    if tape.payments:
        problems = payments_validate(
            items=tape.payments, paths=tape.payment_paths, loans_known=batch_loans | set(loans)
        )
        errors.merge(problems.errors)
    return _Book(borrowers, loans)


def _borrower_timezone_decide(row: BorrowerRow, current: Borrower | None, errors: Errors) -> None:
    """Put the borrower's zone in ``row.values`` (order: explicit, address, phones, stored, country).

    ``timezone_overridden`` says the zone was given and differs from what the data implies; an
    override stored earlier stays while the batch gives no zone.
    """
    country = row.values.get("country") or (current.country if current else "")
    if not country:
        return  # the country is in error already
    sources: dict[str, Any] = {
        "country": country,
        "region": row.values.get("region", current.region if current else ""),
        "postal_code": row.values.get("postal_code", current.postal_code if current else ""),
        "phones": [p.phone for p in row.phones if p.owned_by_borrower],
    }
    if row.timezone is not None:
        row.values["timezone"] = row.timezone
        row.values["timezone_overridden"] = row.timezone != borrower_timezone_resolve(
            explicit=None, **sources
        )
        return
    if current is not None and current.timezone_overridden:
        return
    zone = borrower_timezone_resolve(explicit=None, current=current.timezone if current else None, **sources)
    if zone is None:
        errors.add(
            f"{row.path}.timezone",
            _("cannot be derived from the country, region or phones; give it explicitly"),
        )
        return
    row.values["timezone"] = zone
    row.values["timezone_overridden"] = False


# Writing ------------------------------------------------------------------------------------

PAID_RESET = {
    "principal_paid": Decimal("0"), "interest_paid": Decimal("0"), "fee_paid": Decimal("0"),
    "penalty_paid": Decimal("0"), "settled_on": None, "last_paid_on": None,
}  # fmt: skip
AUDITED_LOAN_FIELDS = ("currency", "principal", "rate", "opened_on", "borrower_id")


def _apply(obj: models.Model, values: Mapping[str, Any], fields: set[str]) -> dict[str, tuple[Any, Any]]:
    """Set ``values`` on ``obj``; return ``{field: (before, after)}`` of what really changed."""
    diff = {
        name: (getattr(obj, name), value) for name, value in values.items() if getattr(obj, name) != value
    }
    for name, (_before, after) in diff.items():
        setattr(obj, name, after)
    fields.update(diff)
    return diff


def _save(model: type[M], new: list[M], changed: list[M], fields: set[str]) -> None:
    model._default_manager.bulk_create(new, batch_size=BATCH)
    if changed:
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            now = timezone.now()
            for obj in changed:
                obj.updated_at = now  # type: ignore[attr-defined]
            fields = fields | {"updated_at"}
        objects_update(model, changed, sorted(fields))


def _ensure_pks(model: type[M], objs: list[M], by: tuple[str, ...]) -> None:
    """Fill in primary keys that ``bulk_create`` could not return (SQLite before 3.35)."""
    missing = [obj for obj in objs if obj.pk is None]
    if not missing:
        return
    found: dict[tuple[Any, ...], int] = {}
    for chunk in _chunks({getattr(obj, by[0]) for obj in missing}):
        for *key, pk in model._default_manager.filter(**{f"{by[0]}__in": chunk}).values_list(*by, "pk"):
            found[tuple(key)] = pk
    for obj in missing:
        obj.pk = found[tuple(getattr(obj, name) for name in by)]


def _json_safe(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) or hasattr(value, "isoformat") else value


@dataclass
class _Audit:
    user: Any  # the acting user (AUTH_USER_MODEL) or None
    label: str
    entries: list[AuditEntry] = field(default_factory=list)


def _audit(action: str, obj: models.Model, diff: Mapping[str, tuple[Any, Any]], context: _Audit) -> None:
    context.entries.append(
        AuditEntry(
            actor=context.user,
            actor_label=context.label,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            before={name: _json_safe(before) for name, (before, _after) in diff.items()},
            after={name: _json_safe(after) for name, (_before, after) in diff.items()},
            reason="book import",
        )
    )


def _borrowers_write(tape: Tape, book: _Book, result: ImportResult) -> dict[str, int]:
    new: list[Borrower] = []
    changed: list[Borrower] = []
    fields: set[str] = set()
    for row in tape.borrowers:
        current = book.borrowers.get(row.external_id)
        if current is None:
            new.append(Borrower(external_id=row.external_id, **row.values))
        elif _apply(current, row.values, fields):
            changed.append(current)
    _save(Borrower, new, changed, fields)
    _ensure_pks(Borrower, new, ("external_id",))
    ids = {b.external_id: b.pk for b in [*book.borrowers.values(), *new]}
    result.borrowers = {row.external_id: ids[row.external_id] for row in tape.borrowers}
    result.created["borrowers"] = len(new)
    result.updated["borrowers"] = len(tape.borrowers) - len(new)
    return ids


def _phones_write(tape: Tape, book: _Book, borrower_ids: Mapping[str, int], result: ImportResult) -> None:
    known_borrowers = [
        book.borrowers[r.external_id].pk for r in tape.borrowers if r.external_id in book.borrowers
    ]
    stored = {
        (p.borrower_id, p.number): p for p in _fetch(Phone.objects.all(), "borrower_id", known_borrowers)
    }
    new: list[Phone] = []
    changed: list[Phone] = []
    fields: set[str] = set()
    placed: list[tuple[str, str, Phone]] = []
    for row in tape.borrowers:
        borrower_id = borrower_ids[row.external_id]
        for phone_row in row.phones:
            phone = stored.get((borrower_id, phone_row.phone.e164))
            if phone is None:
                phone = Phone(borrower_id=borrower_id, number=phone_row.phone.e164, **phone_row.values)
                new.append(phone)
            elif _apply(phone, phone_row.values, fields):
                changed.append(phone)
            placed.append((row.external_id, phone_row.phone.e164, phone))
    _save(Phone, new, changed, fields)
    _ensure_pks(Phone, new, ("borrower_id", "number"))
    for borrower, number, phone in placed:
        result.phones.setdefault(number, phone.pk)
        result.phones_by_borrower.setdefault(borrower, {})[number] = phone.pk
    result.created["phones"] = len(new)
    result.updated["phones"] = len(placed) - len(new)


def _emails_write(tape: Tape, book: _Book, borrower_ids: Mapping[str, int], result: ImportResult) -> None:
    """E-mail addresses by borrower + address, as phones: new ones created, changed ones updated."""
    known = [book.borrowers[r.external_id].pk for r in tape.borrowers if r.external_id in book.borrowers]
    # Matched as the blind index matches them (case ignored): one row per borrower and address.
    stored = {
        (e.borrower_id, email_normalise(e.address)): e for e in _fetch(EmailAddress.objects.all(), "borrower_id", known)
    }
    new: list[EmailAddress] = []
    changed: list[EmailAddress] = []
    fields: set[str] = set()
    placed = 0
    for row in tape.borrowers:
        for email_row in row.emails:
            placed += 1
            email = stored.get((borrower_ids[row.external_id], email_normalise(email_row.address)))
            if email is None:
                new.append(
                    EmailAddress(borrower_id=borrower_ids[row.external_id], address=email_row.address, **email_row.values)
                )
            elif _apply(email, email_row.values, fields):
                changed.append(email)
    _save(EmailAddress, new, changed, fields)
    result.created["emails"] = len(new)
    result.updated["emails"] = placed - len(new)


def _loans_write(
    tape: Tape, book: _Book, borrower_ids: Mapping[str, int], result: ImportResult, audit: _Audit
) -> dict[str, int]:
    new: list[LoanAccount] = []
    changed: list[LoanAccount] = []
    fields: set[str] = set()
    for row in tape.loans:
        values = {**row.values, "borrower_id": borrower_ids[row.borrower]}
        current = book.loans.get(row.external_id)
        if current is None:
            new.append(LoanAccount(external_id=row.external_id, **values))
        elif diff := _apply(current, values, fields):
            changed.append(current)
            audited = {name: change for name, change in diff.items() if name in AUDITED_LOAN_FIELDS}
            if audited:
                _audit("loan.changed", current, audited, audit)
    _save(LoanAccount, new, changed, fields)
    _ensure_pks(LoanAccount, new, ("external_id",))
    ids = {loan.external_id: loan.pk for loan in [*book.loans.values(), *new]}
    result.loans = {row.external_id: ids[row.external_id] for row in tape.loans}
    result.created["loans"] = len(new)
    result.updated["loans"] = len(tape.loans) - len(new)
    return ids


def _installments_write(
    tape: Tape, book: _Book, loan_ids: Mapping[str, int], result: ImportResult, audit: _Audit
) -> set[int]:
    """Upsert the schedules; return the ids of stored loans whose schedule changed."""
    known_loans = [book.loans[r.external_id].pk for r in tape.loans if r.external_id in book.loans]
    stored = {(i.loan_id, i.seq): i for i in _fetch(Installment.objects.all(), "loan_id", known_loans)}
    new: list[Installment] = []
    changed: list[Installment] = []
    fields: set[str] = set()
    touched: set[int] = set()
    total = 0
    for row in tape.loans:
        loan_id = loan_ids[row.external_id]
        for installment_row in row.installments:
            total += 1
            current = stored.get((loan_id, installment_row.seq))
            if current is None:
                new.append(Installment(loan_id=loan_id, seq=installment_row.seq, **installment_row.values))
                if row.external_id in book.loans:
                    touched.add(loan_id)
            elif diff := _apply(current, installment_row.values, fields):
                changed.append(current)
                touched.add(loan_id)
                _audit("installment.changed", current, diff, audit)
                # Paid amounts are recomputed by loans_reallocate below; zeroed first so a lowered
                # due never sits under a larger paid amount (installment_paid_within_due).
                _apply(current, PAID_RESET, fields)
    _save(Installment, new, changed, fields)
    result.created["installments"] = len(new)
    result.updated["installments"] = total - len(new)
    return touched


def _payments_write(tape: Tape, result: ImportResult, audit: _Audit) -> set[int]:
    """Post the payments; return the ids of the loans ``payments_post`` reallocated."""
    if not tape.payments:
        return set()
    posted = payments_post(
        items=tape.payments, paths=tape.payment_paths, actor=audit.user, actor_label=audit.label
    )
    result.payments = {payment.external_id: payment.pk for payment in posted.payments}
    created = {p.external_id for p, is_new in zip(posted.payments, posted.created, strict=True) if is_new}
    result.created["payments"] = len(created)
    result.updated["payments"] = len(result.payments) - len(created)
    return {p.loan_id for p in posted.payments if p.external_id in created}


# The services --------------------------------------------------------------------------------


def book_import(
    *,
    data: Any,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    actor_label: str = "",
    relabel: Callable[[str], str] | None = None,
    known_errors: Mapping[str, list[str]] | None = None,
) -> ImportResult:
    """Validate a decoded JSON tape against itself and the book, then upsert it, all or nothing.

    Raises ``DomainError`` (400) with every problem keyed by path when anything is wrong; nothing
    is written then. Locks the stored loans of the batch (``select_for_update``) for the whole
    transaction. ``relabel`` and ``known_errors`` let another format (CSV) name its own rows.
    """
    errors = Errors()
    with transaction.atomic():
        tape = tape_parse(data, errors)
        book = _tape_check(tape, errors)
        if known_errors:
            errors.merge(known_errors)
        if errors:
            raise _refused(errors, relabel)
        user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
        audit = _Audit(user, actor_label or (getattr(user, "username", "") if user else ""))
        result = ImportResult()
        borrower_ids = _borrowers_write(tape, book, result)
        _phones_write(tape, book, borrower_ids, result)
        _emails_write(tape, book, borrower_ids, result)
        loan_ids = _loans_write(tape, book, borrower_ids, result, audit)
        touched = _installments_write(tape, book, loan_ids, result, audit)
        reallocated = _payments_write(tape, result, audit)
        loans_reallocate(loan_ids=touched - reallocated)
        AuditEntry.objects.bulk_create(audit.entries, batch_size=BATCH)
    return result


def payments_import(
    *,
    rows: Sequence[Any],
    paths: Sequence[str] | None = None,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    actor_label: str = "",
    known_errors: Mapping[str, list[str]] | None = None,
) -> list[tuple[Payment, bool]]:
    """Read decoded payment objects and post them (``payments_post``), all or nothing.

    ``paths`` names each row in errors (default ``payments[i]``). Returns ``(payment, created)``
    per row; a replay of a stored payment is ``created=False`` and writes nothing.
    """
    errors = Errors()
    if known_errors:
        errors.merge(known_errors)
    paths = list(paths) if paths is not None else [f"payments[{index}]" for index in range(len(rows))]
    if not rows and not errors:
        errors.add("payments", _("no payments given"))
    items: list[PaymentIn] = []
    item_paths: list[str] = []
    for raw, path in zip(rows, paths, strict=True):
        payment = payment_parse(raw, path, errors)
        if payment is not None:
            items.append(payment)
            item_paths.append(path)
    if errors:
        if items:
            errors.merge(payments_validate(items=items, paths=item_paths).errors)
        raise DomainError(
            _("The payments were not posted; nothing was written."), errors=errors.by_path, code=ErrorCode.INVALID
        )
    posted = payments_post(items=items, paths=item_paths, actor=actor, actor_label=actor_label)
    return list(zip(posted.payments, posted.created, strict=True))


def _refused(errors: Errors, relabel: Callable[[str], str] | None) -> DomainError:
    by_path = errors.by_path
    if relabel is not None:
        relabelled: dict[str, list[str]] = {}
        for key, reasons in by_path.items():
            relabelled.setdefault(relabel(key), []).extend(reasons)
        by_path = relabelled
    count = sum(len(reasons) for reasons in by_path.values())
    message = ngettext(
        "The batch was not imported (%(count)d problem); nothing was written.",
        "The batch was not imported (%(count)d problems); nothing was written.",
        count,
    )
    return DomainError(message % {"count": count}, errors=by_path, code=ErrorCode.INVALID)
