"""The README's worked example runs as printed (issue 21, item 4): its curl commands, read from
README.md itself, against a live server with the token ``dialer_token create acme-dialer`` prints.

Only the ids the example makes up are replaced by real ones (the phone 1530, the case 812 and the
authorizations it names); every command is sent as written and must succeed."""

from __future__ import annotations

import json
import os
import re
import subprocess
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.management import call_command

from collections_app.services.promise_policy import promise_policies_ensure
from scheduling.presets import presets_ensure
from tests.api.conftest import Clock, open_case_debt
from tests.factories import make_agent, make_team

pytestmark = pytest.mark.django_db(transaction=True)
README = Path(__file__).resolve().parents[2] / "README.md"


def worked_example() -> list[str]:
    """The curl commands of the README's worked example, each with its continuation lines."""
    text = README.read_text()
    start = text.index("**A worked example**")
    begin = text.index("```sh\n", start) + len("```sh\n")
    block = text[begin : text.index("\n```", begin)]
    commands: list[str] = []
    for line in block.splitlines():
        if line.startswith("curl "):
            commands.append(line)
        elif line.startswith((" ", "\t")) and commands and commands[-1].endswith(("\\", ",")):
            commands[-1] += "\n" + line
    return commands


def test_the_example_is_the_readme_s_ten_commands() -> None:
    commands = worked_example()

    assert len(commands) == 10
    assert [c.split("$H/api/v1/")[1].split("/")[0] for c in commands] == [
        "dialer", "dialer", "dialer", "dialer", "dialer", "dialer", "dnc", "dnc", "dispositions", "compliance",
    ]  # fmt: skip


def _run(command: str, ids: dict[str, str], env: dict[str, str]) -> tuple[int, Any]:
    for made_up, real in ids.items():
        command = command.replace(made_up, real)
    done = subprocess.run(
        ["bash", "-c", command + " -w '\\n%{http_code}'"], env=env, capture_output=True, text=True, timeout=60, check=True
    )  # fmt: skip
    body, _, code = done.stdout.rpartition("\n")
    return int(code), json.loads(body) if body else None


def test_the_readme_worked_example_runs_as_printed(live_server: Any, clock: Clock) -> None:
    presets_ensure()
    promise_policies_ensure()
    debt = open_case_debt()
    debt.case.overdue_amount = Decimal("400.00")
    debt.case.save()
    second = open_case_debt()
    make_agent(make_team("Early", ["M1"]), "agent1")
    out = StringIO()
    call_command("dialer_token", "create", "acme-dialer", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    env = {**os.environ, "T": token, "H": live_server.url}
    ids = {"1530": str(debt.phone.pk), "812": str(debt.case.pk)}
    api = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Token {token}"})

    def authorization_for_another_dial() -> str:
        answer = api.post("/api/v1/dialer/dial-authorizations/", json={"phone_id": second.phone.pk})
        assert answer.status_code == 201, answer.text
        return str(answer.json()["authorization_id"])

    answers = []
    for command in worked_example():
        if "/release/" in command:  # the one not dialed after all
            ids["0c7d2b9e-..."] = authorization_for_another_dial()
        if "-X PUT" in command:  # the call has ended (14:03:40)
            clock.advance(minutes=4)
        if '"events"' in command:  # a second dial, asked for before it starts at 14:05
            ids["9a4e61d0-..."] = authorization_for_another_dial()
            clock.advance(minutes=1, seconds=30)
        if "updated_since" in command:  # the feed shows an entry a couple of seconds after it is written
            clock.advance(seconds=5)
        status, body = _run(command, ids, env)
        assert 200 <= status < 300, (command, status, body)
        answers.append(body)
        if "dial-authorizations/\"" in command:
            ids["5b0f3c1e-..."] = str(body["authorization_id"])

    call_list, granted, released, call, result, batch, dnc, feed, dispositions, decision = answers
    assert debt.phone.pk in {row["phone_id"] for row in call_list["results"]}
    assert granted["allowed"] is True and released["status"] == "not_dialed"
    assert call["external_call_id"] == "call-7781"
    assert result["disposition"] == "rpc_promise" and result["promise_id"]
    assert [item["status"] for item in batch["results"]] == ["accepted", "accepted"], batch
    assert dnc["type"] == "do_not_call" and [entry["id"] for entry in feed["results"]] == [dnc["id"]]
    assert {"external_code": "SALE", "code": "rpc_promise"} in dispositions["mappings"]
    assert [reason["code"] for reason in decision["reasons"]] == ["promise_hold"]  # promised on the call
    assert re.fullmatch(r"cw_\w+_[\w-]+", token)


def test_the_readme_s_vicidial_call_by_hand_runs_as_printed(live_server: Any, clock: Clock) -> None:
    text = README.read_text()
    start = text.index("By hand, as VICIdial sends it")
    begin = text.index("```sh\n", start) + len("```sh\n")
    [command] = [line for line in text[begin : text.index("\n```", begin)].splitlines() if line.startswith("curl ")]
    presets_ensure()
    debt = open_case_debt()
    make_agent(make_team("Early", ["M1"]), "agent1")
    token = StringIO()
    call_command("dialer_token", "create", "vicidial", "--vicidial", stdout=token)
    env = {**os.environ, "T": token.getvalue().strip().splitlines()[-1], "H": live_server.url}
    ids = {"812": str(debt.case.pk), "1530": str(debt.phone.pk)}

    status, body = _run(command, ids, env)
    again = _run(command, ids, env)

    assert status == 200, body
    assert (body["status"], body["disposition"], body["external_call_id"]) == ("accepted", "no_answer", "M4071400050000012345")
    assert again[1]["status"] == "duplicate"
