"""Shapes of the compliance API: the question (query string) and the decision."""

from __future__ import annotations

from rest_framework import serializers

from collections_app.models import ContactAttempt
from config.api import InstantField
from scheduling.engine import ReasonCode
from scheduling.models import Channel

# Every reason the engine gives, as the enum a client generated from the schema gets.
REASON_CODES = [value for name, value in vars(ReasonCode).items() if name.isupper()]


class ComplianceCheckQuerySerializer(serializers.Serializer):
    phone_id = serializers.IntegerField(min_value=1)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.CALL)
    at = InstantField(required=False, help_text="ISO 8601 instant with its UTC offset; default: now.")
    source = serializers.ChoiceField(  # type: ignore[assignment]  # the query parameter's name
        choices=ContactAttempt.Source.choices, default=ContactAttempt.Source.AGENT
    )
    account_id = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The debt the contact is about; default: the borrower's open case.",
    )


class ReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=REASON_CODES)
    message = serializers.CharField()


class PolicyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    version = serializers.IntegerField()


class DecisionSerializer(serializers.Serializer):
    """Documents ``Decision.as_json()``; the view answers with that dict as it is."""

    allowed = serializers.BooleanField()
    reasons = ReasonSerializer(many=True)
    next_allowed_at = serializers.DateTimeField(allow_null=True)
    attempts_left_today = serializers.IntegerField(allow_null=True)
    attempts_left_week = serializers.IntegerField(allow_null=True)
    window_closes_at = serializers.DateTimeField(allow_null=True)
    at = serializers.DateTimeField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    source = serializers.ChoiceField(choices=ContactAttempt.Source.choices)  # type: ignore[assignment]
    direct_prior_consent = serializers.BooleanField()
    account_id = serializers.IntegerField(allow_null=True)
    phone_id = serializers.IntegerField(allow_null=True)
    zones = serializers.ListField(child=serializers.CharField())
    policy = PolicyRefSerializer(allow_null=True)
