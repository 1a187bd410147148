"""Done when (issue 20): after importing a book with known personal data, a ``pg_dump`` of the
database holds none of it in clear (names, addresses, postal codes, dates of birth, phone numbers,
third parties' names, e-mail addresses, national ids, call notes, message bodies, do-not-call
numbers and reasons, replies' numbers, complaints, disputes, coaching notes, the audit trail's
reasons, the reasons agents give to reveal personal data, the answers kept for retried POSTs, and
the notes of promises, callbacks, extensions and moves of a case)."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from accounts.models import AuditEntry, Borrower, EmailAddress, LoanAccount, Phone, PiiReveal
from accounts.services.audit import audit_record
from accounts.services.book_import import book_import
from accounts.services.pii import pii_reveal_record
from collections_app.models import (
    AssignmentRecord,
    Case,
    Complaint,
    ComplaintCategory,
    ContactAttempt,
    Dispute,
    DncEntry,
    ExtensionRequest,
    ExtensionSop,
    IdempotencyRecord,
    InboundMessage,
    PromiseToPay,
    QaReview,
    Scorecard,
)
from collections_app.services.dnc import dnc_number_record
from config import pii
from scheduling.models import Callback
from tests.factories import make_agent, make_team

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PEOPLE = [
    # name, address, postal code, birth, national id, e-mail, third party
    ("Philippa Quenneville", "4417 Larkspur Terrace, Albany", "12208", "1971-03-09", "719-33-4821",
     "philippa.quenneville@example.org", "Octavia Brandreth"),
    ("诸葛孔明", "卧龙岗路77号3栋1209室", "473000", "1984-11-23", "110101198411231234",
     "kongming.zhuge@example.net", "司马仲达"),
]  # fmt: skip
NOTE = "Borrower said the quarterly bonus from Vandermeer Logistics arrives Friday"
# Numbers of the book (the tape's), one only on the do-not-call register, and one a reply came from.
NUMBERS = ["+12125550000", "+12125560000", "+12125550001", "+12125560001"]
DNC_ONLY, REPLY_FROM = "+13475551987", "+16465552741"
TEXTS = {  # what the borrower told us, and what we noted about it
    "complaint": "Caller threatened to tell my employer Hollingsworth Dairy",
    "resolution": "Apologised; the agent was coached on third-party disclosure to Hollingsworth",
    "dispute": "Never borrowed from you, my ex-husband Barnaby Fitzwilliam took this loan",
    "verification": "Signature on file does not match Barnaby's specimen",
    "coaching": "Talked over the borrower about her chemotherapy appointments",
    "dnc": "My daughter Persephone answers this phone, stop calling",
    "audit": "Hold lifted: her brother Lysander Oakhurst confirmed she is out of hospital",
    "reveal": "Her son Caspian Wetherby answers the mobile, she asked us to write to her instead",
    "answer": "Your agent phoned my landlord Ignatius Blackwood about the arrears",  # kept for a retry
    # notes staff type on the case
    "promise": "Pays from her cousin Leopold Ashdown's transfer on the 15th",
    "callback": "Ring after six, her husband Thaddeus picks up before",
    "extension": "Lost her job at Pemberton Mills in March",
    "decision": "Approved: the Pemberton Mills letter confirms the dismissal",
    "moved": "Moved: the agent Quintessa is her neighbour",
}


def tape() -> dict[str, object]:
    borrowers = []
    loans = []
    for i, (name, address, postal, born, national_id, email, third) in enumerate(PEOPLE):
        borrowers.append({
            "external_id": f"DUMP-B{i}", "name": name, "national_id": national_id, "date_of_birth": born,
            "address": address, "postal_code": postal, "country": "US", "region": "NY",
            "timezone": "America/New_York", "language": "en",
            "phones": [
                {"number": f"+1212555{i:04d}", "type": "mobile", "owner": "borrower"},
                {"number": f"+1212556{i:04d}", "type": "mobile", "owner": "third_party",
                 "third_party_name": third, "third_party_relation": "friend"},
            ],
            "emails": [{"address": email, "source": "borrower", "consent": True}],
        })  # fmt: skip
        loans.append({
            "external_id": f"DUMP-L{i}", "borrower": f"DUMP-B{i}", "product": "cash", "currency": "USD",
            "principal": "1200.00", "opened_on": "2026-01-01",
            "installments": [{"seq": 1, "due_date": "2026-02-01", "principal": "200.00", "interest": "20.00",
                              "fee": "0.00", "penalty": "0.00"}],
        })  # fmt: skip
    return {"borrowers": borrowers, "loans": loans}


def dump() -> str:
    db = connection.settings_dict
    result = subprocess.run(
        ["pg_dump", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"]],
        capture_output=True, text=True, timeout=120, check=True,
        env={"PGPASSWORD": db["PASSWORD"] or "", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    return result.stdout


def case_texts(account: LoanAccount, attempt: ContactAttempt) -> None:
    """A complaint, a dispute, a coaching note and a reveal on the case, and the do-not-call register's numbers."""
    now = timezone.now()
    agent = make_agent(make_team("Dump Team", ["M1"]), "dump-agent")
    case = Case.objects.create(account=account, agent=agent, team=agent.team, bucket="M1", dpd=10, opened_on=now.date())
    category = ComplaintCategory.objects.create(code="dump-conduct", label="Conduct")
    Complaint.objects.create(
        case=case, account=account, category=category, channel="call", description=TEXTS["complaint"],
        resolution_note=TEXTS["resolution"], received_at=now, acknowledge_by=now, resolve_by=now,
    )  # fmt: skip
    Dispute.objects.create(
        account=account, case=case, via="agent", reason=TEXTS["dispute"], verification=TEXTS["verification"],
        opened_at=now,
    )  # fmt: skip
    scorecard = Scorecard.objects.filter(is_active=True).first() or Scorecard.objects.create(code="dump", name="Dump")
    QaReview.objects.create(
        attempt=attempt, week=now.date(), reason="random", scorecard=scorecard, coaching_note=TEXTS["coaching"]
    )
    dnc_number_record(number=NUMBERS[0], reason=TEXTS["dnc"])
    dnc_number_record(number=DNC_ONLY, reason=TEXTS["dnc"])
    InboundMessage.objects.create(
        integration="sms", provider_message_id="dump-1", from_number=REPLY_FROM, body="Who is this?", received_at=now
    )
    audit_record(action="contact_block.reverse", obj=case, actor_label="dump-lead", reason=TEXTS["audit"])
    pii_reveal_record(user=agent.user, borrower=account.borrower, field="address", reason=TEXTS["reveal"])
    staff_notes(case, agent.user, now)
    IdempotencyRecord.objects.create(
        user=agent.user, key="dump-1", method="POST", path="/api/v1/complaints/", request_hash="0" * 64,
        status_code=201, response_body={"case_id": case.pk, "description": TEXTS["answer"]},
    )  # fmt: skip


def staff_notes(case: Case, user: User, now: dt.datetime) -> None:
    """A promise's, a callback's and an extension's notes, a decision's reason and a move's note."""
    today = now.date()
    PromiseToPay.objects.create(
        case=case, account=case.account, made_on=today, amount=Decimal("100.00"), first_date=today,
        final_date=today, deadline=today, grace_days=0, kept_threshold=Decimal("1"), note=TEXTS["promise"],
    )  # fmt: skip
    Callback.objects.create(case=case, due_at=now, reason=Callback.Reason.AGENT, note=TEXTS["callback"])
    ExtensionRequest.objects.create(
        case=case, account=case.account, sop=ExtensionSop.objects.filter(active=True).first(), bucket="M1",
        requested_by=user, note=TEXTS["extension"], decision_reason=TEXTS["decision"],
    )  # fmt: skip
    AssignmentRecord.objects.create(case=case, reason=AssignmentRecord.Reason.MANUAL, note=TEXTS["moved"], at=now)


def test_a_dump_of_the_database_holds_no_personal_value_in_clear() -> None:
    book_import(data=tape())
    account = LoanAccount.objects.get(external_id="DUMP-L0")
    attempt = ContactAttempt.objects.create(
        account=account, phone=Phone.objects.filter(borrower=account.borrower).first(), placed_at=timezone.now(),
        notes=NOTE, status=ContactAttempt.Status.COMPLETED,
    )  # fmt: skip
    case_texts(account, attempt)

    text = dump()

    assert "DUMP-B0" in text  # the dump is of this book
    for name, address, postal, born, national_id, email, third in PEOPLE:
        secrets = [name, *name.split(), address, born, national_id, national_id.replace("-", ""), email, third]
        secrets += [email.split("@")[0], "Larkspur", "卧龙岗"]
        for secret in secrets:
            assert secret not in text, secret
        assert f"\t{postal}\t" not in text
    assert "Vandermeer" not in text and NOTE not in text
    for number in [*NUMBERS, DNC_ONLY, REPLY_FROM]:
        assert number not in text and number[2:] not in text, number  # nor its national digits
    for words in TEXTS.values():
        assert words not in text, words
    for name in ("Hollingsworth", "Fitzwilliam", "chemotherapy", "Persephone", "Lysander", "Oakhurst", "Caspian", "Wetherby", "Blackwood", "Ashdown", "Thaddeus", "Pemberton", "Quintessa"):
        assert name not in text, name
    # ...and the application reads it all back, finds it by its blind indexes
    borrower = Borrower.objects.get(external_id="DUMP-B0")
    assert (borrower.name, borrower.postal_code, borrower.date_of_birth) == (
        "Philippa Quenneville", "12208", dt.date(1971, 3, 9)
    )
    assert borrower.national_id_masked == "*****4821"
    index = pii.email_index("Philippa.Quenneville@example.org")
    assert EmailAddress.objects.get(address_index=index).borrower_id == borrower.pk
    assert Phone.objects.get(borrower=borrower, owner="third_party").third_party_name == "Octavia Brandreth"
    assert ContactAttempt.objects.get(account=account).notes == NOTE
    phone = Phone.objects.get(number_index=pii.phone_index(NUMBERS[0]))
    assert (phone.borrower_id, phone.number, phone.do_not_call) == (borrower.pk, NUMBERS[0], True)
    entry = DncEntry.objects.get(number_index=pii.phone_index(DNC_ONLY))
    assert (entry.number, entry.reason) == (DNC_ONLY, TEXTS["dnc"])
    assert InboundMessage.objects.get(from_number_index=pii.phone_index(REPLY_FROM)).from_number == REPLY_FROM
    assert Complaint.objects.get(account=account).description == TEXTS["complaint"]
    assert Dispute.objects.get(account=account).verification == TEXTS["verification"]
    assert QaReview.objects.get(attempt=attempt).coaching_note == TEXTS["coaching"]
    assert AuditEntry.objects.get(actor_label="dump-lead").reason == TEXTS["audit"]
    assert PiiReveal.objects.get(borrower=borrower).reason == TEXTS["reveal"]
    assert IdempotencyRecord.objects.get(key="dump-1").response_body["description"] == TEXTS["answer"]
    assert PromiseToPay.objects.get(account=account).note == TEXTS["promise"]
    assert Callback.objects.get(case__account=account).note == TEXTS["callback"]
    extension = ExtensionRequest.objects.get(account=account)
    assert (extension.note, extension.decision_reason) == (TEXTS["extension"], TEXTS["decision"])
    assert AssignmentRecord.objects.get(case__account=account, reason="manual").note == TEXTS["moved"]
    named = Borrower.objects.all()
    for token in pii.name_query_tokens("孔明"):
        named = named.filter(name_index__contains=token)
    assert list(named.values_list("external_id", flat=True)) == ["DUMP-B1"]
