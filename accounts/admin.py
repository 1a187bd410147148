"""Django admin for the book. Personal data stays masked; what the nightly jobs derive is read-only.

The book comes from the core lending system (import and payments API), so borrowers, loans and
payments are not added or deleted here. Every change made here is written to the audit trail.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms.models import BaseModelFormSet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    AuditEntry,
    Borrower,
    Bucket,
    CobRun,
    Installment,
    LoanAccount,
    Payment,
    PaymentAllocation,
    Phone,
    PiiReveal,
)
from accounts.services.audit import audit_record

admin.site.site_header = _("Collections Workbench administration")
admin.site.site_title = _("Collections Workbench")
admin.site.index_title = _("Configuration and the book")


def _json_safe(value: Any) -> Any:
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, Decimal | dt.date | dt.datetime):
        return str(value)
    return value


class AuditedAdmin(admin.ModelAdmin):
    """Records every change saved through the admin (changed fields, before and after).

    Only fields that are not personal data are editable in this module, so values may be logged.
    """

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and not form.changed_data:
            return
        fields = form.changed_data if change else list(form.fields)
        audit_record(
            action=f"admin.{obj._meta.model_name}.{'change' if change else 'add'}",
            obj=obj,
            actor=request.user,
            before={name: _json_safe(form.initial.get(name)) for name in fields} if change else None,
            after={name: _json_safe(form.cleaned_data.get(name)) for name in fields},
            reason=gettext("Changed in the admin"),
        )


class SeenCasesOnlyMixin:
    """Rows of the cases the user sees on the site, and no others: a team lead finds their teams'
    borrowers, loans and payments here, not the whole book (``cases_visible_to``).

    ``case_lookup`` leads from the model to its cases (``"loans__cases"`` for a borrower).
    """

    case_lookup = ""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        from collections_app.selectors.cases import cases_visible_to, sees_every_case  # no import cycle here

        queryset: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        if sees_every_case(request.user):
            return queryset
        seen = queryset.model._default_manager.filter(**{f"{self.case_lookup}__in": cases_visible_to(request.user)})
        return queryset.filter(pk__in=seen.values("pk"))


class ReadOnlyAdminMixin:
    """A view-only admin: what is shown here is written by services and jobs only."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class NoAddDeleteMixin:
    """Rows that come from the core system: editable in part, never added or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def mask_address(address: str) -> str:
    """Keep the first word (usually the house number or the district) and hide the rest."""
    if not address:
        return ""
    first, _sep, rest = address.partition(" ")
    return f"{first} {'*' * 6}" if rest else "*" * 6


class PhoneInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Phone
    extra = 0
    fields = ("masked_number", "type", "owner", "third_party_relation", "autodialer_consent", "do_not_call",
              "uncallable", "timezones")
    readonly_fields = fields

    @admin.display(description=_("number"))
    def masked_number(self, phone: Phone) -> str:
        return phone.number_masked


@admin.register(Borrower)
class BorrowerAdmin(SeenCasesOnlyMixin, NoAddDeleteMixin, AuditedAdmin):
    case_lookup = "loans__cases"
    list_display = ("external_id", "name", "masked_phones", "country", "region", "timezone", "masked_national_id",
                    "deceased", "bankruptcy", "attorney_represented")
    list_filter = ("country", "deceased", "bankruptcy", "attorney_represented")
    # "=": exact match only, so a phone number is found by typing it whole, never by a fragment.
    search_fields = ("=external_id", "name", "=phones__number")
    search_help_text = _("External id, name, or a whole phone number in E.164 (+12125550100).")
    show_full_result_count = False
    fields = ("external_id", "name", "masked_national_id", "date_of_birth", "language", "masked_address", "country",
              "region", "postal_code", "timezone", "timezone_overridden", "deceased", "bankruptcy",
              "attorney_represented", "created_at", "updated_at")
    # Identity and address come from the core system; only flags and contact settings change here, so
    # the audit trail of this form never holds personal data.
    readonly_fields = ("external_id", "name", "masked_national_id", "date_of_birth", "masked_address", "country",
                       "region", "postal_code", "created_at", "updated_at")
    inlines = [PhoneInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Borrower]:
        return super().get_queryset(request).prefetch_related("phones")

    @admin.display(description=_("national id"))
    def masked_national_id(self, borrower: Borrower) -> str:
        return borrower.national_id_masked

    @admin.display(description=_("address"))
    def masked_address(self, borrower: Borrower) -> str:
        return mask_address(borrower.address_line)

    @admin.display(description=_("phones"))
    def masked_phones(self, borrower: Borrower) -> str:
        return ", ".join(phone.number_masked for phone in borrower.phones.all())


@admin.register(Phone)
class PhoneAdmin(SeenCasesOnlyMixin, NoAddDeleteMixin, AuditedAdmin):
    case_lookup = "borrower__loans__cases"
    list_display = ("masked_number", "borrower", "type", "owner", "autodialer_consent", "do_not_call", "uncallable")
    list_filter = ("type", "owner", "do_not_call", "autodialer_consent")
    list_select_related = ("borrower",)
    search_fields = ("=number", "=borrower__external_id")
    search_help_text = _("A whole phone number in E.164 (+12125550100), or the borrower's external id.")
    show_full_result_count = False
    fields = ("borrower", "masked_number", "type", "owner", "third_party_name", "third_party_relation",
              "third_party_may_contact", "autodialer_consent", "do_not_call", "uncallable", "timezones",
              "last_verified_at")
    readonly_fields = ("borrower", "masked_number", "owner", "third_party_name", "third_party_relation",
                       "timezones", "last_verified_at")

    @admin.display(description=_("number"))
    def masked_number(self, phone: Phone) -> str:
        return phone.number_masked


class InstallmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Installment
    extra = 0
    fields = ("seq", "due_date", "principal_due", "interest_due", "fee_due", "penalty_due", "principal_paid",
              "interest_paid", "fee_paid", "penalty_paid", "settled_on")
    readonly_fields = fields


class LoanPaymentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Payment
    extra = 0
    fields = ("external_id", "amount", "received_at", "value_date", "channel", "status", "unapplied_amount")
    readonly_fields = fields
    show_change_link = True
    ordering = ("-received_at",)


@admin.register(LoanAccount)
class LoanAccountAdmin(SeenCasesOnlyMixin, NoAddDeleteMixin, AuditedAdmin):
    case_lookup = "cases"
    list_display = ("external_id", "borrower", "product", "currency", "principal", "status", "bucket", "dpd",
                    "overdue_amount", "outstanding_balance", "cob_date")
    list_filter = ("status", "bucket", "product", "currency")
    list_select_related = ("borrower",)
    search_fields = ("=external_id", "=borrower__external_id")
    search_help_text = _("Loan or borrower external id.")
    show_full_result_count = False
    fields = ("external_id", "borrower", "product", "currency", "principal", "rate", "opened_on", "status",
              "closed_on", "cob_date", "dpd", "bucket", "overdue_amount", "outstanding_balance", "delinquent_since",
              "created_at", "updated_at")
    # Money and the keys come from the core system; DPD, bucket and balances from the nightly COB.
    readonly_fields = ("external_id", "borrower", "currency", "principal", "opened_on", "cob_date", "dpd", "bucket",
                       "overdue_amount", "outstanding_balance", "delinquent_since", "created_at", "updated_at")
    inlines = [InstallmentInline, LoanPaymentInline]


class AllocationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PaymentAllocation
    extra = 0
    fields = ("installment", "value_date", "penalty", "fee", "interest", "principal", "total")
    readonly_fields = fields
    verbose_name = _("allocation")
    verbose_name_plural = _("allocations (waterfall)")


@admin.register(Payment)
class PaymentAdmin(SeenCasesOnlyMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    case_lookup = "loan__cases"
    list_display = ("external_id", "loan", "amount", "received_at", "value_date", "channel", "status",
                    "unapplied_amount")
    list_filter = ("status", "channel")
    list_select_related = ("loan",)
    search_fields = ("=external_id", "=loan__external_id")
    search_help_text = _("Payment or loan external id.")
    show_full_result_count = False
    inlines = [AllocationInline]


def bucket_ranges_problems(ranges: list[tuple[str, int, int | None]]) -> list[str]:
    """What is wrong with a set of bucket ranges ``(code, min_dpd, max_dpd or None)``: every DPD from 0 up
    must fall in exactly one bucket, and only the last bucket may be open-ended."""
    problems: list[str] = []
    ordered = sorted(ranges, key=lambda item: item[1])
    if not ordered:
        return [gettext("There must be at least one bucket.")]
    if ordered[0][1] != 0:
        problems.append(gettext("No bucket covers DPD 0 to %(to)s.") % {"to": ordered[0][1] - 1})
    for (code, _low, high), (next_code, next_low, _next_high) in zip(ordered, ordered[1:], strict=False):
        if high is None:
            problems.append(
                gettext("%(code)s has no upper bound, so it overlaps %(next)s.") % {"code": code, "next": next_code}
            )
        elif next_low <= high:
            problems.append(gettext("%(code)s and %(next)s overlap.") % {"code": code, "next": next_code})
        elif next_low > high + 1:
            problems.append(
                gettext("No bucket covers DPD %(from)s to %(to)s.") % {"from": high + 1, "to": next_low - 1}
            )
    last_code, _first, last_high = ordered[-1]
    if last_high is not None:
        problems.append(
            gettext("No bucket covers DPD over %(dpd)s: leave the upper bound of %(code)s empty.")
            % {"dpd": last_high, "code": last_code}
        )
    return problems


class BucketForm(forms.ModelForm):
    class Meta:
        model = Bucket
        fields = ("code", "label", "min_dpd", "max_dpd", "position")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        others = Bucket.objects.exclude(pk=self.instance.pk).values_list("code", "min_dpd", "max_dpd")
        ranges = [*others, (cleaned["code"], cleaned["min_dpd"], cleaned.get("max_dpd"))]
        if problems := bucket_ranges_problems(ranges):
            raise ValidationError(problems)
        return cleaned


class BucketChangelistFormSet(BaseModelFormSet):
    """Editing the boundaries in the list saves them together, so a move of a boundary is one step."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        edited = {form.instance.pk: form for form in self.forms}
        ranges = [
            (code, min_dpd, max_dpd)
            for pk, code, min_dpd, max_dpd in Bucket.objects.values_list("pk", "code", "min_dpd", "max_dpd")
            if pk not in edited
        ]
        ranges += [
            (form.instance.code, form.cleaned_data["min_dpd"], form.cleaned_data.get("max_dpd")) for form in self.forms
        ]
        if problems := bucket_ranges_problems(ranges):
            raise ValidationError(problems)


@admin.register(Bucket)
class BucketAdmin(AuditedAdmin):
    form = BucketForm
    list_display = ("code", "label", "min_dpd", "max_dpd", "position")
    list_display_links = ("code",)
    list_editable = ("label", "min_dpd", "max_dpd")

    def get_changelist_formset(self, request: HttpRequest, **kwargs: Any) -> Any:
        return super().get_changelist_formset(request, formset=BucketChangelistFormSet, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a bucket would leave DPD uncovered: change the boundaries instead.
        return False


@admin.register(CobRun)
class CobRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("date", "status", "accounts", "delinquent", "transitions", "seconds", "worker", "started_at",
                    "finished_at")
    list_filter = ("status",)
    date_hierarchy = "date"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "reason")
    list_filter = ("action", "object_type")
    search_fields = ("=object_id", "=actor_label")
    show_full_result_count = False
    fields = ("at", "actor", "actor_label", "action", "object_type", "object_id", "before", "after", "reason")


@admin.register(PiiReveal)
class PiiRevealAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("revealed_at", "user", "borrower", "field", "reason")
    list_select_related = ("user", "borrower")
    list_filter = ("field",)
    search_fields = ("=borrower__external_id", "=user__username")
