"""Assignment within one team: placing its cases on agents and balancing their loads (DESIGN.md 4).

The rules (agent, balance, locks) are told in ``collections_app.services.assignment``, which reads
the cases team by team and calls ``balance_team`` for each; everything here works in memory, on
integers, on one team's cases.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date

from collections_app.models import Agent, AssignmentRecord, Team
from collections_app.selectors.teams import agent_is_away

Reason = AssignmentRecord.Reason


@dataclass(slots=True)
class CaseRow:
    id: int
    bucket: str
    cents: int  # the overdue balance in cents: exact, and fast to add up in memory
    language: str
    product: str
    team_id: int | None
    agent_id: int | None
    locked: bool
    new_team_id: int | None = None
    new_agent_id: int | None = None
    reason: str = ""


@dataclass(slots=True)
class AgentLoad:
    """An agent's load, kept as running totals while cases are placed and shed."""

    agent: Agent
    languages: set[str]
    eligible: bool
    cases: list[CaseRow] = field(default_factory=list)
    count: int = 0
    cents: int = 0
    limit: int = 0  # cases it may hold in this run: the lower of the team's bound and its capacity

    def add(self, row: CaseRow) -> None:
        self.cases.append(row)
        self.count += 1
        self.cents += row.cents

    def shed(self, row: CaseRow) -> None:
        self.count -= 1
        self.cents -= row.cents


def languages_split(value: str) -> set[str]:
    return {v.strip().lower() for v in value.split(",") if v.strip()}


def _leave_days(agent: Agent, today: date) -> int:
    start = agent.leave_from or today
    return (today - start).days + 1


def balance_team(
    team: Team, rows: list[CaseRow], team_agents: list[AgentLoad], loads: dict[int, AgentLoad], today: date
) -> int:
    """Place and balance one team's cases. Returns how many found no agent with room.

    Linear in the team's cases times its agents, on integers: 80,000 cases take seconds.
    """
    eligible = [load for load in team_agents if load.eligible]
    to_place: list[CaseRow] = []
    for row in rows:
        load = loads.get(row.agent_id) if row.agent_id is not None else None
        stays = load is not None and load.agent.team_id == team.pk
        if row.locked and row.agent_id is not None:
            row.new_agent_id = row.agent_id
            if load is not None:
                load.add(row)
            continue
        if stays and load is not None and not load.eligible:
            away_long = agent_is_away(load.agent, today) and _leave_days(load.agent, today) > team.leave_spread_after_days
            if load.agent.status == Agent.Status.INACTIVE or away_long:
                row.reason = row.reason or Reason.LEAVE
                to_place.append(row)
                continue
            row.new_agent_id = row.agent_id  # short leave: the case waits for its agent
            continue
        if stays and load is not None:
            row.new_agent_id = row.agent_id
            load.add(row)
            continue
        to_place.append(row)
    if not eligible:
        for row in to_place:
            row.new_agent_id = None
        return len(to_place)

    agents = len(eligible)
    total_count = sum(load.count for load in eligible) + len(to_place)
    total_cents = sum(load.cents for load in eligible) + sum(r.cents for r in to_place)
    # At most 10% above the mean: for counts rounded up to a whole case, for balances exact.
    count_cap = max(-(-total_count * 11 // (10 * agents)), -(-total_count // agents))
    cents_cap = total_cents * 11 // (10 * agents)
    mean_count = total_count / agents or 1
    mean_cents = total_cents / agents or 1
    for load in eligible:
        load.limit = min(count_cap, load.agent.capacity)

    unplaced = 0
    for row in sorted(to_place, key=lambda r: (-r.cents, r.id)):
        best = _best_receiver(eligible, row, count_cap, cents_cap, mean_count, mean_cents, require_fit=False)
        if best is None:
            row.new_agent_id = None
            unplaced += 1
            continue
        best.add(row)
        row.new_agent_id = best.agent.pk
    _rebalance(eligible, count_cap, cents_cap, mean_count, mean_cents)
    return unplaced


def _best_receiver(
    eligible: list[AgentLoad],
    row: CaseRow,
    count_cap: int,
    cents_cap: int,
    mean_count: float,
    mean_cents: float,
    *,
    require_fit: bool,
    exclude: AgentLoad | None = None,
) -> AgentLoad | None:
    """The agent to take a case: room first, then within the balance bound, then the borrower's
    language, then the lowest combined load (the score only ranks; money stays in cents)."""
    best: AgentLoad | None = None
    best_key: tuple[int, int, float] | None = None
    for load in eligible:
        if load is exclude or load.count >= load.limit:
            continue
        fits = load.cents + row.cents <= cents_cap
        if require_fit and not fits:
            continue
        speaks = bool(row.language) and row.language in load.languages
        key = (0 if fits else 1, 0 if speaks else 1, load.cents / mean_cents + load.count / mean_count)
        if best_key is None or key < best_key:
            best, best_key = load, key
    return best


def _rebalance(eligible: list[AgentLoad], count_cap: int, cents_cap: int, mean_count: float, mean_cents: float) -> None:
    """Move cases off agents above a bound, but only to agents they fit within both bounds.

    Each move takes the case whose size best cuts what the agent is over by: large cases while
    only the balance is over, small ones while only the count is, and cases near the average
    excess while both are. Receivers never go over a bound, so the result is a fixed point: the
    next run on the same book finds nothing it can move and moves nothing (sticky).
    """
    for load in sorted(eligible, key=lambda a: (-a.cents, a.agent.pk)):
        cap = min(count_cap, load.agent.capacity)
        movable = sorted((c for c in load.cases if not c.locked), key=lambda c: (c.cents, c.id))
        while movable and (load.count > cap or load.cents > cents_cap):
            if load.count > cap and load.cents > cents_cap:
                target = (load.cents - cents_cap) / (load.count - cap)
            elif load.cents > cents_cap:
                target = float("inf")
            else:
                target = 0.0
            moved = False
            # Try candidates outward from the best size until one fits a receiver.
            start = bisect.bisect_left([c.cents for c in movable], target)
            order = sorted(range(len(movable)), key=lambda i: (abs(i - start + 0.5), i))
            for index in order:
                case = movable[index]
                receiver = _best_receiver(
                    eligible, case, count_cap, cents_cap, mean_count, mean_cents, require_fit=True, exclude=load
                )
                if receiver is None:
                    continue
                movable.pop(index)
                load.shed(case)
                receiver.add(case)
                case.new_agent_id = receiver.agent.pk
                case.reason = case.reason or (Reason.CAPACITY if load.count >= load.agent.capacity else Reason.REBALANCE)
                moved = True
                break
            if not moved:
                break
        load.cases = [c for c in load.cases if c.new_agent_id == load.agent.pk]
