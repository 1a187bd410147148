"""``make bench``: the figures of DESIGN.md section 13 on a 1,000,000-account book, as one JSON object.

Steps, each on a fresh clone of the cached book (see ``bench.book``):

1. the nightly COB for the book's date, in its own process (time, peak memory), and before it the
   same work written as plain SQL by hand (``bench.baseline``), rolled back, for the ratio;
2. the assignment of every open case that COB left (all of them new), then the next day's run;
   then the strategies' plan of the next day (every member's arm new), and that plan again (nothing new);
3. the reports' aggregation for the COB date; then messaging (``bench.messaging``): the plan's reminders
   queued (the time for 100,000), the batch sender into a local stub of the SMS provider at an explicit
   rate, a STOP while it sends, and every message sent checked again (``bench.compliance``);
4. under gunicorn (3 workers, this project's WSGI app): dial authorizations with 8 concurrent
   clients (wrk), and the same load on a bare view that only locks a counter row, bumps it and
   inserts an attempt (``bench.bare``); the dialer's call list (500 rows); batches of 1,000 events;
   the agent's queue, the account screen, search (by loan id, surname and a phone's last digits) and
   every report page;
5. an independent check of every attempt the run allowed against the rules (``bench.compliance``);
6. the peak memory of every job, with its growth per account and its projection to 10M accounts
   (``bench.memory``; ``python -m bench.growth`` compares two runs at different sizes).

Progress goes to stderr; stdout gets the JSON, which is also written to ``bench/last-run.json``.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from bench.baseline import cob_baseline
from bench.book import ROOT, Book, Run, book_prepare, db_url, manage, say
from bench.compliance import message_violations_find, violations_find
from bench.memory import memory_by_job, startup_mb
from bench.messaging import measure_messaging
from bench.server import Server, wrk

# DESIGN.md section 13. Absolute API times swing by a factor of two on shared machines, so the dial
# figures are ratios to the bare view run in the same minute; every API figure is reported beside
# that yardstick (``_yardsticks``).
TARGETS = {
    "cob_seconds": 30.0,
    "cob_ratio_to_sql": 1.5,
    "assignment_seconds": 15.0,
    "plan_seconds": 30.0,
    "dial_throughput_share_of_bare": 0.75,
    "dial_p99_ratio_to_bare": 1.5,
    "call_list_500_ms": 100.0,
    "batch_events_per_second": 2000.0,
    "agent_screens_ms": 150.0,
    "report_pages_ms": 200.0,
    "peak_memory_mb": 1024.0,
    "compliance_violations": 0,
    "messages_queued_100k_seconds": 60.0,
    "sender_messages_per_second": 500.0,
    "stop_honoured_seconds": 60.0,
    "message_compliance_violations": 0,
}
GOALS = {"call_list_500_ms": 50.0}


def _count(book: Book, sql: str, params: list[object] | None = None) -> int:
    with psycopg.connect(db_url(book.database)) as conn:
        return int(conn.execute(sql, params or []).fetchone()[0])


def measure_cob(book: Book) -> dict[str, object]:
    baseline = cob_baseline(book)
    say(f"hand-written SQL: {baseline['seconds']:.1f}s")
    run = manage(book.database, "run_cob", "--date", book.today.isoformat())
    with psycopg.connect(db_url(book.database)) as conn:
        seconds, accounts, delinquent, transitions = conn.execute(
            "SELECT seconds, accounts, delinquent, transitions FROM accounts_cobrun WHERE date = %s", [book.today]
        ).fetchone()
    say(f"COB {book.today}: {seconds:.1f}s in COB, {run.seconds:.1f}s wall, peak {run.peak_mb} MB")
    return {
        "date": book.today.isoformat(),
        "seconds": float(seconds),
        "wall_seconds": run.seconds,
        "accounts": accounts,
        "delinquent": delinquent,
        "transitions": transitions,
        "open_cases": _count(book, "SELECT COUNT(*) FROM collections_app_case WHERE status = 'open'"),
        "peak_mb": run.peak_mb,
        "sql_baseline_seconds": baseline["seconds"],
        "sql_baseline_steps": baseline["steps"],
        "ratio_to_sql": round(float(seconds) / baseline["seconds"], 2),
    }


def _assignment_moves(output: str) -> str:
    """The command's "Assignment: ..." line (the job's own time at its end); the lines after it report the
    unworked cases, so the last line is not it."""
    return next((line for line in output.splitlines() if line.startswith("Assignment:")), "")


def _assignment_seconds(run: Run) -> float:
    """The job's own time from its "Assignment:" line (no start-up, no unworked report), as COB's;
    the command's wall time if the line has none."""
    own = re.search(r"([0-9.]+)s$", _assignment_moves(run.output))
    return float(own.group(1)) if own else run.seconds


def measure_assignment(book: Book) -> dict[str, object]:
    unassigned = _count(
        book, "SELECT COUNT(*) FROM collections_app_case WHERE status = 'open' AND agent_id IS NULL"
    )
    first = manage(book.database, "assign", "--today", book.today.isoformat())
    say(f"assignment of {unassigned:,} open cases: {first.seconds:.1f}s, peak {first.peak_mb} MB")
    again = manage(book.database, "assign", "--today", book.today.isoformat())
    say(f"assignment again (sticky): {_assignment_seconds(again):.1f}s, {again.seconds:.1f}s wall")
    loads = _agent_loads(book)
    return {
        "open_cases": unassigned,
        "seconds": _assignment_seconds(first),
        "wall_seconds": first.seconds,
        "peak_mb": first.peak_mb,
        "summary": _assignment_moves(first.output),
        "second_run_seconds": _assignment_seconds(again),
        "second_run_wall_seconds": again.seconds,
        "second_run_summary": _assignment_moves(again.output),
        "agents": loads["agents"],
        "cases_per_agent_spread_within_team_pct": loads["spread_pct"],
    }


def _agent_loads(book: Book) -> dict[str, object]:
    with psycopg.connect(db_url(book.database)) as conn:
        rows = conn.execute(
            """SELECT a.team_id, COUNT(c.id) FROM collections_app_agent a
               LEFT JOIN collections_app_case c ON c.agent_id = a.id AND c.status = 'open'
               GROUP BY a.id, a.team_id"""
        ).fetchall()
    by_team: dict[int, list[int]] = {}
    for team, count in rows:
        by_team.setdefault(team, []).append(count)
    spread = max(
        ((max(counts) - min(counts)) / statistics.mean(counts) * 100 if statistics.mean(counts) else 0.0)
        for counts in by_team.values()
    )
    return {"agents": len(rows), "spread_pct": round(spread, 1)}


def measure_plan(book: Book) -> dict[str, object]:
    """The strategies' plan of the day after the COB date, as the nightly close runs it; then again (idempotent)."""
    day = (book.today + timedelta(days=1)).isoformat()
    first = manage(book.database, "plan", "--today", day)
    again = manage(book.database, "plan", "--today", day, "--kind", "intraday")
    with psycopg.connect(db_url(book.database)) as conn:
        runs = conn.execute(
            "SELECT seconds, assigned, created, stopped, prioritized FROM collections_app_planrun WHERE date = %s "
            "ORDER BY id", [day],
        ).fetchall()
        by_kind = dict(conn.execute(
            "SELECT kind, COUNT(*) FROM collections_app_planaction WHERE date = %s GROUP BY kind", [day]
        ).fetchall())
    half = len(runs) // 2
    seconds = round(sum(float(r[0]) for r in runs[:half]), 2)
    say(f"plan for {day}: {seconds:.1f}s in the plan, {first.seconds:.1f}s wall, peak {first.peak_mb} MB; "
        f"again {again.seconds:.1f}s wall; actions {by_kind}")
    return {
        "date": day,
        "seconds": seconds,
        "wall_seconds": first.seconds,
        "peak_mb": first.peak_mb,
        "assigned": sum(int(r[1]) for r in runs[:half]),
        "created": sum(int(r[2]) for r in runs[:half]),
        "actions_by_kind": by_kind,
        "prioritized": sum(int(r[4]) for r in runs[:half]),
        "second_run_seconds": round(sum(float(r[0]) for r in runs[half:]), 2),
        "second_run_created": sum(int(r[2]) for r in runs[half:]),
        "summary": first.output.strip().splitlines()[-1] if first.output.strip() else "",
    }


def measure_aggregation(book: Book) -> dict[str, object]:
    day = book.today.isoformat()
    run = manage(book.database, "aggregate", "--from", day, "--to", day)
    say(f"aggregation for {day}: {run.seconds:.1f}s, peak {run.peak_mb} MB")
    return {"date": day, "seconds": run.seconds, "peak_mb": run.peak_mb}


def _milliseconds(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "samples": len(ordered),
    }


def measure_api(server: Server, book: Book) -> dict[str, object]:
    figures: dict[str, object] = {}
    # The call list: the dialer's first page of 500, then the pages that feed the load below.
    timings, rows = [], []
    cursor = None
    for _page in range(16):
        started = time.monotonic()
        page = server.dialer_get("/api/v1/dialer/call-list/", {"limit": 500, **({"cursor": cursor} if cursor else {})})
        timings.append(time.monotonic() - started)
        rows += page["results"]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    figures["call_list_500"] = {**_milliseconds(timings), "rows": len(rows)}
    say(f"call list: {len(rows):,} callable numbers in {len(timings)} pages, median {figures['call_list_500']['median_ms']} ms")
    if len(rows) < 2000:
        say("few numbers are callable at this hour: dial figures are mostly refusals (see compliance.at)")
    by_case: dict[int, dict[str, object]] = {}
    for row in rows:
        by_case.setdefault(row["case_id"], row)
    callable_rows = list(by_case.values())
    half = len(callable_rows) // 2
    load_rows, batch_rows = callable_rows[:half], callable_rows[half:]

    bodies = [{"phone_id": r["phone_id"], "case_id": r["case_id"]} for r in load_rows] or [{"phone_id": 0}]
    dial = wrk(server, "/api/v1/dialer/dial-authorizations/", bodies, token=server.token, seconds=15)
    accounts = server.accounts_of([r["case_id"] for r in load_rows] or [0])
    bare_bodies = [{"account_id": a, "phone_id": p} for a, p in accounts] or [{"account_id": 0, "phone_id": 0}]
    bare = wrk(server, "/bench/bare/", bare_bodies, token=None, seconds=15)
    say(f"dial-authorizations: {dial['requests_per_second']:.0f}/s p99 {dial['p99_ms']} ms; "
        f"bare view: {bare['requests_per_second']:.0f}/s p99 {bare['p99_ms']} ms")
    figures["dial_authorizations"] = dial
    figures["bare_view"] = bare
    figures["dial_throughput_share_of_bare"] = round(dial["requests_per_second"] / bare["requests_per_second"], 2)
    figures["dial_p99_ratio_to_bare"] = round(dial["p99_ms"] / bare["p99_ms"], 2) if bare["p99_ms"] else None

    # Race: 8 clients asking for the same 20 debts at once, so the caps are reached under contention.
    hot = [{"phone_id": r["phone_id"], "case_id": r["case_id"]} for r in batch_rows[:20]]
    if hot:
        figures["dial_contention_20_debts"] = wrk(
            server, "/api/v1/dialer/dial-authorizations/", hot, token=server.token, seconds=5
        )
    figures["batch_events"] = _batch_events(server, batch_rows[20:2020])
    say(f"batch events: {figures['batch_events']['events_per_second']:.0f}/s")
    return figures


def _batch_events(server: Server, rows: list[dict[str, object]]) -> dict[str, object]:
    """Authorize one call per number, then report calls and results in batches of 1,000 events."""
    authorizations = []
    single = []
    for row in rows:
        started = time.monotonic()
        status, body = server.dialer_post("/api/v1/dialer/dial-authorizations/", {"phone_id": row["phone_id"], "case_id": row["case_id"]})
        single.append(time.monotonic() - started)
        if status == 201:
            authorizations.append(body)
    now = datetime.now(UTC)
    events = []
    for n, authorization in enumerate(authorizations):
        call_id = f"bench-{now:%H%M%S}-{n}"
        events.append({
            "type": "call", "external_call_id": call_id, "authorization_id": authorization["authorization_id"],
            "started_at": (now + timedelta(seconds=1)).isoformat(), "ended_at": (now + timedelta(seconds=31)).isoformat(),
        })
        events.append({
            "type": "result", "external_call_id": call_id, "disposition": "no_answer" if n % 10 else "busy",
            "talk_seconds": 0, "right_party": False, "conversation": False,
        })
    batches = [events[i:i + 1000] for i in range(0, len(events), 1000)]
    timings, accepted = [], 0
    for batch in batches:
        started = time.monotonic()
        status, body = server.dialer_post("/api/v1/dialer/events/", {"events": batch})
        timings.append(time.monotonic() - started)
        if status != 200:
            raise RuntimeError(f"events batch answered {status}: {str(body)[:500]}")
        accepted += body["accepted"]
    total = sum(timings)
    return {
        "events": len(events),
        "accepted": accepted,
        "batches": len(batches),
        "seconds": round(total, 2),
        "events_per_second": round(len(events) / total, 0) if total else 0.0,
        "single_client_authorization": _milliseconds(single) if single else None,
    }


def measure_screens(server: Server, book: Book) -> dict[str, object]:
    agent_user, case_id = server.busiest_agent()
    agent = server.session(agent_user)
    screens = {
        "agent_queue": agent.timed("/queue/"),
        "account_screen": agent.timed(f"/cases/{case_id}/"),
        "account_compliance_panel": agent.timed(f"/cases/{case_id}/compliance/"),
    }
    terms = server.search_terms(case_id)
    for kind in ("loan", "name", "digits"):  # an agent's search among its cases, as an inbound call starts
        screens[f"search_{kind}"] = agent.timed("/search/", {"q": terms[kind]})
    supervisor = server.session("bench-supervisor")
    screens["search_name_whole_book"] = supervisor.timed("/search/", {"q": terms["name"]})
    since = (book.today - timedelta(days=29)).isoformat()
    window = {"from": since, "to": book.today.isoformat()}
    for name, path in (
        ("report_portfolio", "/reports/"),
        ("report_forecast", "/reports/forecast/"),
        ("report_agents", "/reports/agents/"),
        ("report_promises", "/reports/promises/"),
        ("portfolio_dashboard", "/portfolio/"),
    ):
        screens[name] = supervisor.timed(path, window if name.startswith("report") else None)
    say("screens: " + ", ".join(f"{k} {v['median_ms']} ms" for k, v in screens.items()))
    return screens


def _targets(results: dict[str, object]) -> dict[str, object]:
    cob, assignment, api, screens = (results[k] for k in ("cob", "assignment", "api", "screens"))
    peaks = {
        "seed": results["book"].get("seed_peak_mb"),
        "cob": cob["peak_mb"],
        "assignment": assignment["peak_mb"],
        "plan": results["plan"]["peak_mb"],
        "aggregation": results["aggregation"]["peak_mb"],
        "gunicorn_worker": results["server"]["worker_peak_mb"],
    }
    peak = max(v for v in peaks.values() if v is not None)
    agent_screens = max(
        v["median_ms"] for k, v in screens.items()
        if k in ("agent_queue", "account_screen", "account_compliance_panel") or k.startswith("search")
    )
    reports = max(v["median_ms"] for k, v in screens.items() if k.startswith("report"))
    checks = {
        "cob_seconds": (cob["seconds"], cob["seconds"] < TARGETS["cob_seconds"]),
        "cob_ratio_to_sql": (cob["ratio_to_sql"], cob["ratio_to_sql"] <= TARGETS["cob_ratio_to_sql"]),
        "assignment_seconds": (assignment["seconds"], assignment["seconds"] < TARGETS["assignment_seconds"]),
        "plan_seconds": (results["plan"]["seconds"], results["plan"]["seconds"] < TARGETS["plan_seconds"]),
        "dial_p99_ratio_to_bare": (
            api["dial_p99_ratio_to_bare"],
            api["dial_p99_ratio_to_bare"] is not None and api["dial_p99_ratio_to_bare"] <= TARGETS["dial_p99_ratio_to_bare"],
        ),
        "dial_throughput_share_of_bare": (
            api["dial_throughput_share_of_bare"],
            api["dial_throughput_share_of_bare"] >= TARGETS["dial_throughput_share_of_bare"],
        ),
        "call_list_500_ms": (api["call_list_500"]["median_ms"], api["call_list_500"]["median_ms"] < TARGETS["call_list_500_ms"]),
        "batch_events_per_second": (
            api["batch_events"]["events_per_second"],
            api["batch_events"]["events_per_second"] >= TARGETS["batch_events_per_second"],
        ),
        "agent_screens_ms": (agent_screens, agent_screens < TARGETS["agent_screens_ms"]),
        "report_pages_ms": (reports, reports < TARGETS["report_pages_ms"]),
        "peak_memory_mb": (peak, peak < TARGETS["peak_memory_mb"]),
        "compliance_violations": (
            results["compliance"]["violations"], results["compliance"]["violations"] == TARGETS["compliance_violations"]
        ),
        **_messaging_checks(results["messaging"]),
    }
    yardsticks = _yardsticks(results)
    return {
        "peak_memory_by_job_mb": peaks,
        "all_met": all(ok for _value, ok in checks.values()),
        **{
            name: {
                "value": value,
                "target": TARGETS[name],
                **({"goal": GOALS[name]} if name in GOALS else {}),
                **yardsticks.get(name, {}),
                "met": ok,
            }
            for name, (value, ok) in checks.items()
        },
    }


def _messaging_checks(messaging: dict[str, Any]) -> dict[str, tuple[object, bool]]:
    """Queued (the time for 100,000, projected from the rate when the book had fewer), the sender's
    messages per second into the stub, the STOP, and the messages' own compliance check."""
    queued = messaging["queue"]["seconds_per_100k"]
    rate = messaging["sender"]["messages_per_second"]
    stop = messaging["stop"]
    honoured = stop.get("honoured_seconds")
    violations = messaging["compliance"]["violations"]
    return {
        "messages_queued_100k_seconds": (
            queued, queued is not None and queued < TARGETS["messages_queued_100k_seconds"]
        ),
        "sender_messages_per_second": (
            rate, messaging["sender"]["texts"] > 0 and rate >= TARGETS["sender_messages_per_second"]
        ),
        "stop_honoured_seconds": (
            honoured,
            honoured is not None and bool(stop.get("honoured")) and honoured < TARGETS["stop_honoured_seconds"],
        ),
        "message_compliance_violations": (
            violations,
            messaging["compliance"]["messages_checked"] > 0 and violations == TARGETS["message_compliance_violations"],
        ),
    }  # fmt: skip


def _yardsticks(results: dict[str, object]) -> dict[str, dict[str, object]]:
    """Each API figure (and COB) beside the yardstick run in the same minute, and their ratio."""
    api, cob = results["api"], results["cob"]
    dial, bare = api["dial_authorizations"], api["bare_view"]

    def beside(figure: str, value: float, yardstick: str, against: float) -> dict[str, object]:
        return {
            "figure": figure, "figure_value": value, "yardstick": yardstick, "yardstick_value": against,
            "ratio": round(value / against, 2) if against else None,
        }  # fmt: skip

    return {
        "cob_ratio_to_sql": beside("cob.seconds", cob["seconds"], "cob.sql_baseline_seconds", cob["sql_baseline_seconds"]),
        "dial_throughput_share_of_bare": beside(
            "api.dial_authorizations.requests_per_second", dial["requests_per_second"],
            "api.bare_view.requests_per_second", bare["requests_per_second"],
        ),
        "dial_p99_ratio_to_bare": beside(
            "api.dial_authorizations.p99_ms", dial["p99_ms"], "api.bare_view.p99_ms", bare["p99_ms"]
        ),
        "call_list_500_ms": beside(
            "api.call_list_500.median_ms", api["call_list_500"]["median_ms"], "api.bare_view.p50_ms", bare["p50_ms"]
        ),
        "batch_events_per_second": beside(
            "api.batch_events.events_per_second", api["batch_events"]["events_per_second"],
            "api.bare_view.requests_per_second", bare["requests_per_second"],
        ),
    }  # fmt: skip


def main() -> None:
    started = time.monotonic()
    results: dict[str, object] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    book = book_prepare()
    with psycopg.connect(db_url(book.database)) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        counts = conn.execute(
            """SELECT (SELECT COUNT(*) FROM accounts_loanaccount), (SELECT COUNT(*) FROM accounts_installment),
                      (SELECT COUNT(*) FROM accounts_payment), (SELECT COUNT(*) FROM accounts_phone)"""
        ).fetchone()
    results["book"] = {
        "accounts": counts[0], "installments": counts[1], "payments": counts[2], "phones": counts[3],
        "as_of": book.today.isoformat(), "postgresql": version,
        "made_in_seconds": book.build_seconds, "seed_peak_mb": book.seed_peak_mb,
    }
    results["cob"] = measure_cob(book)
    results["assignment"] = measure_assignment(book)
    results["plan"] = measure_plan(book)
    results["aggregation"] = measure_aggregation(book)
    messaging_started = datetime.now(UTC)
    results["messaging"] = measure_messaging(book)
    results["messaging"]["compliance"] = message_violations_find(book, since=messaging_started)
    say(f"messages: {results['messaging']['compliance']['messages_checked']:,} checked, "
        f"{results['messaging']['compliance']['violations']} violations")
    run_started = datetime.now(UTC)
    with Server(book) as server:
        results["api"] = measure_api(server, book)
        results["screens"] = measure_screens(server, book)
        results["server"] = server.summary()
    results["compliance"] = violations_find(book, since=run_started)
    say(f"compliance: {results['compliance']['attempts_checked']:,} attempts checked, "
        f"{results['compliance']['violations']} violations")
    results["targets"] = _targets(results)
    results["memory"] = memory_by_job(
        results["targets"]["peak_memory_by_job_mb"], accounts=results["book"]["accounts"], startup=startup_mb(book)
    )
    say("memory by job (peak, projected to 10M accounts): " + ", ".join(
        f"{job} {m['peak_mb']} MB -> {m['projected_10m_mb']} MB" for job, m in results["memory"]["jobs"].items()
    ))
    results["seconds"] = round(time.monotonic() - started, 1)
    text = json.dumps(results, indent=2, default=str)
    (ROOT / "bench" / "last-run.json").write_text(text + "\n")
    print(text)
    if not results["targets"]["all_met"]:
        missed = [k for k, v in results["targets"].items() if isinstance(v, dict) and v.get("met") is False]
        say("targets missed: " + ", ".join(missed))
    sys.exit(0)


if __name__ == "__main__":
    main()
