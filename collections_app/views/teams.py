"""Supervisor and team-lead screens: team boards, reassigning and locking cases, agents' leave."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from collections_app import roles
from collections_app.forms.widgets import DateInput
from collections_app.models import Agent, Case
from collections_app.selectors.cases import agents_manageable_by, cases_manageable_by, cases_visible_to
from collections_app.selectors.teams import (
    BOARD_SORTS,
    BoardFilters,
    board_cases,
    team_board,
    teams_visible_to,
)
from collections_app.selectors.unworked import unworked_cases, unworked_summary
from collections_app.services import clock
from collections_app.services.assignment import agent_set_leave, cases_reassign
from config.errors import DomainError

# Who reads the boards; who acts on them is ``roles.CASE_MANAGERS`` (not the administrator).
BOARD_ROLES = (roles.TEAM_LEAD, roles.SUPERVISOR, roles.ADMINISTRATOR)
SORT_LABELS = [
    ("agent", gettext_lazy("Agent")),
    ("dpd", gettext_lazy("Days past due")),
    ("overdue", gettext_lazy("Overdue amount")),
    ("bucket", gettext_lazy("Bucket")),
    ("last_call", gettext_lazy("Last call (oldest first)")),
    ("priority", gettext_lazy("Priority")),
]


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("reassign", gettext_lazy("Reassign to")),
        ("lock", gettext_lazy("Lock (manual assignment)")),
        ("unlock", gettext_lazy("Unlock")),
    ]
    action = forms.ChoiceField(choices=ACTIONS, label=gettext_lazy("Action"))
    cases = forms.ModelMultipleChoiceField(queryset=Case.objects.none(), label=gettext_lazy("Cases"))
    agent = forms.ModelChoiceField(queryset=Agent.objects.none(), required=False, label=gettext_lazy("Agent"))
    reason = forms.CharField(max_length=255, label=gettext_lazy("Reason"))

    def __init__(self, *args: object, user: object, team_cases: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["cases"].queryset = team_cases  # type: ignore[attr-defined]
        self.fields["agent"].queryset = agents_manageable_by(user).select_related("user")  # type: ignore[attr-defined, arg-type]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("action") == "reassign" and not data.get("agent"):
            self.add_error("agent", _("Choose the agent who takes the cases."))
        return data


class LeaveForm(forms.Form):
    leave_from = forms.DateField(required=False, label=gettext_lazy("Leave from"), widget=DateInput())
    leave_to = forms.DateField(required=False, label=gettext_lazy("Leave to"), widget=DateInput())


@roles.role_required(*BOARD_ROLES, roles.ANALYST)
def team_list(request: HttpRequest) -> HttpResponse:
    teams = teams_visible_to(request.user).prefetch_related("buckets")
    if teams.count() == 1:
        return redirect("team-board", team_id=teams.get().pk)
    return render(request, "collections_app/team_list.html", {"teams": teams})


def _board_filters(request: HttpRequest) -> BoardFilters:
    sort = request.GET.get("sort", "agent")
    return BoardFilters(
        agent=request.GET.get("agent", ""), bucket=request.GET.get("bucket", ""),
        untouched=request.GET.get("untouched") == "1", locked=request.GET.get("locked", ""),
        sort=sort if sort in BOARD_SORTS else "agent",
    )


def _bulk_action(request: HttpRequest, cases: QuerySet[Case]) -> tuple[BulkActionForm, HttpResponse | None]:
    """The select-and-act form of a case list: reassign, lock or unlock the cases ticked."""
    if request.method != "POST":
        return BulkActionForm(user=request.user, team_cases=cases), None
    if not roles.user_has_role(request.user, *roles.CASE_MANAGERS):
        raise PermissionDenied  # administrators and analysts read the board; they move no case
    form = BulkActionForm(request.POST, user=request.user, team_cases=cases)
    if not form.is_valid():
        return form, None
    action = form.cleaned_data["action"]
    cases_reassign(
        case_ids=[c.pk for c in form.cleaned_data["cases"]],
        agent=form.cleaned_data["agent"] if action == "reassign" else None,
        by=request.user,
        note=form.cleaned_data["reason"],
        lock={"lock": True, "unlock": False}.get(action),
    )
    n = len(form.cleaned_data["cases"])
    messages.success(request, ngettext("%(n)d case updated.", "%(n)d cases updated.", n) % {"n": n})
    return form, redirect(request.get_full_path())


@roles.role_required(*BOARD_ROLES, roles.ANALYST)
def team_board_view(request: HttpRequest, team_id: int) -> HttpResponse:
    team = get_object_or_404(teams_visible_to(request.user), pk=team_id)
    form, done = _bulk_action(request, cases_manageable_by(request.user).filter(team=team, status=Case.Status.OPEN))
    if done is not None:
        return done
    filters = _board_filters(request)
    now = clock.now()
    team_cases = cases_visible_to(request.user).filter(team=team, status=Case.Status.OPEN)
    page = Paginator(board_cases(team_cases, filters, now=now), 50).get_page(request.GET.get("page"))
    board = team_board(team, now=now)
    return render(
        request,
        "collections_app/team_board.html",
        {
            "board": board, "form": form, "page": page, "can_manage": roles.user_has_role(request.user, *roles.CASE_MANAGERS),
            "filters": filters, "sorts": SORT_LABELS, "agents": [row.agent for row in board.agents],
            "unworked": unworked_cases(request.user).count(),
        },
    )


@require_POST
@roles.role_required(*roles.CASE_MANAGERS)
def agent_leave(request: HttpRequest, agent_id: int) -> HttpResponse:
    agent = get_object_or_404(agents_manageable_by(request.user), pk=agent_id)
    form = LeaveForm(request.POST)
    if form.is_valid():
        try:
            agent_set_leave(
                agent=agent, leave_from=form.cleaned_data["leave_from"], leave_to=form.cleaned_data["leave_to"],
                by=request.user,
            )
            messages.success(request, _("Leave of %(agent)s saved.") % {"agent": agent})
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Dates must be in the form YYYY-MM-DD."))
    return redirect("team-board", team_id=agent.team_id)



@roles.role_required(*BOARD_ROLES, roles.ANALYST)
def cases_unworked(request: HttpRequest) -> HttpResponse:
    """Open cases no team serves or no agent holds: per bucket, and the list to assign from."""
    cases = unworked_cases(request.user)
    form, done = _bulk_action(request, cases_manageable_by(request.user).filter(pk__in=cases.values("pk")))
    if done is not None:
        return done
    bucket = request.GET.get("bucket", "")
    listed = cases.filter(bucket=bucket) if bucket else cases
    listed = listed.select_related("account__borrower", "team", "agent__user").order_by("-dpd", "-overdue_amount", "pk")
    page = Paginator(listed, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "collections_app/unworked.html",
        {
            "summary": unworked_summary(cases), "page": page, "form": form, "bucket": bucket,
            "can_manage": roles.user_has_role(request.user, *roles.CASE_MANAGERS),
        },
    )
