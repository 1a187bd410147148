"""Examples of the dialer API's bodies, shown in the OpenAPI schema and the interactive docs."""

from __future__ import annotations

CALL_ROW_EXAMPLE = {
    "case_id": 812,
    "account_external_id": "L000812",
    "borrower_id": 604,
    "borrower_external_id": "B000604",
    "phone_id": 1530,
    "number": "+12125550100",
    "timezone": "America/New_York",
    "zones": ["America/New_York"],
    "window_closes_at": "2026-04-08T01:00:00Z",
    "attempts_left_today": None,
    "attempts_left_week": 5,
    "agent": "agent1",
    "priority": 20,
    "dpd": 45,
    "bucket": "M2",
    "overdue_amount": "440.00",
    "currency": "USD",
    "vendor_lead_code": "812-1530",
}

REFUSED_EXAMPLE = {
    "message": "The engine does not allow this call now.",
    "errors": {},
    "code": "not_allowed",
    "allowed": False,
    "reasons": [{"code": "weekly_cap", "message": "7 attempts on this debt in the last 7 days: the cap is 7."}],
    "next_allowed_at": "2026-04-09T13:00:00Z",
}

CALL_EXAMPLE = {
    "external_call_id": "call-7781",
    "authorization_id": "5b0f3c1e-3f7c-4a51-9a7e-2f1d6c1e9b10",
    "attempt_id": 9120,
    "case_id": 812,
    "status": "reserved",
    "started_at": "2026-04-07T14:00:05Z",
    "answered_at": "2026-04-07T14:00:19Z",
    "ended_at": "2026-04-07T14:03:40Z",
    "agent": "agent1",
}
