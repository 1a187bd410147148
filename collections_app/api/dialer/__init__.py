"""The dialer and core-system API (DESIGN.md section 10): token authentication, scopes, idempotency,
per-token rate limits, and the endpoints themselves."""
