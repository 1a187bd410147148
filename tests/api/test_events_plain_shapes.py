"""The batch's quick shape check agrees with the serializers wherever it answers (it may decline)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from collections_app.api.dialer import serializers as s
from collections_app.api.dialer.events import _plain_call, _plain_result

texts = st.one_of(st.text(max_size=40), st.sampled_from(["", " x", "no_answer", "a\x00b", "x" * 300]))
instants = st.one_of(
    st.none(),
    st.integers(),
    st.sampled_from(["2026-04-07T14:00:05Z", "2026-04-07T14:00:05", "2026-04-07T22:00:05+08:00", "yesterday", " 2026-04-07T14:00:05Z"]),
    st.datetimes(timezones=st.just(dt.UTC)).map(lambda d: d.isoformat()),
)
anything = st.one_of(st.none(), st.booleans(), st.integers(-5, 30000), texts, st.floats(allow_nan=False))


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(...), strategy)


def _fields(draw: Any, spec: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    out = {}
    for name, strategy in spec.items():
        value = draw(_optional(strategy))
        if value is not ...:
            out[name] = value
    return out


@st.composite
def calls(draw: Any) -> dict[str, Any]:
    return _fields(draw, {
        "authorization_id": st.one_of(st.uuids().map(str), st.uuids().map(lambda u: u.hex), anything),
        "started_at": instants, "answered_at": instants, "ended_at": instants,
        "agent": st.one_of(st.none(), texts), "outcome": st.one_of(st.none(), st.just("not_dialed"), texts),
    })  # fmt: skip


@st.composite
def results(draw: Any) -> dict[str, Any]:
    return _fields(draw, {
        "disposition": st.one_of(texts, anything), "talk_seconds": st.one_of(anything, st.integers(0, 30000)),
        "right_party": anything, "conversation": anything, "notes": st.one_of(texts, anything),
        "recording_ref": st.one_of(texts, anything), "promise": st.one_of(st.none(), st.just({"amount": "1", "date": "2026-04-09"})),
    })  # fmt: skip


def _serializer(serializer: s.serializers.Serializer, fields: dict[str, Any]) -> dict[str, Any] | None:
    check = serializer.__class__(data=fields)
    return dict(check.validated_data) if check.is_valid() else None


@settings(max_examples=400, deadline=None)
@given(calls())
def test_a_call_the_quick_check_accepts_is_what_the_serializer_makes_of_it(fields: dict[str, Any]) -> None:
    quick = _plain_call(fields)
    if quick is not None:
        assert quick == _serializer(s.CallReportSerializer(), fields)
        assert isinstance(quick["authorization_id"], uuid.UUID)


@settings(max_examples=400, deadline=None)
@given(results())
def test_a_result_the_quick_check_accepts_is_what_the_serializer_makes_of_it(fields: dict[str, Any]) -> None:
    quick = _plain_result(fields)
    if quick is not None:
        assert quick == _serializer(s.CallResultRequestSerializer(), fields)


def test_the_quick_check_answers_the_shapes_dialers_send() -> None:
    call = {"authorization_id": str(uuid.uuid4()), "started_at": "2026-04-07T14:00:05Z", "ended_at": "2026-04-07T14:00:35Z"}
    result = {"disposition": "NA", "talk_seconds": 0, "right_party": False, "conversation": False}

    assert _plain_call(call) == _serializer(s.CallReportSerializer(), call)
    assert _plain_result(result) == _serializer(s.CallResultRequestSerializer(), result)
