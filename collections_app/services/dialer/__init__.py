"""Dialer work, by the domain's words: authorize a dial, report the call, record its result.

- ``names``: how a dialer's names map to ours (its call ids, its agents).
- ``authorizations``: the pre-dial check that reserves an attempt (the engine's ``reserve``), and
  its release when the number was not dialed.
- ``calls``: the dialer's report of a dialed call (create or update, idempotent by its call id).
- ``dispositions``: the integration's disposition codes mapped to ours.
- ``results``: how a reported call ended, its side effects and the promise made on it.
- ``promises``: the one door to promises from an integration.
- ``after_the_fact``: calls a dialer placed without asking first (VICIdial's dispo URL).

Every write holds the rows it changes: an authorization and its attempt are locked together
(``select_for_update`` over the join) before a call or a result is recorded, so a retried or
concurrent report is answered as the first one. The per-debt lock of the engine guards the caps.

Callers import from the module that owns a name; this package re-exports nothing.
"""
