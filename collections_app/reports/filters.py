"""The filters every report page and the report API read from the query: the form and the filters it gives."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _

from accounts.calendar import business_today as book_today
from collections_app import roles
from collections_app.forms.widgets import DateInput
from collections_app.reports import selectors
from collections_app.reports.definitions import BucketScale, month_start

DEFAULT_MONTHS = 6


class ReportFilterForm(forms.Form):
    first = forms.DateField(label=_("From"), required=False, widget=DateInput())
    last = forms.DateField(label=_("To"), required=False, widget=DateInput())
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    product = forms.ChoiceField(label=_("Product"), required=False)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    bucket = forms.ChoiceField(label=_("Bucket"), required=False)

    def __init__(
        self, data: Any, *, products: list[str], currencies: list[str], teams: list[tuple[int, str]], scale: BucketScale
    ) -> None:
        super().__init__(data)
        everything: list[tuple[str, Any]] = [("", _("All"))]
        cast(forms.ChoiceField, self.fields["currency"]).choices = [(c, c) for c in currencies]
        cast(forms.ChoiceField, self.fields["product"]).choices = everything + [(p, p) for p in products]
        cast(forms.ChoiceField, self.fields["team"]).choices = everything + [(str(pk), name) for pk, name in teams]
        cast(forms.ChoiceField, self.fields["bucket"]).choices = everything + [(code, code) for code in scale.codes]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first"), data.get("last")
        if first and last and first > last:
            raise forms.ValidationError(_("The range ends before it starts."))
        return data


def _months_back(day: dt.date, months: int) -> dt.date:
    month = month_start(day)
    for _n in range(months):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def report_filters(request: HttpRequest, scale: BucketScale) -> tuple[ReportFilterForm, selectors.ReportFilters]:
    """The filter form and the filters it gives (defaults: the last six months to the latest figures)."""
    teams = selectors.teams_visible_to(request.user)
    latest = selectors.latest_report_date()
    scope = selectors.report_scope(latest)
    form = ReportFilterForm(
        request.GET or None, products=scope.products, currencies=scope.currencies, teams=teams, scale=scale
    )
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    last = data.get("last") or latest or book_today()
    currency = data.get("currency") or (scope.currencies[0] if scope.currencies else "USD")
    first = data.get("first") or _months_back(last, DEFAULT_MONTHS - 1)
    all_teams = roles.user_has_role(request.user, roles.SUPERVISOR, roles.ANALYST, roles.ADMINISTRATOR)
    team_ids = None if all_teams else tuple(pk for pk, _name in teams)
    team = data.get("team")
    if team_ids is not None and team not in team_ids:
        team = None
    filters = selectors.ReportFilters(
        first=first, last=last, product=data.get("product") or "", currency=currency, team_id=team,
        bucket=data.get("bucket") or "", team_ids=team_ids, latest=latest,
    )
    # Show the dates the figures are for, also when the query names other filters only (?month=...).
    if not form.is_bound:
        form.initial = {"first": first, "last": last, "currency": currency}
    elif not (data.get("first") and data.get("last") and data.get("currency")) and not form.errors:
        shown = QueryDict(mutable=True)
        shown.update(form.data)
        shown.setlist("first", [first.isoformat()])
        shown.setlist("last", [last.isoformat()])
        shown.setlist("currency", [currency])
        form.data = shown
    return form, filters
