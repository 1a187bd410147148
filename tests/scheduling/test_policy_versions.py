"""Policies are versioned data: assigned by country and product, changed by making a new version."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django import forms
from django.test import Client

from accounts.models import AuditEntry
from collections_app.services.attempts import attempt_reserve
from scheduling.engine import ReasonCode, evaluate
from scheduling.models import ContactPolicy, PolicyAssignment
from scheduling.presets import CHINA_FLOOR, CHINA_STRICT, UK_CONC, US_REG_F
from scheduling.services.policies import policy_revise
from tests.factories import UserFactory
from tests.scheduling.conftest import Debt, call, local, make_debt

NY = "America/New_York"
pytestmark = pytest.mark.django_db


def test_the_shipped_presets_carry_their_numbers_and_sources(presets: None) -> None:
    us = ContactPolicy.objects.get(name=US_REG_F).rules.get(channel="call")
    china = ContactPolicy.objects.get(name=CHINA_STRICT).rules.get(channel="call")

    assert (us.weekly_debt_cap, us.cool_down_days, us.prior_consent_excluded, us.all_zones_in_window) == (
        7,
        7,
        True,
        True,
    )
    assert us.windows["sun"] == [["08:00", "21:00"]]
    assert (china.daily_borrower_connected_cap, china.daily_number_unanswered_cap) == (3, 6)
    assert china.windows["mon"] == [["08:00", "20:00"]]
    assert "1006.14(b)" in us.policy.source
    assert "NIFA" in china.policy.source
    assert "CONC 7.9.4R" in ContactPolicy.objects.get(name=UK_CONC).source
    assert dict(PolicyAssignment.objects.values_list("country", "policy_name")) == {
        "US": US_REG_F,
        "CN": CHINA_STRICT,
        "GB": UK_CONC,
    }


def test_the_most_specific_assignment_wins(presets: None) -> None:
    PolicyAssignment.objects.create(country="", product="", policy_name=UK_CONC)
    PolicyAssignment.objects.create(country="", product="card", policy_name=CHINA_FLOOR)
    PolicyAssignment.objects.create(country="CN", product="card", policy_name=US_REG_F)
    at = local(NY, 2026, 4, 7, 10)

    def policy_of(country: str, product: str) -> str:
        zone = "Asia/Shanghai" if country == "CN" else NY
        debt = make_debt(country=country, region="", timezone=zone, phone_zones=zone, product=product)
        policy = evaluate(phone=debt.phone, at=at).policy
        assert policy is not None
        return policy.name

    assert policy_of("CN", "card") == US_REG_F  # country and product
    assert policy_of("CN", "cash") == CHINA_STRICT  # country
    assert policy_of("FR", "card") == CHINA_FLOOR  # product
    assert policy_of("FR", "cash") == UK_CONC  # the default row


def test_a_revision_decides_from_its_date_and_old_attempts_keep_their_version(new_yorker: Debt) -> None:
    # Given three calls under version 1
    for hour in (9, 10, 11):
        call(new_yorker, local(NY, 2026, 4, 6, hour))
    old = ContactPolicy.objects.get(name=US_REG_F, version=1)

    # When the weekly cap is lowered to 3 from 8 April
    new = policy_revise(
        policy=old, effective_from=local(NY, 2026, 4, 8), rule_changes={"call": {"weekly_debt_cap": 3}}
    )

    # Then 7 April is still judged by version 1 and 8 April by version 2
    before = evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 10))
    after = evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 8, 10))
    assert before.allowed and before.policy == old
    assert after.codes == [ReasonCode.WEEKLY_CAP] and after.policy == new
    assert new.version == 2 and new.rules.count() == 3
    assert set(new_yorker.account.contact_attempts.values_list("policy_version", flat=True)) == {1}
    assert AuditEntry.objects.filter(action="policy.revise", object_id=str(new.pk)).exists()


def test_a_revision_with_bad_windows_is_refused_and_writes_nothing(presets: None) -> None:
    from config.errors import DomainError

    with pytest.raises(DomainError) as refused:
        policy_revise(
            policy=ContactPolicy.objects.get(name=US_REG_F),
            rule_changes={"call": {"windows": {"mon": [["21:00", "08:00"]]}}},
        )

    assert "call.windows" in refused.value.errors
    assert ContactPolicy.objects.filter(name=US_REG_F).count() == 1


def _form_data(form: forms.BaseForm) -> dict[str, Any]:
    """What a browser would post back for a form as rendered."""
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, forms.MultiWidget):
            for index, part in enumerate(widget.decompress(value)):
                data[f"{bound.html_name}_{index}"] = part.isoformat() if part is not None else ""
        elif isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif value is not None:
            data[bound.html_name] = value
    return data


def test_editing_a_policy_in_the_admin_makes_a_new_version(presets: None) -> None:
    # Given a supervisor on the US policy's admin page
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    policy = ContactPolicy.objects.get(name=US_REG_F)
    url = f"/admin/scheduling/contactpolicy/{policy.pk}/change/"
    page = client.get(url)
    data = _form_data(page.context["adminform"].form)
    formset = page.context["inline_admin_formsets"][0].formset
    data |= _form_data(formset.management_form)
    for form in formset.forms:
        data |= _form_data(form)

    # When they lower the weekly cap of calls to 5 and save
    call_index = next(i for i, f in enumerate(formset.forms) if f.instance.channel == "call")
    data[f"rules-{call_index}-weekly_debt_cap"] = "5"
    response = client.post(url, data)

    # Then version 2 exists with the change, and version 1 is untouched
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    versions = {p.version: p for p in ContactPolicy.objects.filter(name=US_REG_F)}
    assert set(versions) == {1, 2}
    assert versions[1].rules.get(channel="call").weekly_debt_cap == 7
    assert versions[2].rules.get(channel="call").weekly_debt_cap == 5
    assert versions[2].rules.count() == 3
    assert versions[2].effective_from > dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_an_attempt_records_the_version_in_force_when_it_was_reserved(new_yorker: Debt) -> None:
    policy_revise(
        policy=ContactPolicy.objects.get(name=US_REG_F),
        effective_from=local(NY, 2026, 4, 8),
        changes={"description": "v2"},
    )

    _, first = attempt_reserve(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 10))
    _, second = attempt_reserve(phone=new_yorker.phone, at=local(NY, 2026, 4, 8, 10))

    assert first is not None and second is not None
    assert (first.policy_version, second.policy_version) == (1, 2)
    assert first.decision["policy"]["version"] == 1
