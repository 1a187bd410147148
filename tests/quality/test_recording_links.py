"""A call's recording reference becomes a link through its integration's template, validated at save."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from collections_app.models import DialAuthorization, Integration
from collections_app.selectors.quality import recording_link
from collections_app.services.integrations import integration_create
from tests.quality.quality_fixtures import QaFloor, call, qa_floor_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_dialers_call_links_to_its_recording_with_the_reference_encoded(qa: QaFloor) -> None:
    # given a dialer whose recordings play at a URL, and a call it placed with a reference holding a space
    dialer, _token = integration_create(name="acme")
    dialer.recording_url_template = "https://rec.example.com/play/{recording_ref}?inline=1"
    dialer.save()
    attempt = call(qa.ann, qa.cases["ann"])
    attempt.recording_ref = "2026/04/07/call 7781.wav"
    attempt.save()
    DialAuthorization.objects.create(integration=dialer, attempt=attempt, expires_at=attempt.placed_at)

    assert recording_link(attempt) == "https://rec.example.com/play/2026/04/07/call%207781.wav?inline=1"


def test_no_link_without_a_reference_a_template_or_an_integration(qa: QaFloor) -> None:
    dialer, _token = integration_create(name="acme")
    by_dialer = call(qa.ann, qa.cases["ann"])
    by_dialer.recording_ref = "r1"
    by_dialer.save()
    DialAuthorization.objects.create(integration=dialer, attempt=by_dialer, expires_at=by_dialer.placed_at)
    by_agent = call(qa.ann, qa.cases["ann"])
    by_agent.recording_ref = "r2"
    by_agent.save()

    assert recording_link(by_dialer) == ""  # the dialer has no template
    assert recording_link(by_agent) == ""  # nothing says where an agent's own recording lives
    assert recording_link(call(qa.ann, qa.cases["ann"])) == ""


@pytest.mark.parametrize(
    "template",
    [
        "https://rec.example.com/play/",
        "https://rec.example.com/{recording_ref}/{recording_ref}",
        "https://rec.example.com/{recording_ref}?key={secret}",
        "javascript:alert(1)//{recording_ref}",
        "rec.example.com/{recording_ref}",
        "https://rec.example.com/{recording_ref",
    ],
    ids=["no placeholder", "twice", "another placeholder", "not http", "no host", "unbalanced"],
)
def test_a_bad_template_is_refused_at_save(template: str) -> None:
    dialer, _token = integration_create(name="acme")
    dialer.recording_url_template = template

    with pytest.raises(ValidationError):
        dialer.full_clean()
    with pytest.raises(ValidationError):
        dialer.save()
    assert Integration.objects.get(pk=dialer.pk).recording_url_template == ""
