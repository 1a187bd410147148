"""Django admin for the book as collection work sees it: borrowers, phones, loans and payments.

The book comes from the core lending system (import and payments API), so borrowers, loans and
payments are not added or deleted here; personal data stays masked. A team lead finds the rows
of the cases they see, and no others (``SeenCasesOnlyMixin``). Every change is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin import AuditedAdmin, NoAddDeleteMixin, ReadOnlyAdminMixin
from accounts.models import Borrower, Installment, LoanAccount, Payment, PaymentAllocation, Phone
from collections_app.selectors.cases import cases_visible_to, sees_every_case
from config.pii import name_query_tokens, phone_index


class SeenCasesOnlyMixin:
    """Rows of the cases the user sees on the site, and no others: a team lead finds their teams'
    borrowers, loans and payments here, not the whole book (``cases_visible_to``).

    ``case_lookup`` leads from the model to its cases (``"loans__cases"`` for a borrower).
    """

    case_lookup = ""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        if sees_every_case(request.user):
            return queryset
        seen = queryset.model._default_manager.filter(**{f"{self.case_lookup}__in": cases_visible_to(request.user)})
        return queryset.filter(pk__in=seen.values("pk"))




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
    # "=": exact match only. Names and numbers are encrypted: a name is found by its whole words, a
    # number typed whole, through their blind indexes (get_search_results), never by a fragment.
    search_fields = ("=external_id",)
    search_help_text = _("External id, whole words of the name, or a whole phone number in E.164 (+12125550100).")
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

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Borrower], search_term: str
    ) -> tuple[QuerySet[Borrower], bool]:
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if index := phone_index(search_term):
            found |= queryset.filter(phones__number_index=index)
            duplicates = True
        words = name_query_tokens(search_term)
        if not words:
            return found, duplicates
        named = queryset
        for word in words:
            named = named.filter(name_index__contains=word)
        return found | named, duplicates

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
    search_fields = ("=borrower__external_id",)  # and a whole number, by its blind index (get_search_results)
    search_help_text = _("A whole phone number in E.164 (+12125550100), or the borrower's external id.")
    show_full_result_count = False
    fields = ("borrower", "masked_number", "type", "owner", "third_party_name", "third_party_relation",
              "third_party_may_contact", "autodialer_consent", "do_not_call", "uncallable", "timezones",
              "last_verified_at")
    readonly_fields = ("borrower", "masked_number", "owner", "third_party_name", "third_party_relation",
                       "timezones", "last_verified_at")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Phone], search_term: str
    ) -> tuple[QuerySet[Phone], bool]:
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if index := phone_index(search_term):
            found |= queryset.filter(number_index=index)
        return found, duplicates

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
