"""factory_boy factories for the book and collection work."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from accounts.models import Borrower, Installment, LoanAccount, Phone


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-secret-123")


class BorrowerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Borrower

    external_id = factory.Sequence(lambda n: f"B{n:06d}")
    name = factory.Faker("name")
    country = "US"
    region = "NY"
    postal_code = "10001"
    timezone = "America/New_York"
    national_id_last4 = "6789"


class PhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phone

    borrower = factory.SubFactory(BorrowerFactory)
    number = factory.Sequence(lambda n: f"+1212555{n % 10000:04d}")
    type = Phone.Type.MOBILE
    autodialer_consent = True
    timezones = "America/New_York"


class LoanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LoanAccount

    external_id = factory.Sequence(lambda n: f"L{n:06d}")
    borrower = factory.SubFactory(BorrowerFactory)
    product = "cash"
    currency = "USD"
    principal = Decimal("1200.00")
    opened_on = dt.date(2026, 1, 1)


def loan_with_schedule(
    *,
    first_due: dt.date,
    count: int = 6,
    principal: Decimal = Decimal("200.00"),
    interest: Decimal = Decimal("20.00"),
    months: bool = True,
    **loan_kwargs: object,
) -> LoanAccount:
    """A loan with ``count`` equal installments, monthly from ``first_due`` (same day of month)."""
    loan = LoanFactory(principal=principal * count, opened_on=first_due - dt.timedelta(days=31), **loan_kwargs)
    installments = []
    for seq in range(count):
        month = first_due.month - 1 + seq
        due = (
            first_due.replace(year=first_due.year + month // 12, month=month % 12 + 1, day=min(first_due.day, 28))
            if months and seq
            else first_due
        )
        installments.append(
            Installment(loan=loan, seq=seq + 1, due_date=due, principal_due=principal, interest_due=interest)
        )
    Installment.objects.bulk_create(installments)
    return loan


def make_team(name: str, buckets: list[str], **kwargs: object):  # type: ignore[no-untyped-def]
    from accounts.models import Bucket
    from accounts.services.cob import buckets_ensure_defaults
    from collections_app.models import Team

    buckets_ensure_defaults()
    team = Team.objects.create(name=name, **kwargs)
    team.buckets.set(Bucket.objects.filter(code__in=buckets))
    return team


def make_agent(team, username: str, **kwargs: object):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group

    from collections_app.models import Agent

    user = UserFactory(username=username)
    user.groups.add(Group.objects.get_or_create(name="agent")[0])
    return Agent.objects.create(user=user, team=team, **kwargs)


def make_open_cases(balances: list[Decimal], *, bucket: str = "M1", agent=None, language: str = "en", **case_kwargs):  # type: ignore[no-untyped-def]
    """Open cases on fresh accounts, one per balance (the account's overdue amount)."""
    from collections_app.models import Case

    cases = []
    for balance in balances:
        loan = LoanFactory(borrower__language=language, bucket=bucket, dpd=10, overdue_amount=balance)
        cases.append(
            Case(
                account=loan, bucket=bucket, dpd=10, overdue_amount=balance, opened_on=dt.date(2026, 3, 1),
                agent=agent, team=agent.team if agent is not None else None, **case_kwargs,
            )
        )
    return Case.objects.bulk_create(cases)
