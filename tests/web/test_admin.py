from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import AuditEntry, Borrower, Bucket, LoanAccount, Payment, Phone
from accounts.services.pii import pii_reveal_record
from collections_app import roles
from collections_app.models import Case
from config.pii import name_query_tokens, phone_index
from tests.factories import BorrowerFactory, UserFactory, make_agent, make_team
from tests.web.book import FULL_NUMBER, small_book_with_two_cobs

pytestmark = pytest.mark.django_db

LIST_PAGES = [
    "admin:accounts_borrower_changelist",
    "admin:accounts_phone_changelist",
    "admin:accounts_loanaccount_changelist",
    "admin:accounts_payment_changelist",
    "admin:accounts_bucket_changelist",
    "admin:accounts_cobrun_changelist",
    "admin:accounts_auditentry_changelist",
    "admin:collections_app_team_changelist",
    "admin:collections_app_agent_changelist",
    "admin:collections_app_case_changelist",
    "admin:collections_app_assignmentrecord_changelist",
]


def ann() -> Borrower:
    """Names are encrypted (no lookup on them): Ann Lee is found by the index of both her name's words
    (the factories' random names may give another borrower the first name Ann)."""
    first, last = name_query_tokens("ann lee")
    return Borrower.objects.filter(name_index__contains=first).filter(name_index__contains=last).get()


@pytest.fixture
def admin_client_with_book(client_as):
    small_book_with_two_cobs()
    return client_as(roles.ADMINISTRATOR)


@pytest.mark.parametrize("page", LIST_PAGES)
def test_every_list_page_of_the_book_renders_without_a_full_phone_number(admin_client_with_book, page):
    response = admin_client_with_book.get(reverse(page))

    assert response.status_code == 200
    assert FULL_NUMBER not in response.content.decode()


def test_the_change_pages_of_a_borrower_and_a_phone_mask_the_number_the_address_and_the_national_id(
    admin_client_with_book,
):
    borrower = ann()
    phone = Phone.objects.get(number_index=phone_index(FULL_NUMBER))

    borrower_page = admin_client_with_book.get(reverse("admin:accounts_borrower_change", args=[borrower.pk]))
    phone_page = admin_client_with_book.get(reverse("admin:accounts_phone_change", args=[phone.pk]))

    for response in (borrower_page, phone_page):
        page = response.content.decode()
        assert response.status_code == 200
        assert FULL_NUMBER not in page
        assert "+12******42" in page
    page = borrower_page.content.decode()
    assert "Ann Lee" in page
    assert "Main Street" not in page
    assert "*****6789" in page
    assert "national_id_hash" not in page


def test_a_whole_phone_number_finds_its_borrower_but_a_fragment_does_not(admin_client_with_book):
    url = reverse("admin:accounts_borrower_changelist")

    whole = admin_client_with_book.get(url, {"q": FULL_NUMBER})
    fragment = admin_client_with_book.get(url, {"q": FULL_NUMBER[:8]})

    assert [b.name for b in whole.context["cl"].result_list] == ["Ann Lee"]
    assert list(fragment.context["cl"].result_list) == []


def test_the_derived_fields_of_a_loan_cannot_be_changed_in_the_admin(admin_client_with_book):
    loan = LoanAccount.objects.get(external_id="L-A")
    url = reverse("admin:accounts_loanaccount_change", args=[loan.pk])

    response = admin_client_with_book.post(
        url,
        {
            "product": "cash",
            "rate": "0.1000",
            "status": "active",
            "dpd": "0",
            "bucket": "M0",
            "overdue_amount": "0",
            "installments-TOTAL_FORMS": "0",
            "installments-INITIAL_FORMS": "0",
            "payments-TOTAL_FORMS": "0",
            "payments-INITIAL_FORMS": "0",
        },
    )

    loan.refresh_from_db()
    assert response.status_code == 302
    assert (loan.dpd, loan.bucket, str(loan.overdue_amount)) == (30, "M1", "4300.00")
    entry = AuditEntry.objects.get(action="admin.loanaccount.change")
    assert entry.after == {"rate": "0.1000"}


def test_payments_can_be_read_but_not_added_or_changed(admin_client_with_book):
    payment = Payment.objects.get(external_id="P-B-1")

    change_page = admin_client_with_book.get(reverse("admin:accounts_payment_change", args=[payment.pk]))
    add_page = admin_client_with_book.get(reverse("admin:accounts_payment_add"))

    assert change_page.status_code == 200
    assert "2150.00" in change_page.content.decode()
    assert 'name="_save"' not in change_page.content.decode()
    assert add_page.status_code == 403


def _bucket_list_post(buckets: list[Bucket], changes: dict[str, tuple[int, int | None]]) -> dict[str, str]:
    data = {"form-TOTAL_FORMS": str(len(buckets)), "form-INITIAL_FORMS": str(len(buckets)), "_save": "Save"}
    for index, bucket in enumerate(buckets):
        low, high = changes.get(bucket.code, (bucket.min_dpd, bucket.max_dpd))
        data |= {
            f"form-{index}-id": str(bucket.pk),
            f"form-{index}-label": bucket.label,
            f"form-{index}-min_dpd": str(low),
            f"form-{index}-max_dpd": "" if high is None else str(high),
        }
    return data


def test_bucket_boundaries_can_move_together_in_the_list(admin_client_with_book):
    buckets = list(Bucket.objects.order_by("position"))

    response = admin_client_with_book.post(
        reverse("admin:accounts_bucket_changelist"), _bucket_list_post(buckets, {"M1": (1, 29), "M2": (30, 60)})
    )

    assert response.status_code == 302
    assert Bucket.objects.get(code="M1").max_dpd == 29
    assert Bucket.objects.get(code="M2").min_dpd == 30
    assert AuditEntry.objects.filter(action="admin.bucket.change").count() == 2


def test_a_gap_between_buckets_is_refused_and_nothing_changes(admin_client_with_book):
    buckets = list(Bucket.objects.order_by("position"))

    response = admin_client_with_book.post(
        reverse("admin:accounts_bucket_changelist"), _bucket_list_post(buckets, {"M1": (1, 29)})
    )

    assert response.status_code == 200
    assert "No bucket covers DPD 30 to 30." in response.content.decode()
    assert Bucket.objects.get(code="M1").max_dpd == 30


def test_a_bucket_overlapping_another_is_refused_in_its_own_form(admin_client_with_book):
    m2 = Bucket.objects.get(code="M2")

    response = admin_client_with_book.post(
        reverse("admin:accounts_bucket_change", args=[m2.pk]),
        {"code": "M2", "label": m2.label, "min_dpd": "25", "max_dpd": "60", "position": str(m2.position)},
    )

    assert response.status_code == 200
    assert "M1 and M2 overlap." in response.content.decode()
    assert Bucket.objects.get(code="M2").min_dpd == 31


def test_a_case_shows_its_account_but_its_assignment_cannot_be_edited_in_the_admin(admin_client_with_book):
    case = Case.objects.filter(status="open").first()

    page = admin_client_with_book.get(reverse("admin:collections_app_case_change", args=[case.pk])).content.decode()

    assert 'name="priority"' in page
    assert 'name="agent"' not in page
    assert 'name="team"' not in page


def test_the_borrowers_list_finds_a_borrower_by_whole_words_of_the_name(admin_client_with_book):
    changelist = reverse("admin:accounts_borrower_changelist")

    found = admin_client_with_book.get(changelist, {"q": "lee ANN"}).content.decode()
    fragment = admin_client_with_book.get(changelist, {"q": "An"}).content.decode()

    assert "Ann Lee" in found and "Wang Fang" not in found
    assert "Ann Lee" not in fragment


def test_marking_a_borrower_deceased_is_audited_without_personal_data(admin_client_with_book):
    borrower = ann()

    response = admin_client_with_book.post(
        reverse("admin:accounts_borrower_change", args=[borrower.pk]),
        {
            "language": "en",
            "timezone": "America/New_York",
            "deceased": "on",
            "phones-TOTAL_FORMS": "0",
            "phones-INITIAL_FORMS": "0",
        },
    )

    borrower.refresh_from_db()
    assert response.status_code == 302
    assert borrower.deceased
    entry = AuditEntry.objects.get(action="admin.borrower.change")
    assert (entry.before, entry.after) == ({"deceased": False}, {"deceased": True})
    assert "Ann Lee" not in str(entry.after)


AGENT_FORM = {"capacity": "250", "languages": "en", "status": "on_leave", "leave_from": "2026-03-02",
              "leave_to": "2026-03-06", "_save": "Save"}  # fmt: skip


@pytest.mark.parametrize(
    ("role", "availability"),
    [(roles.ADMINISTRATOR, ("active", None, None)),
     (roles.SUPERVISOR, ("on_leave", dt.date(2026, 3, 2), dt.date(2026, 3, 6)))],
)  # fmt: skip
def test_the_administrator_sets_an_agent_up_in_the_admin_but_puts_no_one_on_leave(
    client, user_with_role, role, availability
):
    agent = make_agent(make_team("Team one", ["M1"]), "ann")
    staff = user_with_role(role)
    staff.is_staff = True
    staff.save()
    client.force_login(staff)

    response = client.post(
        reverse("admin:collections_app_agent_change", args=[agent.pk]),
        {**AGENT_FORM, "user": agent.user_id, "team": agent.team_id},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    agent.refresh_from_db()
    assert agent.capacity == 250
    assert (agent.status, agent.leave_from, agent.leave_to) == availability


REVEAL_REASON = "Her son Tom answers the mobile, she asked for letters instead"


@pytest.mark.parametrize(("role", "shown"), [(roles.SUPERVISOR, True), (roles.ADMINISTRATOR, True),
                                             (roles.TEAM_LEAD, False), (roles.AGENT, False)])  # fmt: skip
def test_the_reveals_list_reads_the_encrypted_reasons_in_clear_to_supervisors_only(client, role, shown):
    reveal = pii_reveal_record(user=UserFactory(), borrower=BorrowerFactory(), field="address", reason=REVEAL_REASON)
    user = UserFactory(username=f"{role}-reader", is_staff=role != roles.AGENT)  # staff as the roles' users are
    user.groups.add(roles.roles_ensure()[role])
    client.force_login(user)

    changelist = client.get(reverse("admin:accounts_piireveal_changelist"))
    change = client.get(reverse("admin:accounts_piireveal_change", args=[reveal.pk]))

    for page in (changelist, change):
        assert page.status_code == (200 if shown else 403 if role != roles.AGENT else 302)
        assert (REVEAL_REASON in page.content.decode()) is shown
