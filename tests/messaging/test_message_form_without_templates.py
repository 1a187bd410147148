"""The account screen's message form when no template of the channel is in use: it says so, and
never takes a channel's name for a template's code."""

from __future__ import annotations

import pytest

from collections_app.forms.messages import MessageForm
from collections_app.models import MessageTemplate

pytestmark = pytest.mark.django_db


def test_with_no_template_in_use_the_form_chooses_no_template_not_the_channels_name():
    MessageTemplate.objects.all().delete()
    form = MessageForm(data={"channel": "sms"}, phones=[], emails=[])

    assert form.current("channel") == "sms"
    assert form.current("template") == ""
    assert form.current("to") == ""
