"""Assignment of open cases to teams and agents by M-bucket (DESIGN.md section 4).

Team by team, so that memory is bounded by the largest team rather than the book: the open cases
are read from the book once, with their loan's product and their borrower's language, into a
temporary table of their own (``_cases_stage``: one join, in id order); the team of each case is
chosen from the cases that stay (counted in SQL, grouped by team, bucket and product) and one
streamed pass over the cases that may move (keeping only the ids of the cases that change team and
their new team, 16 bytes each); then each team's cases are read from the stage, placed and balanced
in memory (``assignment_balance``) and its moves copied into one temporary table before the next
team's are read; one statement writes every move and its assignment record at the end. Processing
all teams in one batch gives the same assignments (``tests/collections_app/test_assignment_by_team.py``).

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
from array import array
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor, actor_user
from accounts.calendar import business_today
from accounts.models import Borrower, LoanAccount
from accounts.services.audit import audit_record
from accounts.services.bulk import objects_update
from collections_app.models import Agent, AssignmentRecord, Case, Team
from collections_app.selectors.teams import agent_is_away
from collections_app.services.assignment_balance import AgentLoad, CaseRow, balance_team, languages_split
from collections_app.services.case_work import case_work_follow
from config.errors import DomainError, ErrorCode

Reason = AssignmentRecord.Reason
# Rows fetched per round trip while the open cases stream past (none is kept beyond its team).
STREAM_ROWS = 5000
# The run's copy of the open cases it assigns (``_cases_stage``), dropped at its end.
STAGE = "assignment_cases"


@dataclass
class AssignmentResult:
    moved: int
    by_reason: dict[str, int]
    unplaced: int


@dataclass
class TeamPlan:
    """The team of every open case, kept small: cases that change team (ids ascending, new team),
    and the teams in the order their first case comes (the order the teams are balanced in)."""

    changed_ids: array
    changed_teams: array
    order: list[int]

    def new_team(self, row: CaseRow, team_by_id: dict[int, Team]) -> int | None:
        """The team ``row`` ends in: its own while that serves it (or it is locked), else the one chosen."""
        if row.team_id is not None and (row.locked or _serves(team_by_id.get(row.team_id), row)):
            return row.team_id
        i = bisect.bisect_left(self.changed_ids, row.id)
        if i < len(self.changed_ids) and self.changed_ids[i] == row.id:
            return int(self.changed_teams[i])
        return row.team_id  # no team serves it: it stays where it is


@transaction.atomic
def cases_assign(
    *, today: date | None = None, team_ids: list[int] | None = None, teams_per_batch: int = 1
) -> AssignmentResult:
    """Assign every open case (or those of ``team_ids``' buckets), team by team. Safe to run twice.

    ``teams_per_batch``: how many teams' cases are held in memory at once (1: the least memory;
    the assignments are the same whatever it is).

    A supervisor's reassignment made while the job runs is never overwritten: on PostgreSQL a move
    is written only where the case still has the team, agent and lock the job read (it reads
    without locking 80,000 rows, which cost more than the assignment); elsewhere (SQLite) the job's
    transaction holds the database's one writer's lock from its first write, so the reassignment
    waits for it.
    """
    today = today or business_today()
    teams = list(Team.objects.prefetch_related("buckets"))
    if team_ids is not None:
        teams = [t for t in teams if t.pk in team_ids]
    serving: dict[str, list[Team]] = defaultdict(list)
    for team in teams:
        for bucket in team.buckets.all():
            serving[bucket.code].append(team)
    buckets = list(serving)
    if not buckets:
        return AssignmentResult(moved=0, by_reason={}, unplaced=0)
    _cases_stage(buckets=buckets)
    loads = _agent_loads(teams=teams, today=today)
    team_by_id = {t.pk: t for t in teams}
    agents_of: dict[int, list[AgentLoad]] = defaultdict(list)
    for load in loads.values():
        agents_of[load.agent.team_id].append(load)

    # 1. Teams.
    plan = _teams_choose(team_by_id=team_by_id, serving=serving, loads=loads)

    # 2-3. Agents, team by team: only the batch's cases are in memory; their moves go to the stage.
    unplaced = 0
    moves = _Moves(timezone.now())
    batch_size = max(1, teams_per_batch)
    for start in range(0, len(plan.order), batch_size):
        batch = plan.order[start : start + batch_size]
        by_team = _team_rows(batch=batch, plan=plan, team_by_id=team_by_id)
        rows: list[CaseRow] = []
        for team_id in batch:
            team_rows = by_team[team_id]
            unplaced += balance_team(team_by_id[team_id], team_rows, agents_of[team_id], loads, today)
            rows += team_rows
        moves.add(rows)
        for load in loads.values():
            load.cases = []  # counts and balances stay; the rows go (only unlocked rows of a team move)
    by_reason = moves.save()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {STAGE}")
    return AssignmentResult(moved=sum(by_reason.values()), by_reason=by_reason, unplaced=unplaced)


def _cases_stage(*, buckets: list[str]) -> None:
    """Copy the open cases of ``buckets`` into the run's temporary table ``STAGE``, in id order, with
    what the passes read of them: bucket, overdue balance in cents, borrower's language, loan's
    product, team, agent, lock. Read without locking on PostgreSQL (see ``cases_assign``).

    One join of the cases with their loans and borrowers for the whole run: each pass after it
    (the teams' starting loads, the cases that may move, each team's cases) reads this narrow table
    alone. Read from the book, the choosing pass and every team's read joined the loans and
    borrowers again, each through a server-side cursor, which PostgreSQL plans for its first tenth
    of rows: a walk of every case (closed ones too) in id order with two index lookups per open case.
    """
    case, account, borrower = Case._meta.db_table, LoanAccount._meta.db_table, Borrower._meta.db_table
    marks = ", ".join(["%s"] * len(buckets))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        cursor.execute(
            f"""CREATE TEMPORARY TABLE {STAGE} AS
                SELECT c.id, c.bucket, CAST(COALESCE(ROUND(c.overdue_amount * 100), 0) AS bigint) AS cents,
                       LOWER(COALESCE(b.language, '')) AS language, a.product, c.team_id, c.agent_id, c.locked
                FROM {case} c JOIN {account} a ON a.id = c.account_id JOIN {borrower} b ON b.id = a.borrower_id
                WHERE c.status = %s AND c.bucket IN ({marks})
                ORDER BY c.id""",
            [Case.Status.OPEN, *buckets],
        )
        cursor.execute(f"CREATE UNIQUE INDEX {STAGE}_id ON {STAGE} (id)")
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {STAGE}")


def _staged(columns: str, where: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
    """``columns`` of the staged cases matching ``where``, in id order, streamed."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {STAGE} WHERE {where} ORDER BY id", params)
        while rows := cursor.fetchmany(STREAM_ROWS):
            yield from rows


def _in(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column IN (values)`` as SQL and parameters (false for no values)."""
    if not values:
        return "FALSE", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _agent_loads(*, teams: list[Team], today: date) -> dict[int, AgentLoad]:
    """Every agent of ``teams``, empty-handed; eligible when active and not away ``today``."""
    agents = Agent.objects.select_related("team").filter(team__in=teams)
    return {
        a.pk: AgentLoad(a, languages_split(a.languages), a.status == Agent.Status.ACTIVE and not agent_is_away(a, today))
        for a in agents
    }


def _teams_choose(
    *, team_by_id: dict[int, Team], serving: dict[str, list[Team]], loads: dict[int, AgentLoad]
) -> TeamPlan:
    """Choose each case's team: a case stays with a team that still serves it, a locked one stays
    where it is, the others go to the serving team (speaking the borrower's language first) with the
    most room left (its eligible agents' capacity less the cases it holds).

    The cases that stay are counted in SQL, grouped by team, bucket, product and lock (each team's
    starting load, and its first case); then the cases that may move stream past in id order.
    """
    team_capacity: defaultdict[int, int] = defaultdict(int)
    for load in loads.values():
        if load.eligible:
            team_capacity[load.agent.team_id] += load.agent.capacity
    team_load: dict[int, int] = defaultdict(int)
    first: dict[int, int] = {}  # each team's first case (the order the teams are balanced in)

    def seen(team_id: int | None, case_id: int) -> None:
        if team_id is not None and team_id in team_by_id and case_id < first.get(team_id, case_id + 1):
            first[team_id] = case_id

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT team_id, bucket, product, locked, COUNT(*), MIN(id) FROM {STAGE} "
            "WHERE team_id IS NOT NULL GROUP BY team_id, bucket, product, locked"
        )
        held = cursor.fetchall()
    for team_id, bucket, product, locked, cases, first_id in held:
        serves = _serves_scope(team_by_id.get(team_id), bucket, product)
        if serves:
            team_load[team_id] += cases
        if serves or locked:
            seen(team_id, first_id)
    plan = TeamPlan(changed_ids=array("q"), changed_teams=array("q"), order=[])
    for pk, bucket, language, product, team_id, locked in _cases_that_may_move(team_by_id=team_by_id):
        if team_id is not None and (locked or _serves_scope(team_by_id.get(team_id), bucket, product)):
            continue  # stays: counted above
        candidates = [t for t in serving.get(bucket, []) if _serves_scope(t, bucket, product)]
        if candidates:
            speaking = [t for t in candidates if language and language in languages_split(t.languages)]
            chosen = max(speaking or candidates, key=lambda t: (team_capacity[t.pk] - team_load[t.pk], -t.pk))
            team_id = chosen.pk
            team_load[team_id] += 1
            plan.changed_ids.append(pk)
            plan.changed_teams.append(team_id)
        seen(team_id, pk)
    plan.order = sorted(first, key=first.__getitem__)
    return plan


MayMove = tuple[int, str, str, str, "int | None", bool]


def _cases_that_may_move(*, team_by_id: dict[int, Team]) -> Iterator[MayMove]:
    """(id, bucket, language, product, team, locked) of the staged cases that may change team, in id
    order, streamed: all but the locked ones with a team and those of a team that serves every
    product of their bucket (the rest is judged by ``_serves_scope``)."""
    staying: list[str] = ["(team_id IS NOT NULL AND locked)"]
    params: list[Any] = []
    for team in team_by_id.values():
        codes, products = _scope(team)
        if not products and codes:
            buckets, bucket_params = _in("bucket", sorted(codes))
            staying.append(f"(team_id = %s AND {buckets})")
            params += [team.pk, *bucket_params]
    where = f"NOT COALESCE({' OR '.join(staying)}, FALSE)"
    for pk, bucket, language, product, team_id, locked in _staged(
        "id, bucket, language, product, team_id, locked", where, params
    ):
        yield pk, bucket, language, product, team_id, bool(locked)


def _team_rows(*, batch: list[int], plan: TeamPlan, team_by_id: dict[int, Team]) -> dict[int, list[CaseRow]]:
    """The cases that end in the teams of ``batch``, by team, in id order, with their team and the
    reason a new one was chosen; the agent is still to be chosen (``balance_team``)."""
    theirs = {code for team_id in batch for code in _scope(team_by_id[team_id])[0]}
    rows: dict[int, list[CaseRow]] = {team_id: [] for team_id in batch}
    held, held_params = _in("team_id", batch)
    served, served_params = _in("bucket", sorted(theirs))
    for pk, bucket, cents, language, product, team, agent, locked in _staged(
        "id, bucket, cents, language, product, team_id, agent_id, locked",
        f"{held} OR {served}", [*held_params, *served_params],
    ):
        row = CaseRow(pk, bucket, int(cents), language, product, team, agent, bool(locked))
        team_id = plan.new_team(row, team_by_id)
        if team_id not in rows:
            continue
        row.new_team_id = team_id
        if team_id != row.team_id:
            row.reason = Reason.NEW if row.team_id is None else Reason.ROLL
        rows[team_id].append(row)
    return rows


class _Moves:
    """The moves of a run, team by team, written once at the end.

    On PostgreSQL each team's moves go into one temporary table with COPY as soon as the team is
    balanced (memory keeps only their ids, 8 bytes each); then one statement moves the cases that
    still have the team, agent and lock the job read and records those moves. Elsewhere each team's
    moves are written as they come (the job holds the cases' locks).
    """

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.ids = array("q")
        self.by_reason: dict[str, int] = defaultdict(int)
        self.staged = False

    def add(self, rows: list[CaseRow]) -> None:
        moved = [r for r in rows if (r.new_team_id, r.new_agent_id) != (r.team_id, r.agent_id)]
        for row in moved:
            row.reason = row.reason or Reason.REBALANCE
        if connection.vendor != "postgresql":
            _moves_write(moved, self.now)
            for row in moved:
                self.by_reason[row.reason] += 1
            return
        if not moved:
            return
        with connection.cursor() as cursor:
            if not self.staged:
                cursor.execute(
                    "CREATE TEMPORARY TABLE assignment_moves (case_id bigint PRIMARY KEY, from_team integer, "
                    "to_team integer, from_agent integer, to_agent integer, reason varchar(10)) ON COMMIT DROP"
                )
                self.staged = True
            with cursor.cursor.copy(
                "COPY assignment_moves (case_id, from_team, to_team, from_agent, to_agent, reason) FROM STDIN"
            ) as copy:
                for r in moved:
                    copy.write_row((r.id, r.team_id, r.new_team_id, r.agent_id, r.new_agent_id, r.reason))
        self.ids.extend(r.id for r in moved)

    def save(self) -> dict[str, int]:
        """Write what is staged; how many moves were written, by reason (on PostgreSQL, a case that
        changed hands meanwhile is not written)."""
        if self.staged:
            for reason in _moves_copy(self.now):
                self.by_reason[reason] += 1
            case_work_follow(case_ids=self.ids)  # a move not written leaves the case as it was
        return dict(self.by_reason)


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


def _moves_copy(now: datetime) -> list[str]:
    """PostgreSQL: one statement moves the cases of ``assignment_moves`` that still have the team,
    agent and lock the job read, and records those moves. Returns the reason of each move made.

    Tens of thousands of moves (the first night after a big COB) take a second instead of fifteen.
    """
    case, record = Case._meta.db_table, AssignmentRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE assignment_moves")
        cursor.execute(
            f"""WITH done AS (
                    UPDATE {case} AS c SET team_id = m.to_team, agent_id = m.to_agent, assigned_at = %(now)s
                    FROM assignment_moves m
                    WHERE c.id = m.case_id AND c.status = 'open' AND NOT c.locked
                      AND c.team_id IS NOT DISTINCT FROM m.from_team AND c.agent_id IS NOT DISTINCT FROM m.from_agent
                    RETURNING c.id)
                INSERT INTO {record} (case_id, from_team_id, to_team_id, from_agent_id, to_agent_id, reason, by_id, note, at)
                SELECT m.case_id, m.from_team, m.to_team, m.from_agent, m.to_agent, m.reason, NULL, '', %(now)s
                FROM assignment_moves m JOIN done ON done.id = m.case_id ORDER BY m.case_id
                RETURNING reason""",
            {"now": now},
        )
        written = [reason for (reason,) in cursor.fetchall()]
        cursor.execute("DROP TABLE assignment_moves")
    return written


def _serves(team: Team | None, row: CaseRow) -> bool:
    return _serves_scope(team, row.bucket, row.product)


def _serves_scope(team: Team | None, bucket: str, product: str) -> bool:
    if team is None:
        return False
    scope = _scope(team)
    return bucket in scope[0] and (not scope[1] or product.lower() in scope[1])


def _scope(team: Team) -> tuple[frozenset[str], frozenset[str]]:
    """A team's bucket codes and products, worked out once per run (asked for every case)."""
    cached: tuple[frozenset[str], frozenset[str]] | None = getattr(team, "_scope", None)
    if cached is None:
        cached = (frozenset(b.code for b in team.buckets.all()), frozenset(languages_split(team.products)))
        team._scope = cached  # type: ignore[attr-defined]
    return cached


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
