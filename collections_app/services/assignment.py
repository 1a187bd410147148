"""Assignment of open cases to teams and agents by M-bucket (DESIGN.md section 4).

One pass over the open book: a handful of reads, the decisions in memory, then one
``bulk_update`` of the cases that move and one ``bulk_create`` of their assignment records.

The rules, in order:
1. Team. A case stays with its team while the team serves its bucket (and product); otherwise
   (new case, roll to a bucket the team does not serve) it goes to a team that does, preferring a
   team that speaks the borrower's language, then the team with the most free capacity.
2. Agent. Sticky: a case stays with its agent while the agent is active in that team. Cases of an
   agent on leave stay put until the leave has lasted the team's ``leave_spread_after_days``; then
   they are spread. Cases of inactive agents, or agents who left the team, are spread.
3. Balance. Within a team, no active agent ends more than 10% above the team mean in open cases
   (rounded up to a whole case) or in overdue balance, and never above capacity: overloaded agents
   shed cases (largest balances first when the balance is over, smallest when only the count is),
   then the cases to place go out largest first to the agent with the lowest combined load that
   has room and stays within the bounds; among those, an agent who speaks the borrower's language
   is preferred (the bounds win: a team with few speakers of a language spreads the rest).
4. Locked cases (manual assignment) are never moved and count in their agent's load.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor, actor_user
from accounts.calendar import business_today
from accounts.models import ZERO
from accounts.services.audit import audit_record
from accounts.services.bulk import objects_update
from collections_app.models import Agent, AssignmentRecord, Case, Team
from collections_app.selectors.teams import agent_is_away
from collections_app.services.case_work import case_work_follow
from config.errors import DomainError, ErrorCode

Reason = AssignmentRecord.Reason


@dataclass
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


@dataclass
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


@dataclass
class AssignmentResult:
    moved: int
    by_reason: dict[str, int]
    unplaced: int


def _split(value: str) -> set[str]:
    return {v.strip().lower() for v in value.split(",") if v.strip()}


def _leave_days(agent: Agent, today: date) -> int:
    start = agent.leave_from or today
    return (today - start).days + 1


@transaction.atomic
def cases_assign(*, today: date | None = None, team_ids: list[int] | None = None) -> AssignmentResult:
    """Assign every open case (or those of ``team_ids``' buckets) in one pass. Safe to run twice.

    A supervisor's reassignment made while the job runs is never overwritten: on PostgreSQL a move
    is written only where the case still has the team, agent and lock the job read (it reads
    without locking 80,000 rows, which cost more than the assignment); elsewhere the job locks the
    open cases it reads (``select_for_update``), so the reassignment waits for it.
    """
    today = today or business_today()
    teams = list(Team.objects.prefetch_related("buckets"))
    if team_ids is not None:
        teams = [t for t in teams if t.pk in team_ids]
    serving: dict[str, list[Team]] = defaultdict(list)
    for team in teams:
        for bucket in team.buckets.all():
            serving[bucket.code].append(team)
    rows = _open_case_rows(buckets=list(serving))
    loads = _agent_loads(teams=teams, today=today)
    team_by_id = {t.pk: t for t in teams}

    # 1. Teams.
    _teams_choose(rows=rows, team_by_id=team_by_id, serving=serving, loads=loads)

    # 2-3. Agents, team by team.
    by_team: dict[int, list[CaseRow]] = defaultdict(list)
    for row in rows:
        if row.new_team_id is not None:
            by_team[row.new_team_id].append(row)
    unplaced = 0
    for team_id, team_rows in by_team.items():
        team = team_by_id[team_id]
        team_agents = [load for load in loads.values() if load.agent.team_id == team_id]
        unplaced += _balance_team(team, team_rows, team_agents, loads, today)

    written, by_reason = _moves_save(rows)
    return AssignmentResult(moved=written, by_reason=by_reason, unplaced=unplaced)


def _open_case_rows(*, buckets: list[str]) -> list[CaseRow]:
    """The open cases of ``buckets``, in id order (locked for the run except on PostgreSQL, see
    ``cases_assign``)."""
    open_cases = Case.objects.all() if connection.vendor == "postgresql" else Case.objects.select_for_update()
    return [
        CaseRow(pk, bucket, int((balance or ZERO) * 100), (language or "").lower(), product, team_id, agent_id, locked)
        for pk, bucket, balance, language, product, team_id, agent_id, locked in open_cases
        .filter(status=Case.Status.OPEN, bucket__in=buckets)
        .order_by("pk")
        .values_list(
            "pk", "bucket", "overdue_amount", "account__borrower__language", "account__product",
            "team_id", "agent_id", "locked",
        )
    ]


def _agent_loads(*, teams: list[Team], today: date) -> dict[int, AgentLoad]:
    """Every agent of ``teams``, empty-handed; eligible when active and not away ``today``."""
    agents = Agent.objects.select_related("team").filter(team__in=teams)
    return {
        a.pk: AgentLoad(a, _split(a.languages), a.status == Agent.Status.ACTIVE and not agent_is_away(a, today))
        for a in agents
    }


def _teams_choose(
    *, rows: list[CaseRow], team_by_id: dict[int, Team], serving: dict[str, list[Team]], loads: dict[int, AgentLoad]
) -> None:
    """Set each row's ``new_team_id``: a case stays with a team that still serves it, a locked one
    stays where it is, the others go to the serving team (speaking the borrower's language first)
    with the most room left (its eligible agents' capacity less the cases it holds)."""
    team_capacity: defaultdict[int, int] = defaultdict(int)
    for load in loads.values():
        if load.eligible:
            team_capacity[load.agent.team_id] += load.agent.capacity
    team_load: dict[int, int] = defaultdict(int)
    for row in rows:
        if row.team_id is not None and _serves(team_by_id.get(row.team_id), row):
            row.new_team_id = row.team_id
            team_load[row.team_id] += 1
    for row in rows:
        if row.new_team_id is not None:
            continue
        if row.locked and row.team_id is not None:
            row.new_team_id, row.new_agent_id = row.team_id, row.agent_id
            continue
        candidates = [t for t in serving.get(row.bucket, []) if _serves(t, row)]
        if not candidates:
            row.new_team_id, row.new_agent_id = row.team_id, row.agent_id
            continue
        speaking = [t for t in candidates if row.language and row.language in _split(t.languages)]
        pool = speaking or candidates
        chosen = max(pool, key=lambda t: (team_capacity[t.pk] - team_load[t.pk], -t.pk))
        row.new_team_id = chosen.pk
        team_load[chosen.pk] += 1
        row.reason = Reason.NEW if row.team_id is None else Reason.ROLL


def _moves_save(rows: list[CaseRow]) -> tuple[int, dict[str, int]]:
    """Write the rows whose team or agent changes, with their assignment records; how many were
    written, by reason (on PostgreSQL, a case that changed hands meanwhile is not written)."""
    now = timezone.now()
    moved = [r for r in rows if (r.new_team_id, r.new_agent_id) != (r.team_id, r.agent_id)]
    by_reason: dict[str, int] = defaultdict(int)
    for row in moved:
        row.reason = row.reason or Reason.REBALANCE
        by_reason[row.reason] += 1
    if connection.vendor != "postgresql":
        _moves_write(moved, now)
        return len(moved), dict(by_reason)
    written = _moves_copy(moved, now)
    if written != len(moved):  # some cases changed hands meanwhile: count what was written
        by_reason = dict(
            AssignmentRecord.objects.filter(at=now, by__isnull=True)
            .order_by()
            .values("reason")
            .annotate(n=Count("pk"))
            .values_list("reason", "n")
        )
    return written, dict(by_reason)


def _moves_write(moved: list[CaseRow], now: datetime) -> None:
    cases = [Case(pk=r.id, team_id=r.new_team_id, agent_id=r.new_agent_id, assigned_at=now) for r in moved]
    records = [
        AssignmentRecord(
            case_id=r.id, from_team_id=r.team_id, to_team_id=r.new_team_id,
            from_agent_id=r.agent_id, to_agent_id=r.new_agent_id, reason=r.reason, at=now,
        )
        for r in moved
    ]  # fmt: skip
    objects_update(Case, cases, ["team", "agent", "assigned_at"])
    AssignmentRecord.objects.bulk_create(records, batch_size=5000)
    case_work_follow(case_ids=[r.id for r in moved])


def _moves_copy(moved: list[CaseRow], now: datetime) -> int:
    """PostgreSQL: the moves go in with COPY, then one statement moves the cases that still have the
    team, agent and lock the job read, and records those moves. Returns how many moved.

    Tens of thousands of moves (the first night after a big COB) take a second instead of fifteen.
    """
    if not moved:
        return 0
    case, record = Case._meta.db_table, AssignmentRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE assignment_moves (case_id bigint PRIMARY KEY, from_team integer, "
            "to_team integer, from_agent integer, to_agent integer, reason varchar(10)) ON COMMIT DROP"
        )
        with cursor.cursor.copy(
            "COPY assignment_moves (case_id, from_team, to_team, from_agent, to_agent, reason) FROM STDIN"
        ) as copy:
            for r in moved:
                copy.write_row((r.id, r.team_id, r.new_team_id, r.agent_id, r.new_agent_id, r.reason))
        cursor.execute(
            f"""WITH done AS (
                    UPDATE {case} AS c SET team_id = m.to_team, agent_id = m.to_agent, assigned_at = %(now)s
                    FROM assignment_moves m
                    WHERE c.id = m.case_id AND c.status = 'open' AND NOT c.locked
                      AND c.team_id IS NOT DISTINCT FROM m.from_team AND c.agent_id IS NOT DISTINCT FROM m.from_agent
                    RETURNING c.id)
                INSERT INTO {record} (case_id, from_team_id, to_team_id, from_agent_id, to_agent_id, reason, by_id, note, at)
                SELECT m.case_id, m.from_team, m.to_team, m.from_agent, m.to_agent, m.reason, NULL, '', %(now)s
                FROM assignment_moves m JOIN done ON done.id = m.case_id ORDER BY m.case_id""",
            {"now": now},
        )
        written = cursor.rowcount
        cursor.execute("DROP TABLE assignment_moves")
    case_work_follow(case_ids=[r.id for r in moved])  # a move not written leaves the case as it was
    return written


def _serves(team: Team | None, row: CaseRow) -> bool:
    if team is None:
        return False
    scope = _scope(team)
    return row.bucket in scope[0] and (not scope[1] or row.product.lower() in scope[1])


def _scope(team: Team) -> tuple[frozenset[str], frozenset[str]]:
    """A team's bucket codes and products, worked out once per run (asked for every case)."""
    cached: tuple[frozenset[str], frozenset[str]] | None = getattr(team, "_scope", None)
    if cached is None:
        cached = (frozenset(b.code for b in team.buckets.all()), frozenset(_split(team.products)))
        team._scope = cached  # type: ignore[attr-defined]
    return cached


def _balance_team(
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


@transaction.atomic
def cases_reassign(
    *,
    case_ids: list[int],
    agent: Agent | None,
    by: Actor,
    note: str = "",
    lock: bool | None = None,
) -> list[Case]:
    """Move cases by hand (a supervisor or team lead); the caller checks the permission.

    ``agent=None`` leaves the agent as it is when only ``lock`` changes. Locks the case rows; one
    bulk update, one assignment record per moved case, one audit entry per case.
    """

    now = timezone.now()
    cases = list(Case.objects.select_for_update().filter(pk__in=case_ids, status=Case.Status.OPEN).order_by("pk"))
    records = []
    for case in cases:
        before = {"team": case.team_id, "agent": case.agent_id, "locked": case.locked}
        if agent is not None and case.agent_id != agent.pk:
            records.append(
                AssignmentRecord(
                    case=case, from_team_id=case.team_id, to_team_id=agent.team_id, from_agent_id=case.agent_id,
                    to_agent_id=agent.pk, reason=Reason.MANUAL, by=actor_user(by), note=note, at=now,
                )
            )
            case.team_id, case.agent_id, case.assigned_at = agent.team_id, agent.pk, now
        if lock is not None:
            case.locked = lock
        after = {"team": case.team_id, "agent": case.agent_id, "locked": case.locked}
        if after != before:
            audit_record(action="case.reassigned", obj=case, actor=by, reason=note, before=before, after=after)
    Case.objects.bulk_update(cases, ["team", "agent", "assigned_at", "locked"])
    AssignmentRecord.objects.bulk_create(records)
    case_work_follow(case_ids=[record.case_id for record in records])
    return cases


def case_reassign(
    *, case: Case, agent: Agent | None, by: Actor, note: str = "", lock: bool | None = None
) -> Case:
    """Move one case by hand; see ``cases_reassign``. A case that is no longer open is refused."""
    moved = cases_reassign(case_ids=[case.pk], agent=agent, by=by, note=note, lock=lock)
    if not moved:
        raise DomainError(
            _("The case is closed: only open cases are assigned."),
            code=ErrorCode.WRONG_STATUS,
            errors={"case": [_("Closed.")]},
        )
    return moved[0]


@transaction.atomic
def agent_set_leave(
    *, agent: Agent, leave_from: date | None, leave_to: date | None, by: Actor
) -> Agent:
    """Mark an agent on leave for a period (or back at work with both dates empty). Audited."""

    if leave_from and leave_to and leave_to < leave_from:
        raise DomainError("The leave must end on or after its first day.", errors={"leave_to": ["Before the first day."]})
    agent = Agent.objects.select_for_update().get(pk=agent.pk)
    before = {"leave_from": str(agent.leave_from or ""), "leave_to": str(agent.leave_to or ""), "status": agent.status}
    agent.leave_from, agent.leave_to = leave_from, leave_to
    if agent.status != Agent.Status.INACTIVE:
        agent.status = Agent.Status.ACTIVE  # on leave is judged from the dates, day by day
    agent.save(update_fields=["leave_from", "leave_to", "status"])
    audit_record(
        action="agent.leave", obj=agent, actor=by, before=before,
        after={"leave_from": str(leave_from or ""), "leave_to": str(leave_to or ""), "status": agent.status},
    )
    return agent
