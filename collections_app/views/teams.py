"""Supervisor and team-lead screens: team boards, reassigning and locking cases, agents' leave."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from collections_app import roles
from collections_app.forms.widgets import DateInput
from collections_app.models import Agent, Case
from collections_app.selectors.cases import agents_manageable_by, cases_manageable_by
from collections_app.selectors.teams import team_board, teams_visible_to
from collections_app.services.assignment import agent_set_leave, cases_reassign
from config.errors import DomainError

BOARD_ROLES = (roles.TEAM_LEAD, roles.SUPERVISOR, roles.ADMINISTRATOR)


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


@roles.role_required(*BOARD_ROLES, roles.ANALYST)
def team_board_view(request: HttpRequest, team_id: int) -> HttpResponse:
    team = get_object_or_404(teams_visible_to(request.user), pk=team_id)
    team_cases = cases_manageable_by(request.user).filter(team=team, status=Case.Status.OPEN)
    if request.method == "POST":
        if not roles.user_has_role(request.user, *BOARD_ROLES):
            raise PermissionDenied  # analysts read the board; they move no case
        form = BulkActionForm(request.POST, user=request.user, team_cases=team_cases)
        if form.is_valid():
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
            return redirect(request.get_full_path())
    else:
        form = BulkActionForm(user=request.user, team_cases=team_cases)
    agent_filter = request.GET.get("agent")
    listed = team_cases.select_related("account__borrower", "agent__user").order_by("agent__user__username", "-dpd")
    if agent_filter == "none":
        listed = listed.filter(agent__isnull=True)
    elif agent_filter and agent_filter.isdigit():
        listed = listed.filter(agent_id=int(agent_filter))
    page = Paginator(listed, 50).get_page(request.GET.get("page"))
    can_manage = roles.user_has_role(request.user, *BOARD_ROLES)
    return render(
        request,
        "collections_app/team_board.html",
        {"board": team_board(team), "form": form, "page": page, "can_manage": can_manage, "agent_filter": agent_filter},
    )


@require_POST
@roles.role_required(*BOARD_ROLES)
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

