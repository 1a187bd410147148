"""A medium's opt-out (no more texts, no more e-mail) is on the do-not-contact register and its feed,
apart from do-not-call: calls stay allowed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AuditEntry, EmailAddress
from collections_app.models import DncEntry
from collections_app.services.dnc import dnc_feed, dnc_medium_opt_out_record
from tests.factories import BorrowerFactory, PhoneFactory

pytestmark = pytest.mark.django_db


def test_an_sms_opt_out_flags_every_phone_with_the_number_but_not_do_not_call() -> None:
    first, second = PhoneFactory(number="+12125550100"), PhoneFactory(number="+12125550100")
    entry, created = dnc_medium_opt_out_record(number="+12125550100", reason="STOP")
    again, created_again = dnc_medium_opt_out_record(number="+12125550100", reason="STOP")
    for phone in (first, second):
        phone.refresh_from_db()
        assert phone.sms_opted_out and phone.sms_opted_out_at is not None and not phone.do_not_call
    assert created and not created_again and again.pk == entry.pk
    assert entry.type == DncEntry.Type.SMS_OPT_OUT
    assert AuditEntry.objects.filter(action="dnc.sms_opt_out").count() == 1


def test_an_email_opt_out_is_in_the_feed_with_its_address() -> None:
    borrower = BorrowerFactory()
    EmailAddress.objects.create(borrower=borrower, address="ann@example.com", consent=True)
    dnc_medium_opt_out_record(email="Ann@Example.com")
    assert EmailAddress.objects.get().opted_out
    page, _cursor, _more = dnc_feed(
        updated_since=None, cursor=None, limit=10, now=timezone.now() + dt.timedelta(minutes=1)
    )
    assert [(e.type, e.email, e.borrower_id) for e in page] == [("email_opt_out", "ann@example.com", borrower.pk)]
