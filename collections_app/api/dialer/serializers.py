"""Shapes of the dialer API: serializers check the shape, the services check the rules."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from collections_app.api.dialer.decisions import ReasonSerializer
from collections_app.models import ContactAttempt, DncEntry
from collections_app.services.calls import MAX_NOTES, MAX_RECORDING_REF, MAX_TALK_SECONDS, Effect
from config.api import ERROR_CODES, ErrorSerializer, InstantField

MAX_EVENTS = 1000


# Every instant the dialer API takes: its offset required, its range that of ``config.instants``.
AwareDateTimeField = InstantField


def body(serializer: type[serializers.Serializer], instance: Any) -> dict[str, Any]:
    """``instance`` as ``serializer`` writes it: the answer of an endpoint, as its schema declares it.

    One instance of each serializer serves every request (making one copies its fields, which costs
    more than a dial authorization's own work); writing a body reads it and changes nothing.
    """
    return _shared(serializer).to_representation(instance)


@functools.cache
def _shared(serializer: type[serializers.Serializer]) -> serializers.Serializer:
    return serializer()


class UtcInstantField(serializers.DateTimeField):
    """An instant the API writes: in UTC, ``Z`` for its offset, whatever time zone the request runs in."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=dt.UTC, **kwargs)


class LeftAfterThisField(serializers.IntegerField):
    """The headroom the engine saw, less the attempt just reserved (null: no cap applies)."""

    def to_representation(self, value: Any) -> int:
        return max(int(value) - 1, 0)


# The error body is the whole API's (``config.api.ErrorSerializer``); its refusals below extend it.
__all__ = ["ErrorSerializer"]


# --- Call list -------------------------------------------------------------------------------------


class CallListQuerySerializer(serializers.Serializer):
    team = serializers.CharField(required=False, help_text="A team's id or name.")
    bucket = serializers.CharField(required=False, help_text="An M-bucket code (M1, M2...).")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=100)
    cursor = serializers.CharField(required=False, help_text="The next_cursor of the previous page.")


class CallListRowSerializer(serializers.Serializer):
    case_id = serializers.IntegerField()
    account_external_id = serializers.CharField()
    borrower_id = serializers.IntegerField(help_text="The borrower's id here: a cease names it (POST /api/v1/dnc/).")
    borrower_external_id = serializers.CharField(help_text="The core system's id of the borrower.")
    phone_id = serializers.IntegerField()
    number = serializers.CharField(help_text="E.164.")
    timezone = serializers.CharField(help_text="The borrower's IANA time zone.")
    zones = serializers.ListField(child=serializers.CharField(), help_text="Every zone the address and number imply.")
    window_closes_at = serializers.DateTimeField(allow_null=True, help_text="UTC; dial before it.")
    attempts_left_today = serializers.IntegerField(allow_null=True, help_text="Null: no daily cap applies.")
    attempts_left_week = serializers.IntegerField(allow_null=True, help_text="Null: no weekly cap applies.")
    agent = serializers.CharField(allow_null=True, help_text="The assigned agent's username.")
    priority = serializers.IntegerField()
    dpd = serializers.IntegerField()
    bucket = serializers.CharField()
    overdue_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    vendor_lead_code = serializers.CharField(help_text="Load it as VICIdial's vendor_lead_code: <case_id>-<phone_id>.")


class CallListPageSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="The instant the rows were decided at.")
    results = CallListRowSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)
    next = serializers.URLField(allow_null=True, help_text="The next page; null at the end of the list.")


# --- Dial authorizations ---------------------------------------------------------------------------


class DialAuthorizationRequestSerializer(serializers.Serializer):
    phone_id = serializers.IntegerField(min_value=1)
    case_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    agent = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=150)


# Reads ``{"authorization": DialAuthorization, "decision": Decision}``.
class DialAuthorizationGrantedSerializer(serializers.Serializer):
    allowed = serializers.BooleanField(source="decision.allowed")
    authorization_id = serializers.UUIDField(source="authorization.pk")
    expires_at = UtcInstantField(source="authorization.expires_at", help_text="The call must start by then.")
    attempt_id = serializers.IntegerField(source="authorization.attempt_id")
    case_id = serializers.IntegerField(source="authorization.attempt.case_id", allow_null=True)
    attempts_left_today = LeftAfterThisField(
        source="decision.attempts_left_today", allow_null=True, help_text="After this one; null: no cap."
    )
    attempts_left_week = LeftAfterThisField(
        source="decision.attempts_left_week", allow_null=True, help_text="After this one; null: no cap."
    )
    window_closes_at = UtcInstantField(source="decision.window_closes_at", allow_null=True)


# Reads ``{"message", "errors", "code", "decision": Decision}``: the error body and the engine's why.
class DialAuthorizationRefusedSerializer(ErrorSerializer):
    allowed = serializers.BooleanField(source="decision.allowed")
    reasons = ReasonSerializer(source="decision.reasons", many=True)
    next_allowed_at = UtcInstantField(
        source="decision.next_allowed_at", allow_null=True, help_text="Null: no time lifts the block."
    )


# Reads a ``DialAuthorization`` with its attempt.
class DialAuthorizationReleasedSerializer(serializers.Serializer):
    authorization_id = serializers.UUIDField(source="pk")
    status = serializers.ChoiceField(source="attempt.status", choices=ContactAttempt.Status.choices)


# --- Calls and results -----------------------------------------------------------------------------


class CallReportSerializer(serializers.Serializer):
    authorization_id = serializers.UUIDField()
    started_at = AwareDateTimeField(required=False, allow_null=True, help_text="Required unless not dialed.")
    answered_at = AwareDateTimeField(required=False, allow_null=True)
    ended_at = AwareDateTimeField(required=False, allow_null=True)
    agent = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=150)
    outcome = serializers.ChoiceField(
        choices=["not_dialed"], required=False, allow_null=True, help_text="not_dialed releases the authorization."
    )


# Reads a ``DialAuthorization`` with its attempt: the call as the dialer reported it.
class CallSerializer(serializers.Serializer):
    external_call_id = serializers.CharField()
    authorization_id = serializers.UUIDField(source="pk")
    attempt_id = serializers.IntegerField()
    case_id = serializers.IntegerField(source="attempt.case_id", allow_null=True)
    status = serializers.ChoiceField(source="attempt.status", choices=ContactAttempt.Status.choices)
    started_at = UtcInstantField(source="call_started_at", allow_null=True)
    answered_at = UtcInstantField(source="attempt.answered_at", allow_null=True)
    ended_at = UtcInstantField(source="attempt.ended_at", allow_null=True)
    agent = serializers.CharField(source="attempt.agent.username", allow_null=True)


class PromiseTermsSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    date = serializers.DateField()


class CallResultRequestSerializer(serializers.Serializer):
    disposition = serializers.CharField(max_length=32, help_text="The dialer's code (mapped) or ours.")
    talk_seconds = serializers.IntegerField(min_value=0, max_value=MAX_TALK_SECONDS)
    right_party = serializers.BooleanField()
    conversation = serializers.BooleanField()
    notes = serializers.CharField(required=False, allow_blank=True, max_length=MAX_NOTES, default="")
    recording_ref = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_RECORDING_REF, default=""
    )
    promise = PromiseTermsSerializer(required=False, allow_null=True)


# What an outcome may change beyond the attempt, as the enum a client generated from the schema gets.
EFFECTS = [value for name, value in vars(Effect).items() if name.isupper()]


# Reads a ``CallResult`` (``services.dialer.results``).
class CallResultSerializer(serializers.Serializer):
    external_call_id = serializers.CharField(source="authorization.external_call_id")
    authorization_id = serializers.UUIDField(source="authorization.pk")
    attempt_id = serializers.IntegerField(source="authorization.attempt_id")
    case_id = serializers.IntegerField(source="authorization.attempt.case_id", allow_null=True)
    disposition = serializers.CharField(source="authorization.result.disposition", help_text="Our code.")
    effects = serializers.ListField(
        child=serializers.ChoiceField(choices=EFFECTS), help_text="What the disposition changed beyond the attempt."
    )
    promise_id = serializers.IntegerField(allow_null=True)
    duplicate = serializers.BooleanField(help_text="True when this result was already recorded.")


# --- Batches ----------------------------------------------------------------------------------------


class CallEventSerializer(CallReportSerializer):
    """A call in a batch: the body of PUT dialer/calls/{id}/, with its type and the dialer's call id."""

    type = serializers.ChoiceField(choices=["call"])
    external_call_id = serializers.CharField(min_length=1, max_length=100)


class ResultEventSerializer(CallResultRequestSerializer):
    """A result in a batch: the body of POST dialer/calls/{id}/result/, with its type and the dialer's call id."""

    type = serializers.ChoiceField(choices=["result"])
    external_call_id = serializers.CharField(min_length=1, max_length=100)


# One item of a batch, told apart by ``type`` (a union discriminated by it in the schema).
EVENT_TYPES: dict[str, serializers.Serializer | type[serializers.Serializer]] = {
    "call": CallEventSerializer,
    "result": ResultEventSerializer,
}


class EventHeadSerializer(serializers.Serializer):
    """What every item of a batch names, checked before its body: its type and the dialer's call id."""

    type = serializers.ChoiceField(choices=list(EVENT_TYPES))
    external_call_id = serializers.CharField(max_length=100)


class EventBatchSerializer(serializers.Serializer):
    events = serializers.ListField(
        child=serializers.JSONField(), min_length=1, max_length=MAX_EVENTS, help_text="Up to 1,000 events."
    )


class EventBatchDocSerializer(serializers.Serializer):
    """The batch as documented (items are checked one by one, so a bad item does not sink the rest)."""

    events = serializers.ListField(
        child=PolymorphicProxySerializer(component_name="Event", serializers=EVENT_TYPES, resource_type_field_name="type"),
        min_length=1,
        max_length=MAX_EVENTS,
        help_text="Up to 1,000 events, each a call or a result (told apart by type).",
    )


class EventOutcomeSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    type = serializers.ChoiceField(choices=list(EVENT_TYPES), allow_null=True, help_text="Null: the item had none.")
    external_call_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["accepted", "duplicate", "rejected"])
    code = serializers.ChoiceField(choices=ERROR_CODES, required=False, help_text="A rejected item's, as the error body's.")
    message = serializers.CharField(required=False)
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class EventBatchResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = EventOutcomeSerializer(many=True)


# --- Do-not-call ------------------------------------------------------------------------------------


class DncRequestSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=[(DncEntry.Type.DO_NOT_CALL.value, DncEntry.Type.DO_NOT_CALL.label), (DncEntry.Type.CEASE.value, DncEntry.Type.CEASE.label)]
    )
    number = serializers.CharField(required=False, max_length=32, help_text="do_not_call: the number (E.164).")
    phone_id = serializers.IntegerField(required=False, min_value=1, help_text="do_not_call: or our phone id.")
    borrower_id = serializers.IntegerField(required=False, min_value=1, help_text="cease: our borrower id.")
    borrower_external_id = serializers.CharField(required=False, max_length=64, help_text="cease: or theirs.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    requested_at = AwareDateTimeField(required=False, help_text="When the borrower asked; default now.")


# Reads a ``DncEntry`` with its borrower.
class DncEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=DncEntry.Type.choices, help_text="sms_opt_out: no texts.")
    number = serializers.CharField(help_text="E.164; empty for a cease or an e-mail entry.")
    email = serializers.CharField(help_text="email_opt_out: the address; otherwise empty.")
    borrower_id = serializers.IntegerField(allow_null=True)
    borrower_external_id = serializers.CharField(source="borrower.external_id", allow_null=True)
    active = serializers.BooleanField(help_text="False: lifted by an administrator.")
    reason = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]
    requested_at = UtcInstantField()
    created_at = UtcInstantField()
    updated_at = UtcInstantField()


class DncFeedQuerySerializer(serializers.Serializer):
    updated_since = AwareDateTimeField(required=False)
    cursor = serializers.CharField(required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=500)


class DncFeedSerializer(serializers.Serializer):
    results = DncEntrySerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True, help_text="Keep it: ask again later with it.")
    has_more = serializers.BooleanField()
    next = serializers.URLField(allow_null=True)


# --- Dispositions ------------------------------------------------------------------------------------


class DispositionSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    category = serializers.CharField()
    conversation = serializers.BooleanField()
    not_connected = serializers.BooleanField()
    creates_promise = serializers.BooleanField()
    number_uncallable = serializers.BooleanField()
    do_not_call = serializers.BooleanField()
    dispute = serializers.BooleanField()
    callback = serializers.BooleanField()
    cease = serializers.BooleanField()
    deceased = serializers.BooleanField()
    bankruptcy = serializers.BooleanField()
    attorney = serializers.BooleanField()


class MappingSerializer(serializers.Serializer):
    external_code = serializers.CharField()
    code = serializers.CharField()


class DispositionListSerializer(serializers.Serializer):
    results = DispositionSerializer(many=True)
    mappings = MappingSerializer(many=True, help_text="This integration's codes and ours.")


# --- VICIdial -----------------------------------------------------------------------------------------


class VicidialDispoQuerySerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The integration's token (VICIdial cannot send headers).")
    call_id = serializers.CharField(max_length=100, help_text="--A--call_id--B--: the de-duplication key.")
    dispo = serializers.CharField(max_length=32, help_text="--A--dispo--B--: VICIdial's status, mapped.")
    talk_time = serializers.IntegerField(required=False, min_value=0, max_value=MAX_TALK_SECONDS, default=0)
    vendor_lead_code = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="<case_id>-<phone_id> as the call list gave it."
    )
    lead_id = serializers.CharField(required=False, allow_blank=True, max_length=32)
    phone_number = serializers.CharField(required=False, allow_blank=True, max_length=32)
    phone_code = serializers.CharField(required=False, allow_blank=True, max_length=8)
    user = serializers.CharField(required=False, allow_blank=True, max_length=150, help_text="--A--user--B--")
    agent_user = serializers.CharField(required=False, allow_blank=True, max_length=150)
    recording_filename = serializers.CharField(required=False, allow_blank=True, max_length=MAX_RECORDING_REF)
    uniqueid = serializers.CharField(required=False, allow_blank=True, max_length=64)
    term_reason = serializers.CharField(required=False, allow_blank=True, max_length=32)
    campaign = serializers.CharField(required=False, allow_blank=True, max_length=64)


# Reads ``{"status", "external_call_id", "recorded": AfterTheFact | None, "reasons"}`` (None: a replay).
class VicidialDispoResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["accepted", "duplicate"])
    external_call_id = serializers.CharField()
    attempt_id = serializers.IntegerField(source="recorded.result.authorization.attempt_id", allow_null=True)
    disposition = serializers.CharField(source="recorded.result.authorization.result.disposition", allow_null=True)
    allowed = serializers.BooleanField(
        source="recorded.decision.allowed",
        allow_null=True,
        help_text="Whether the engine allowed the call when it was placed (false: a violation).",
    )
    reasons = ReasonSerializer(many=True, help_text="The engine's, when it refused the call; empty for a replay.")


# --- Promises ------------------------------------------------------------------------------------------


class PromiseRequestSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), required=False, help_text="One amount..."
    )
    date = serializers.DateField(required=False, help_text="...on one date,")
    parts = PromiseTermsSerializer(many=True, required=False, help_text="or a plan of dated amounts.")
    external_call_id = serializers.CharField(required=False, max_length=100, help_text="The call it was made on.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        single = "amount" in attrs or "date" in attrs
        if single and "parts" in attrs:
            raise serializers.ValidationError(_("Send amount and date, or parts; not both."))
        if single and not ("amount" in attrs and "date" in attrs):
            raise serializers.ValidationError(_("A promise needs an amount and a date."))
        if not single and not attrs.get("parts"):
            raise serializers.ValidationError(_("Send amount and date, or parts."))
        return attrs


# Reads a ``PromisePart``.
class PromisePartSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    date = serializers.DateField(source="due_date")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    status = serializers.CharField()


# Reads a ``PromiseToPay`` with its parts (prefetch them).
class PromiseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_id = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    first_date = serializers.DateField()
    final_date = serializers.DateField()
    status = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]
    attempt_id = serializers.IntegerField(allow_null=True)
    parts = PromisePartSerializer(many=True)
