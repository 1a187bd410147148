"""The agent's queue honours the promise hold: a case whose promise is not due yet leaves the queue
(and "Next case") until the promise's date or the follow-up agreed with it, and the queue says how
many are held."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from collections_app.services import clock
from tests.collections_app.promise_book import make_case, promise
from tests.factories import make_agent, make_team
from tests.scheduling.conftest import local

pytestmark = pytest.mark.django_db
NY = "America/New_York"
TODAY = dt.date(2026, 4, 7)


@pytest.fixture
def agent_client(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from scheduling.presets import presets_ensure

    presets_ensure()
    monkeypatch.setattr(clock, "now", lambda: local(NY, 2026, 4, 7, 10))
    agent = make_agent(make_team("Early", ["M1"]), "ann")
    client = Client()
    client.force_login(agent.user)
    return agent, client


def test_a_held_case_leaves_the_queue_and_next_case_and_the_queue_counts_it(agent_client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    agent, client = agent_client
    free = make_case(agent, dpd=10)
    held = make_case(agent, dpd=40)  # first in queue order without the hold
    promise(held, (dt.date(2026, 4, 10), "100.00"), today=TODAY, now=local(NY, 2026, 4, 7, 10))

    page = client.get("/queue/").content.decode()

    assert f'href="/cases/{free.pk}/"' in page and f'href="/cases/{held.pk}/"' not in page
    assert "1 case is on promise hold and out of the queue" in page
    assert client.get("/queue/next/")["Location"] == f"/cases/{free.pk}/"

    monkeypatch.setattr(clock, "now", lambda: local(NY, 2026, 4, 10, 9))  # the promise's date
    page = client.get("/queue/").content.decode()
    assert f'href="/cases/{held.pk}/"' in page and "promise hold" not in page


def test_the_agreed_follow_up_brings_the_case_back_at_its_time(agent_client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    agent, client = agent_client
    held = make_case(agent)
    follow_up = local(NY, 2026, 4, 8, 18)
    promise(held, (dt.date(2026, 4, 12), "100.00"), today=TODAY, follow_up_at=follow_up, now=local(NY, 2026, 4, 7, 10))

    assert f'href="/cases/{held.pk}/"' not in client.get("/queue/").content.decode()
    monkeypatch.setattr(clock, "now", lambda: follow_up)
    assert f'href="/cases/{held.pk}/"' in client.get("/queue/").content.decode()


def test_the_queue_still_reads_a_fixed_number_of_queries_with_held_cases(agent_client, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    agent, client = agent_client
    for _ in range(3):
        promise(make_case(agent), (dt.date(2026, 4, 10), "100.00"), today=TODAY, now=local(NY, 2026, 4, 7, 10))
        make_case(agent)
    client.get("/queue/")

    with django_assert_max_num_queries(20):
        page = client.get("/queue/").content.decode()

    assert "3 cases are on promise hold" in page
