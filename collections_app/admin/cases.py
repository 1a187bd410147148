"""Django admin for collection work: teams and agents are set up here; cases and their history are read here.

Cases are opened, closed and moved by COB and the assignment job; a supervisor's manual move goes
through the assignment service, so the case form only changes the priority.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin import AuditedAdmin, ReadOnlyAdminMixin
from collections_app import roles
from collections_app.admin.book import SeenCasesOnlyMixin
from collections_app.models import Agent, AssignmentRecord, Case, ContactAttempt, DispositionCode, Team
from collections_app.selectors.teams import teams_visible_to

# An agent's availability is work, not configuration: team leads and supervisors set it (the board's
# leave form); for anyone else (the administrator too, DESIGN.md section 11) it is read-only here.
AVAILABILITY = ("status", "leave_from", "leave_to")


def availability_readonly(request: HttpRequest) -> tuple[str, ...]:
    return () if roles.user_has_role(request.user, *roles.CASE_MANAGERS) else AVAILABILITY


class AgentInline(admin.TabularInline):
    model = Agent
    extra = 0
    fields = ("user", "capacity", "languages", "status", "leave_from", "leave_to")
    raw_id_fields = ("user",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return (*super().get_readonly_fields(request, obj), *availability_readonly(request))


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ("name", "served_buckets", "lead", "languages", "products", "leave_spread_after_days")
    filter_horizontal = ("buckets",)
    raw_id_fields = ("lead",)
    search_fields = ("name",)
    inlines = [AgentInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        """A team lead's own teams; every team for those who see every team."""
        return (
            super().get_queryset(request).filter(pk__in=teams_visible_to(request.user).values("pk"))
            .select_related("lead").prefetch_related("buckets")
        )  # fmt: skip

    @admin.display(description=_("buckets served"))
    def served_buckets(self, team: Team) -> str:
        return ", ".join(bucket.code for bucket in team.buckets.all())


@admin.register(Agent)
class AgentAdmin(AuditedAdmin):
    list_display = ("user", "team", "capacity", "languages", "status", "leave_from", "leave_to")
    list_filter = ("team", "status")
    list_select_related = ("user", "team")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    raw_id_fields = ("user",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agent]:
        """The agents of the teams the user sees (a team lead: their teams')."""
        return super().get_queryset(request).filter(team__in=teams_visible_to(request.user).values("pk"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return (*super().get_readonly_fields(request, obj), *availability_readonly(request))


class AssignmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AssignmentRecord
    fk_name = "case"
    extra = 0
    fields = ("at", "reason", "from_team", "to_team", "from_agent", "to_agent", "by", "note")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(SeenCasesOnlyMixin, AuditedAdmin):
    case_lookup = "pk"
    list_display = ("id", "account", "status", "bucket", "dpd", "overdue_amount", "priority", "team", "agent",
                    "locked", "opened_on", "closed_on")
    list_filter = ("status", "bucket", "team", "locked")
    list_select_related = ("account", "team", "agent__user")
    search_fields = ("=account__external_id", "=id")
    search_help_text = _("Loan external id or case number.")
    show_full_result_count = False
    fields = ("account", "status", "opened_on", "closed_on", "close_reason", "bucket", "dpd", "overdue_amount",
              "priority", "next_action_at", "team", "agent", "assigned_at", "locked")
    readonly_fields = ("account", "status", "opened_on", "closed_on", "close_reason", "bucket", "dpd",
                       "overdue_amount", "next_action_at", "team", "agent", "assigned_at", "locked")
    inlines = [AssignmentInline]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AssignmentRecord)
class AssignmentRecordAdmin(SeenCasesOnlyMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    case_lookup = "case"
    list_display = ("at", "case", "reason", "from_team", "to_team", "from_agent", "to_agent", "by")
    list_filter = ("reason", "to_team")
    list_select_related = ("case", "from_team", "to_team", "from_agent__user", "to_agent__user", "by")
    search_fields = ("=case__id", "=case__account__external_id")
    show_full_result_count = False


@admin.register(DispositionCode)
class DispositionCodeAdmin(AuditedAdmin):
    """Disposition codes are data: an administrator adds one or retires it (never deletes one in use)."""

    list_display = ("code", "label", "category", "conversation", "not_connected", "creates_promise",
                    "number_uncallable", "do_not_call", "dispute", "callback", "cease", "deceased", "bankruptcy",
                    "attorney", "is_active", "position")
    list_filter = ("category", "is_active")
    list_editable = ("position",)
    search_fields = ("code", "label")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Reports and dialers match on the code: it stays as created.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ContactAttempt)
class ContactAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The call log, read-only (written by the compliance engine and the call services); numbers masked."""

    list_display = ("placed_at", "case", "account", "masked_number", "channel", "source", "direction", "agent",
                    "status", "disposition", "right_party_contact", "conversation", "talk_seconds")
    list_filter = ("status", "channel", "source", "direction", "disposition", "right_party_contact", "conversation")
    list_select_related = ("case", "account", "phone", "agent", "disposition")
    search_fields = ("=case__id", "=account__external_id", "=external_id")
    search_help_text = _("Case number, loan external id or dialer call id.")
    date_hierarchy = "placed_at"
    show_full_result_count = False
    fields = ("case", "account", "masked_number", "channel", "source", "direction", "agent", "placed_at",
              "answered_at", "ended_at", "talk_seconds", "status", "disposition", "right_party_contact",
              "conversation", "notes", "recording_ref", "policy", "policy_version", "direct_prior_consent",
              "external_id", "expires_at", "decision", "created_at", "updated_at")
    readonly_fields = fields

    @admin.display(description=_("number"))
    def masked_number(self, attempt: ContactAttempt) -> str:
        return attempt.phone.number_masked if attempt.phone is not None else ""
