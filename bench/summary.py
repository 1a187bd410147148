"""``python -m bench.summary [file]``: the targets of a benchmark run as a Markdown table (for README)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

LABELS = {
    "cob_seconds": ("COB, 1M accounts", "s"),
    "cob_ratio_to_sql": ("COB / hand-written SQL", "x"),
    "assignment_seconds": ("assignment, all open cases new", "s"),
    "dial_throughput_share_of_bare": ("dial authorizations / bare view, throughput", "x"),
    "dial_p99_ratio_to_bare": ("dial authorizations / bare view, p99 (8 clients)", "x"),
    "call_list_500_ms": ("call list, 500 rows (median)", "ms"),
    "batch_events_per_second": ("batch events", "/s"),
    "agent_screens_ms": ("agent screens (slowest median)", "ms"),
    "report_pages_ms": ("report pages (slowest median)", "ms"),
    "peak_memory_mb": ("peak memory of any job", "MB"),
    "compliance_violations": ("compliance violations", ""),
    "messages_queued_100k_seconds": ("100,000 reminders planned and queued", "s"),
    "sender_messages_per_second": ("sender into the SMS stub", "/s"),
    "stop_honoured_seconds": ("STOP honoured (no later text)", "s"),
    "message_compliance_violations": ("message compliance violations (every channel)", ""),
}


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("last-run.json")
    run = json.loads(path.read_text())
    targets = run["targets"]
    print(f"Run of {run['started_at']} ({run['book']['accounts']:,} accounts, {run['machine']['cpus']} CPUs):\n")
    print("| figure | value | beside, in the same run | target | met |")
    print("|---|---|---|---|---|")
    for key, (label, unit) in LABELS.items():
        figure = targets.get(key)
        if figure is None:
            continue
        beside = (
            f"{figure['figure_value']} against {figure['yardstick_value']} ({figure['yardstick']})"
            if "yardstick" in figure
            else ""
        )
        target = f"{figure['target']}{unit}" + (f" (goal {figure['goal']}{unit})" if "goal" in figure else "")
        met = "yes" if figure["met"] else "**no**"
        print(f"| {label} | {figure['value']}{unit} | {beside} | {target} | {met} |")


if __name__ == "__main__":
    main()
