"""The demo book: realistic, deterministic, consistent with the waterfall, and safe to run twice."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from phonenumbers import timezone as phone_timezone

from accounts.demo.book import history_dates
from accounts.models import (
    Borrower,
    BucketDailyTotal,
    CobRun,
    Installment,
    LoanAccount,
    Payment,
    PaymentAllocation,
    Phone,
)
from accounts.services.waterfall import loans_reallocate
from collections_app.models import Case
from collections_app.services.close import book_close

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


def seed(accounts: int = 300, seed: int = 7, *extra: str) -> str:
    out = StringIO()
    call_command(
        "seed_demo", "--accounts", str(accounts), "--seed", str(seed), "--today", TODAY.isoformat(), *extra, stdout=out
    )
    return out.getvalue()


def book_contents() -> tuple[list[tuple], ...]:
    return (
        list(Borrower.objects.order_by("external_id").values_list(
            "external_id", "name", "national_id_hash", "country", "region", "postal_code", "timezone", "language"
        )),
        list(Phone.objects.order_by("borrower__external_id", "number_index").values_list(
            "borrower__external_id", "number", "type", "owner", "autodialer_consent", "do_not_call", "timezones"
        )),
        list(LoanAccount.objects.order_by("external_id").values_list(
            "external_id", "borrower__external_id", "product", "principal", "rate", "opened_on", "status", "closed_on"
        )),
        list(Installment.objects.order_by("loan__external_id", "seq").values_list(
            "loan__external_id", "seq", "due_date", "principal_due", "interest_due", "fee_due", "penalty_due",
            "principal_paid", "interest_paid", "fee_paid", "penalty_paid", "settled_on",
        )),
        list(Payment.objects.order_by("external_id").values_list(
            "external_id", "amount", "received_at", "value_date", "channel"
        )),
    )  # fmt: skip


def book_delete() -> None:
    for model in (PaymentAllocation, Payment, Installment, LoanAccount, Phone, Borrower):
        model.objects.all().delete()


def test_the_same_seed_gives_the_same_book_and_another_seed_a_different_one():
    seed(300, 7, "--no-cob")
    first = book_contents()
    book_delete()

    seed(300, 7, "--no-cob")
    again = book_contents()
    book_delete()
    seed(300, 8, "--no-cob")
    other = book_contents()

    assert again == first
    assert other[2] != first[2]


def test_borrowers_live_in_both_countries_and_some_mobiles_ring_in_another_time_zone():
    seed(300, 7, "--no-cob")

    assert set(Borrower.objects.values_list("country", flat=True)) == {"US", "CN"}
    assert set(Borrower.objects.values_list("language", flat=True)) == {"en", "zh-hans"}
    assert set(Borrower.objects.filter(country="US").values_list("timezone", flat=True)) >= {
        "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    }  # fmt: skip
    assert set(Borrower.objects.filter(country="CN").values_list("timezone", flat=True)) == {"Asia/Shanghai"}
    elsewhere = [
        p for p in Phone.objects.filter(owner="borrower", type="mobile").select_related("borrower")
        if p.borrower.timezone not in p.timezone_list
    ]
    assert elsewhere, "some borrower's mobile implies another time zone than the address"
    assert Phone.objects.filter(owner="third_party").exclude(third_party_relation="").exists()
    assert Phone.objects.filter(do_not_call=True).exists()
    mobiles = Phone.objects.filter(owner="borrower", type="mobile")
    assert mobiles.filter(autodialer_consent=True).count() > mobiles.count() * 0.7


def test_every_phone_is_valid_e164_with_the_time_zones_phonenumbers_gives():
    seed(300, 7, "--no-cob")

    for phone in Phone.objects.all():
        parsed = phonenumbers.parse(phone.number)
        assert phonenumbers.is_valid_number(parsed), phone.number
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == phone.number
        assert phone.timezones == ",".join(phone_timezone.time_zones_for_number(parsed))


def test_national_ids_are_kept_only_as_a_keyed_hash_and_the_last_four_characters():
    seed(300, 7, "--no-cob")

    hashes = list(Borrower.objects.values_list("national_id_hash", flat=True))
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)
    assert len(set(hashes)) == len(hashes)
    assert all(re.fullmatch(r"[0-9X]{4}", last4) for last4 in Borrower.objects.values_list("national_id_last4", flat=True))


def test_each_loan_repays_its_principal_over_six_monthly_installments_and_no_payment_is_in_the_future():
    seed(300, 7, "--no-cob")

    loans = LoanAccount.objects.prefetch_related("installments")
    assert {loan.product for loan in loans} == {"cash", "instalment"}
    for loan in loans:
        installments = list(loan.installments.all())
        assert [i.seq for i in installments] == [1, 2, 3, 4, 5, 6]
        assert sum(i.principal_due for i in installments) == loan.principal
        assert all(b.due_date.day == a.due_date.day for a, b in zip(installments, installments[1:], strict=False))
    for payment in Payment.objects.select_related("loan__borrower"):
        assert payment.value_date < TODAY
        assert payment.received_at.astimezone(ZoneInfo(payment.loan.borrower.timezone)).date() == payment.value_date
    statuses = set(LoanAccount.objects.values_list("status", flat=True))
    assert statuses == {"active", "paid_off"}


def test_reallocating_every_seeded_loan_changes_nothing():
    seed(300, 7, "--no-cob")
    allocations = sorted(PaymentAllocation.objects.values_list(
        "payment__external_id", "installment__loan__external_id", "installment__seq", "value_date",
        "penalty", "fee", "interest", "principal", "total",
    ))  # fmt: skip
    installments = book_contents()[3]
    statuses = sorted(LoanAccount.objects.values_list("external_id", "status", "closed_on"))
    unapplied = sorted(Payment.objects.values_list("external_id", "unapplied_amount"))

    loans_reallocate(loan_ids=LoanAccount.objects.values_list("pk", flat=True))

    assert sorted(PaymentAllocation.objects.values_list(
        "payment__external_id", "installment__loan__external_id", "installment__seq", "value_date",
        "penalty", "fee", "interest", "principal", "total",
    )) == allocations  # fmt: skip
    assert book_contents()[3] == installments
    assert sorted(LoanAccount.objects.values_list("external_id", "status", "closed_on")) == statuses
    assert sorted(Payment.objects.values_list("external_id", "unapplied_amount")) == unapplied


def test_after_cob_a_plausible_share_of_the_book_is_in_collections():
    seed(300, 7, "--no-cob")

    result = book_close(business_date=TODAY)

    loans = LoanAccount.objects.count()
    assert 0.03 * loans <= result.delinquent <= 0.20 * loans
    assert Case.objects.filter(status="open").count() == result.delinquent
    assert LoanAccount.objects.filter(dpd__gt=30).exists(), "some accounts rolled past M1"


def test_the_history_replay_closes_business_on_every_day_and_some_cases_cure():
    out = seed(200, 7, "--months", "1")

    days = history_dates(today=TODAY, months=1, daily=True)
    assert list(CobRun.objects.order_by("date").values_list("date", flat=True)) == days
    assert set(BucketDailyTotal.objects.values_list("date", flat=True)) == set(days)
    assert Case.objects.filter(status="closed", close_reason="cured").exists()
    assert "COB history: " in out


def test_a_large_book_replays_month_ends_and_the_last_two_days():
    dates = history_dates(today=dt.date(2026, 11, 20), months=6, daily=False)

    assert dates == [
        dt.date(2026, 5, 31), dt.date(2026, 6, 30), dt.date(2026, 7, 31), dt.date(2026, 8, 31),
        dt.date(2026, 9, 30), dt.date(2026, 10, 31), dt.date(2026, 11, 19), dt.date(2026, 11, 20),
    ]  # fmt: skip


def test_if_empty_does_nothing_the_second_time():
    seed(50, 7, "--if-empty", "--no-cob")
    counts = (Borrower.objects.count(), LoanAccount.objects.count(), Payment.objects.count())

    out = seed(50, 9, "--if-empty", "--no-cob")

    assert (Borrower.objects.count(), LoanAccount.objects.count(), Payment.objects.count()) == counts
    assert "nothing seeded" in out


def test_a_second_book_with_the_same_seed_is_refused_and_writes_nothing():
    seed(50, 7, "--no-cob")
    loans = LoanAccount.objects.count()

    with pytest.raises(CommandError, match="seed 7 exists already"):
        seed(50, 7, "--no-cob")

    assert LoanAccount.objects.count() == loans


def test_a_book_of_no_accounts_is_refused():
    with pytest.raises(CommandError, match="at least 1"):
        seed(0, 7, "--no-cob")

    assert not Borrower.objects.exists()


@pytest.mark.postgres
def test_on_postgresql_worker_processes_and_copy_make_the_same_book_as_one_process(monkeypatch):
    from accounts.demo import book, chunks

    monkeypatch.setattr(book, "CHUNK_ACCOUNTS", 60)
    monkeypatch.setattr(chunks, "CHUNK_ACCOUNTS", 60)
    monkeypatch.setattr(book, "BULK_MIN_ACCOUNTS", 10_000)
    seed(300, 7, "--no-cob")
    one_process = book_contents()
    book_delete()

    monkeypatch.setattr(book, "BULK_MIN_ACCOUNTS", 100)
    seed(300, 7, "--no-cob")

    assert book_contents() == one_process
    loans_reallocate(loan_ids=LoanAccount.objects.values_list("pk", flat=True))
    assert book_contents() == one_process
