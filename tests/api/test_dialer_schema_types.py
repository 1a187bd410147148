"""The dialer's schema as a generated client reads it: values that are enums are declared as enums, and
an event batch's item is a union told apart by ``type`` with the single endpoints' limits."""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from collections_app.models import ContactAttempt, DncEntry
from scheduling.engine import ReasonCode
from scheduling.models import Channel


@pytest.fixture(scope="module")
def components() -> dict[str, Any]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return schema["components"]["schemas"]


def _enum(components: dict[str, Any], prop: dict[str, Any]) -> list[Any]:
    """The values of an enum property, through its ``$ref``, ``allOf`` or nullable ``oneOf``."""
    refs = [prop] if "$ref" in prop else prop.get("allOf", []) + prop.get("oneOf", [])
    values: list[Any] = []
    for ref in refs:
        values += components[ref["$ref"].rsplit("/", 1)[1]]["enum"]
    return values


@pytest.mark.parametrize(
    ("component", "field", "expected"),
    [
        ("Call", "status", set(ContactAttempt.Status.values)),
        ("DncEntry", "type", set(DncEntry.Type.values)),
        ("EventOutcome", "type", {"call", "result", None}),
        ("Decision", "channel", set(Channel.values)),
        ("Decision", "source", set(ContactAttempt.Source.values)),
        ("Reason", "code", {ReasonCode.DAILY_CAP, ReasonCode.DO_NOT_CALL, ReasonCode.OUTSIDE_WINDOW}),
    ],
)
def test_values_that_are_enums_are_declared_as_enums(
    components: dict[str, Any], component: str, field: str, expected: set[Any]
) -> None:
    # Given the schema; when a client reads the field; then it gets an enum holding the values
    values = set(_enum(components, components[component]["properties"][field]))

    assert expected <= values


def test_every_reason_the_engine_gives_is_in_the_reason_enum(components: dict[str, Any]) -> None:
    codes = {value for name, value in vars(ReasonCode).items() if name.isupper()}

    assert set(_enum(components, components["Reason"]["properties"]["code"])) == codes


def test_a_call_results_effects_are_an_enum(components: dict[str, Any]) -> None:
    items = components["CallResult"]["properties"]["effects"]["items"]

    assert {"do_not_call", "dispute", "cease", "promise_requested"} <= set(_enum(components, items))


def test_an_event_is_a_union_told_apart_by_its_type(components: dict[str, Any]) -> None:
    # Given the batch's body as documented
    events = components["EventBatchDocRequest"]["properties"]["events"]
    union = components[events["items"]["$ref"].rsplit("/", 1)[1]]

    # Then it is 1 to 1,000 items, each a call or a result, discriminated by type
    assert (events["minItems"], events["maxItems"]) == (1, 1000)
    assert union["discriminator"]["propertyName"] == "type"
    assert set(union["discriminator"]["mapping"]) == {"call", "result"}
    call = components[union["discriminator"]["mapping"]["call"].rsplit("/", 1)[1]]
    result = components[union["discriminator"]["mapping"]["result"].rsplit("/", 1)[1]]
    assert _enum(components, call["properties"]["type"]) == ["call"]
    assert _enum(components, result["properties"]["type"]) == ["result"]
    assert {"type", "external_call_id", "authorization_id"} <= set(call["required"])
    assert {"type", "external_call_id", "disposition", "talk_seconds", "right_party", "conversation"} <= set(
        result["required"]
    )


def test_an_event_carries_the_single_endpoints_limits(components: dict[str, Any]) -> None:
    # Given the items of a batch and the bodies of the single endpoints
    call, result = components["CallEventRequest"]["properties"], components["ResultEventRequest"]["properties"]
    single_call = components["CallReportRequest"]["properties"]
    single_result = components["CallResultRequest"]["properties"]

    # Then a batch's item is held to the same limits
    assert (result["talk_seconds"]["minimum"], result["talk_seconds"]["maximum"]) == (0, 21600)
    for name in ("disposition", "talk_seconds", "notes", "recording_ref", "promise"):
        assert result[name] == single_result[name]
    for name in ("authorization_id", "started_at", "answered_at", "ended_at", "agent", "outcome"):
        assert call[name] == single_call[name]
    assert call["agent"]["maxLength"] == 150
    assert call["external_call_id"]["maxLength"] == result["external_call_id"]["maxLength"] == 100
