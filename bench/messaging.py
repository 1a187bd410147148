"""The benchmark's messaging figures (DESIGN.md 13 and 15), run by ``bench.run`` after the strategies' plan.

``measure_messaging(book)`` runs ``python -m bench.messaging`` against the book, with the SMS provider
pointed at a local stub of the Twilio-compatible API (``bench.sms_stub``) and the provider's rate set
explicitly (``RATE``), and returns its JSON:

1. queued: the seeder records no SMS consent, so the borrowers' own mobiles of the accounts with a
   planned send are given it first (not timed); then the plan's reminders due now handed to the messaging
   service as the beat's task runs them in production: ``PLAN_SENDS_DISPATCHERS`` dispatchers at once
   (default 2, one per core of this machine), each a process of its own running what a
   ``plan_sends_dispatch_task`` runs (``plan_sends_drain``), until none is due or ``QUEUE_BUDGET_SECONDS``;
   timed from their start together to the last one's end; the time for 100,000 is projected from the
   rate when the book has fewer (or the budget ran out), with the Python and PostgreSQL CPU seconds
   per 100,000 (all dispatchers together);
2. sender: the queued texts sent by the batch sender (``messages_send_batch``, one worker process, as
   the task runs it) into the stub; messages per second;
3. STOP: while the sender runs, a STOP from a number with texts still queued; the time until the
   opt-out committed (it waits for the batch with the provider), and that no text reached the stub
   for that number after it, nor was any later text allowed.

Every message sent is checked again afterwards by ``bench.compliance`` (in ``bench.run``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

QUEUE_TARGET = 100_000
QUEUE_BUDGET_SECONDS = float(os.environ.get("BENCH_QUEUE_BUDGET_SECONDS", "180"))
RATE = int(os.environ.get("BENCH_SMS_RATE_PER_SECOND", "1000"))  # the provider's messages per second, explicit
CONCURRENCY = int(os.environ.get("BENCH_SMS_CONCURRENCY", "8"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def measure_messaging(book: Any) -> dict[str, Any]:
    """Run the messaging figures against ``book`` in their own process (see the module's docstring)."""
    from bench.book import ROOT, db_url, say

    port = _free_port()
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "stub.log"
        stub = subprocess.Popen(
            [sys.executable, "-m", "bench.sms_stub", str(port), str(log)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        try:
            assert stub.stdout is not None and stub.stdout.readline().strip() == "ready"
            from bench.sms_stub import SID, TOKEN

            environment = {
                **os.environ,
                "DATABASE_URL": db_url(book.database),
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "MESSAGING_SMS_PROVIDER": "collections_app.services.message_providers.TwilioSmsProvider",
                "MESSAGING_SMS_API_URL": f"http://127.0.0.1:{port}",
                "MESSAGING_SMS_ACCOUNT_SID": SID,
                "MESSAGING_SMS_AUTH_TOKEN": TOKEN,
                "MESSAGING_SMS_FROM": "+12125550100",
                "MESSAGING_SMS_RATE_PER_SECOND": str(RATE),
                "MESSAGING_SMS_CONCURRENCY": str(CONCURRENCY),
                "MESSAGING_EMAIL_PROVIDER": "collections_app.services.message_providers.FileProvider",
                "MESSAGING_FILE_PATH": str(Path(folder) / "email.jsonl"),
                "BENCH_STUB_LOG": str(log),
            }
            environment.pop("CELERY_BROKER_URL", None)  # the sender runs in that process, as a worker would
            run = subprocess.run(
                [sys.executable, "-m", "bench.messaging"], cwd=ROOT, env=environment, capture_output=True, text=True
            )
            if run.returncode != 0:
                raise RuntimeError(f"bench.messaging failed:\n{run.stdout}\n{run.stderr}")
        finally:
            stub.terminate()
            stub.wait(timeout=10)
    figures: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    say(
        f"messaging: {figures['queue']['processed']:,} planned sends in {figures['queue']['seconds']} s by "
        f"{figures['queue']['dispatchers']} dispatchers ({figures['queue']['queued']:,} queued; 100,000 in "
        f"{figures['queue']['seconds_per_100k']} s, CPU {figures['queue']['python_cpu_seconds_per_100k']} s Python "
        f"+ {figures['queue']['postgresql_cpu_seconds_per_100k']} s PostgreSQL); "
        f"sender {figures['sender']['messages_per_second']}/s at a rate of {RATE}/s; "
        f"STOP honoured in {figures['stop'].get('honoured_seconds')} s"
    )
    return figures


def _cpu_seconds_of_backend(connection: Any) -> float | None:
    """The CPU time of this connection's PostgreSQL backend so far (when the server runs on this machine)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _dispatcher() -> None:
    """One dispatcher process (``python -m bench.messaging dispatcher``): what a ``plan_sends_dispatch_task``
    runs (``plan_sends_drain``), started when the parent says so; its figures as JSON on stdout. The queued
    messages are collected here instead of being handed to the sender (a publish to the broker in
    production), which the next step measures on its own."""
    import resource

    from django.db import connection

    from collections_app.services.plan_sending import plan_sends_drain

    backend_before = _cpu_seconds_of_backend(connection)
    print("ready", flush=True)
    sys.stdin.readline()
    used = resource.getrusage(resource.RUSAGE_SELF)
    queued: list[int] = []
    out = plan_sends_drain(handed=queued.extend, budget_seconds=QUEUE_BUDGET_SECONDS)
    after = resource.getrusage(resource.RUSAGE_SELF)
    backend_after = _cpu_seconds_of_backend(connection)
    print(json.dumps({
        "by_outcome": out.as_dict(), "ids": queued,
        "python_cpu_seconds": after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime,
        "postgresql_cpu_seconds": None if backend_before is None or backend_after is None else backend_after - backend_before,
    }), flush=True)  # fmt: skip


def _queue() -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count

    from accounts.models import Phone
    from collections_app.models import Message, PlanAction

    # The seeder records no SMS consent: the borrowers' own mobiles of the accounts with a planned send
    # consent to texts here (before the clock starts), so the plan's reminders have somewhere to go.
    planned = PlanAction.objects.filter(kind="send", status=PlanAction.Status.PLANNED).values("account__borrower_id")
    consenting = Phone.objects.filter(
        borrower_id__in=planned, type=Phone.Type.MOBILE, owner=Phone.Owner.BORROWER, sms_opted_out=False
    ).update(sms_consent=True)
    connection.close()
    # As the beat's task runs them: PLAN_SENDS_DISPATCHERS dispatchers at once, each its own process.
    dispatchers = max(1, settings.PLAN_SENDS_DISPATCHERS)
    children = [
        subprocess.Popen([sys.executable, "-m", "bench.messaging", "dispatcher"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
        for _ in range(dispatchers)
    ]  # fmt: skip
    for child in children:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    started = time.monotonic()
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    results = []
    for child in children:
        output, _ = child.communicate()
        if child.returncode != 0:
            raise RuntimeError(f"a dispatcher failed:\n{output}")
        results.append(json.loads(output.strip().splitlines()[-1]))
    seconds = time.monotonic() - started
    totals: dict[str, int] = {}
    queued: list[int] = []
    for result in results:
        for key, value in result["by_outcome"].items():
            totals[key] = totals.get(key, 0) + value
        queued += result["ids"]
    processed = sum(totals.values())
    python_cpu = sum(result["python_cpu_seconds"] for result in results)
    backend_cpu = [result["postgresql_cpu_seconds"] for result in results]
    by_channel = dict(
        Message.objects.filter(pk__in=queued).values_list("channel").annotate(n=Count("pk"))
    )
    return {
        "seconds": round(seconds, 2),
        "dispatchers": dispatchers,
        "processed": processed,
        "queued": len(queued),
        "mobiles_given_sms_consent": consenting,
        "by_outcome": totals,
        "queued_by_channel": by_channel,
        "per_second": round(processed / seconds, 1) if seconds else 0.0,
        "seconds_per_100k": round(seconds / processed * QUEUE_TARGET, 1) if processed else None,
        "python_cpu_seconds_per_100k": round(python_cpu / processed * QUEUE_TARGET, 1) if processed else None,
        "postgresql_cpu_seconds_per_100k": (
            round(sum(backend_cpu) / processed * QUEUE_TARGET, 1) if processed and None not in backend_cpu else None
        ),
        "ids": queued,
    }


def _send_and_stop(queued: list[int]) -> tuple[dict[str, Any], dict[str, Any]]:
    from django.db import connection
    from django.db.models import Count

    from accounts.models import Phone
    from collections_app.models import Message
    from collections_app.services.message_batch import SEND_BATCH, messages_send_batch
    from collections_app.services.message_sending import inbound_record
    from collections_app.services.messages import message_check

    texts = list(Message.objects.filter(pk__in=queued, channel="sms").order_by("pk").values_list("pk", "phone_id"))
    emails = list(Message.objects.filter(pk__in=queued, channel="email").order_by("pk").values_list("pk", flat=True))
    ids = [pk for pk, _phone in texts]
    # The STOP's number: one with a text near the end of the run, still queued when the STOP comes.
    victim_phone = texts[int(len(texts) * 0.8)][1] if len(texts) >= 10 else None
    victim = Phone.objects.get(pk=victim_phone) if victim_phone else None
    sent = {"sms": 0, "email": 0}
    failures: list[BaseException] = []

    def sender() -> None:
        try:
            for start in range(0, len(ids), SEND_BATCH):
                sent["sms"] += len(messages_send_batch(message_ids=ids[start : start + SEND_BATCH]).sent)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    started = time.monotonic()
    thread = threading.Thread(target=sender)
    thread.start()
    stop: dict[str, Any] = {"number_had_texts_queued": victim is not None}
    if victim is not None:
        while thread.is_alive() and sent["sms"] < len(ids) * 0.4:
            time.sleep(0.01)
        asked = time.time()
        inbound_record(integration="twilio", provider_message_id="SMbenchstop", from_number=victim.number, body="STOP")
        committed = time.time()
        stop.update(asked_at=asked, honoured_seconds=round(committed - asked, 3))
    thread.join()
    seconds = time.monotonic() - started
    if failures:
        raise failures[0]
    if emails:
        sent["email"] = sum(
            len(messages_send_batch(message_ids=emails[s : s + SEND_BATCH]).sent) for s in range(0, len(emails), SEND_BATCH)
        )
    sender_figures = {
        "texts": len(ids),
        "sent": sent["sms"],
        "seconds": round(seconds, 2),
        "messages_per_second": round(sent["sms"] / seconds, 1) if seconds and ids else 0.0,
        "rate_limit_per_second": RATE,
        "concurrency": CONCURRENCY,
        "batch": SEND_BATCH,
        "emails_sent": sent["email"],
        "statuses": dict(
            Message.objects.filter(pk__in=queued).values_list("status").annotate(n=Count("pk"))
        ),
    }
    if victim is not None:
        after = [line for line in Path(os.environ["BENCH_STUB_LOG"]).read_text().splitlines()
                 if line.split("\t")[1] == victim.number and float(line.split("\t")[0]) > stop["asked_at"] + stop["honoured_seconds"]]  # fmt: skip
        later = message_check(
            case=None, account=Message.objects.filter(phone=victim).first().account,  # type: ignore[union-attr]
            template_code="pre_due_sms", phone=victim,
        )  # fmt: skip
        stop.update(
            texts_after_it=len(after),
            stopped_in_queue=Message.objects.filter(phone=victim, status="refused", failure_reason__startswith="sms_opt_out").count(),
            later_text_refused=not later.allowed,
        )  # fmt: skip
        stop["honoured"] = stop["texts_after_it"] == 0 and stop["later_text_refused"]
        stop.pop("asked_at")
    return sender_figures, stop


def main() -> None:
    import django

    django.setup()
    if sys.argv[1:] == ["dispatcher"]:
        _dispatcher()
        return
    queue = _queue()
    sender, stop = _send_and_stop(queue.pop("ids"))
    print(json.dumps({"queue": queue, "sender": sender, "stop": stop}, default=str))


if __name__ == "__main__":
    main()
