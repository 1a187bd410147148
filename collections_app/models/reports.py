"""Aggregate tables of the reports (DESIGN.md section 9), written only by the aggregation jobs.

Every table holds counts and sums, never ratios: a rate is numerator over denominator, summed
over whatever rows a filter keeps (products, teams, buckets, days), so filtering and rolling up
stay exact. Each figure's definition and denominator is in its help text and on the dashboard.
Rows are replaced per date (or month) in one transaction by ``collections_app.reports.jobs``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import money

from .cases import Team


class ReportBucketDay(models.Model):
    """Accounts and balances per bucket and product at a COB date (active accounts)."""

    date = models.DateField(_("COB date"))
    product = models.CharField(_("product"), max_length=32)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    bucket = models.CharField(_("bucket"), max_length=8)
    accounts = models.PositiveIntegerField(_("accounts"), help_text=_("Active accounts in the bucket at the COB date."))
    overdue_amount = money(
        verbose_name=_("overdue amount"), help_text=_("Sum of the amounts past their due date and unpaid at the COB date.")
    )
    outstanding_balance = money(
        verbose_name=_("outstanding principal"), help_text=_("Sum of the principal not yet repaid at the COB date.")
    )

    class Meta:
        verbose_name = _("bucket balance (day)")
        verbose_name_plural = _("bucket balances (day)")
        constraints = [models.UniqueConstraint(fields=["date", "product", "currency", "bucket"], name="rpt_bucket_day_unique_currency")]

    def __str__(self) -> str:
        return f"{self.date} {self.product} {self.bucket}"


class ReportRollDay(models.Model):
    """Bucket changes of one COB date against the previous COB date (from ``BucketTransition``)."""

    date = models.DateField(_("COB date"))
    product = models.CharField(_("product"), max_length=32)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    from_bucket = models.CharField(_("from"), max_length=8)
    to_bucket = models.CharField(_("to"), max_length=8)
    accounts = models.PositiveIntegerField(_("accounts"))
    balance = money(verbose_name=_("outstanding principal at the COB date"))
    overdue_amount = money(verbose_name=_("overdue amount at the COB date"))

    class Meta:
        verbose_name = _("bucket change (day)")
        verbose_name_plural = _("bucket changes (day)")
        constraints = [
            models.UniqueConstraint(fields=["date", "product", "currency", "from_bucket", "to_bucket"], name="rpt_roll_day_unique_currency")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.product} {self.from_bucket}->{self.to_bucket}"


class ReportFlowMonth(models.Model):
    """One cell of the month-over-month transition matrix: accounts in ``from_state`` at the
    previous month-end that are in ``to_state`` at this month-end.

    A month-end is the last COB date of the month. States are the buckets plus PAID, SETTLED
    and CO for accounts closed by then; rows are the buckets only (closed accounts stay closed).
    Flow rate FR(k -> j) = ``balance_to`` of the cell / sum of ``balance_from`` over row k.
    """

    month = models.DateField(_("month"), help_text=_("First day of the month the matrix ends in."))
    as_of = models.DateField(_("month-end COB date"))
    previous_as_of = models.DateField(_("previous month-end COB date"))
    product = models.CharField(_("product"), max_length=32)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    from_state = models.CharField(_("from"), max_length=8)
    to_state = models.CharField(_("to"), max_length=8)
    accounts = models.PositiveIntegerField(_("accounts"))
    balance_from = money(
        verbose_name=_("balance at the previous month-end"),
        help_text=_("Outstanding principal of these accounts at the previous month-end."),
    )
    balance_to = money(
        verbose_name=_("balance at the month-end"),
        help_text=_(
            "Outstanding principal of these accounts at the month-end; for accounts that closed "
            "(paid off, settled, charged off) the balance they left the book with, i.e. the one at "
            "the previous month-end."
        ),
    )

    class Meta:
        verbose_name = _("transition matrix cell (month)")
        verbose_name_plural = _("transition matrix cells (month)")
        constraints = [
            models.UniqueConstraint(fields=["month", "product", "currency", "from_state", "to_state"], name="rpt_flow_month_unique_currency")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.product} {self.from_state}->{self.to_state}"


class ReportEntryDay(models.Model):
    """Entry into collections (入催率) of the installments due on a date."""

    date = models.DateField(_("due date"))
    product = models.CharField(_("product"), max_length=32)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    installments_due = models.PositiveIntegerField(
        _("installments due"), help_text=_("Installments due on the date, of accounts open that day.")
    )
    amount_due = money(verbose_name=_("amount due"), help_text=_("Total due of those installments."))
    installments_entered = models.PositiveIntegerField(
        _("installments entering collections"),
        help_text=_("Of those, the installments still not fully paid at DPD 1 (the next day's close of business)."),
    )
    amount_entered = money(verbose_name=_("amount entering collections"), help_text=_("Total due of those installments."))

    class Meta:
        verbose_name = _("entry rate (day)")
        verbose_name_plural = _("entry rates (day)")
        constraints = [models.UniqueConstraint(fields=["date", "product", "currency"], name="rpt_entry_day_unique_currency")]

    def __str__(self) -> str:
        return f"{self.date} {self.product}"


class ReportExitDay(models.Model):
    """Cases entering and leaving collections on a date, by product and by the team holding them."""

    date = models.DateField(_("date"))
    product = models.CharField(_("product"), max_length=32)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cases_entered = models.PositiveIntegerField(_("cases opened"), help_text=_("Cases opened on the date (DPD 1)."))
    cases_assigned_in = models.PositiveIntegerField(
        _("cases assigned to the team"), help_text=_("Assignments of a case into the team on the date (new or moved in).")
    )
    cases_cured = models.PositiveIntegerField(_("cases cured"), help_text=_("Cases closed as cured (DPD back to 0)."))
    cases_paid_off = models.PositiveIntegerField(_("cases paid off"))
    cases_settled = models.PositiveIntegerField(_("cases settled"))
    cases_charged_off = models.PositiveIntegerField(_("cases charged off"))

    class Meta:
        verbose_name = _("exit rate (day)")
        verbose_name_plural = _("exit rates (day)")
        # One row per (date, product, team) by construction (GROUP BY); the team may be empty.
        indexes = [models.Index(fields=["date", "product"], name="rpt_exit_day_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self.product} {self.team_id}"


class ReportVintage(models.Model):
    """One point of a vintage curve: a cohort (origination month) at a month-end."""

    month = models.DateField(_("month"), help_text=_("First day of the month of the month-end."))
    as_of = models.DateField(_("month-end COB date"))
    cohort = models.DateField(_("origination month"))
    product = models.CharField(_("product"), max_length=32)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    months_on_book = models.PositiveSmallIntegerField(_("months on book"))
    loans = models.PositiveIntegerField(_("loans disbursed"))
    disbursed = money(verbose_name=_("principal disbursed"))
    accounts_m2plus = models.PositiveIntegerField(
        _("accounts at M2+"), help_text=_("Active accounts of the cohort at M2 or worse at the month-end.")
    )
    balance_m2plus = money(
        verbose_name=_("balance at M2+"), help_text=_("Their outstanding principal at the month-end.")
    )
    accounts_charged_off = models.PositiveIntegerField(_("accounts charged off by then"))
    principal_charged_off = money(verbose_name=_("principal of the accounts charged off by then"))

    class Meta:
        verbose_name = _("vintage point")
        verbose_name_plural = _("vintage points")
        constraints = [models.UniqueConstraint(fields=["month", "cohort", "product", "currency"], name="rpt_vintage_unique_currency")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.cohort:%Y-%m} {self.product}"


class ReportForecastMatrix(models.Model):
    """The loss forecast's transition matrix: trailing average of the monthly transitions."""

    month = models.DateField(_("month"), help_text=_("First day of the month the forecast starts from."))
    product = models.CharField(_("product"), max_length=32, blank=True, help_text=_("Empty: the whole book."))
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    from_state = models.CharField(_("from"), max_length=8)
    to_state = models.CharField(_("to"), max_length=8)
    probability = models.DecimalField(_("probability"), max_digits=8, decimal_places=6)
    months_used = models.PositiveSmallIntegerField(_("months averaged"))

    class Meta:
        verbose_name = _("forecast matrix cell")
        verbose_name_plural = _("forecast matrix cells")
        constraints = [
            models.UniqueConstraint(fields=["month", "product", "currency", "from_state", "to_state"], name="rpt_fc_matrix_unique_currency")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.from_state}->{self.to_state}: {self.probability}"


class ReportForecastBalance(models.Model):
    """Projected balance per state ``step`` months after the month-end: B(t+n) = B(t) P^n."""

    month = models.DateField(_("month"))
    product = models.CharField(_("product"), max_length=32, blank=True, help_text=_("Empty: the whole book."))
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    step = models.PositiveSmallIntegerField(_("months ahead"))
    state = models.CharField(_("state"), max_length=8)
    balance = money(verbose_name=_("balance"))

    class Meta:
        verbose_name = _("forecast balance")
        verbose_name_plural = _("forecast balances")
        constraints = [
            models.UniqueConstraint(fields=["month", "product", "currency", "step", "state"], name="rpt_fc_balance_unique_currency")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}+{self.step} {self.state}: {self.balance}"


class ReportAgentDay(models.Model):
    """One agent's work on one day, per bucket of the cases worked (the bucket at the previous
    close of business). Rows with no agent hold dialer attempts that no agent took."""

    date = models.DateField(_("date"))
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    bucket = models.CharField(_("bucket"), max_length=8)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    attempts = models.PositiveIntegerField(
        _("attempts"), default=0, help_text=_("Outbound calls placed (every call not released as not dialed).")
    )
    contacts = models.PositiveIntegerField(
        _("contacts"), default=0, help_text=_("Attempts that reached a person: right-party or third-party contact.")
    )
    right_party_contacts = models.PositiveIntegerField(
        _("right-party contacts"), default=0, help_text=_("Attempts that reached the borrower.")
    )
    talk_seconds = models.PositiveIntegerField(
        _("talk time (s)"), default=0, help_text=_("Talk seconds of every call of the day, inbound included.")
    )
    handled_calls = models.PositiveIntegerField(
        _("handled calls"), default=0, help_text=_("Calls with talk time, inbound included.")
    )
    ptps = models.PositiveIntegerField(_("promises"), default=0, help_text=_("Promises to pay made on the day."))
    ptp_amount = money(verbose_name=_("amount promised"), help_text=_("Total amount of those promises."))
    ptps_due = models.PositiveIntegerField(
        _("promises due"), default=0, help_text=_("Promises of the agent judged on the day (kept, partly kept or broken).")
    )
    ptps_kept = models.PositiveIntegerField(_("promises kept"), default=0)
    ptps_partially_kept = models.PositiveIntegerField(_("promises partly kept"), default=0)
    ptps_broken = models.PositiveIntegerField(_("promises broken"), default=0)
    collected_amount = money(
        verbose_name=_("amount collected"),
        help_text=_("Payments with a value date on the day on accounts whose case the agent holds."),
    )
    cases_open_at_start = models.PositiveIntegerField(
        _("cases held at the start of the day"), default=0, help_text=_("Cases of the agent opened before the day and not closed before it.")
    )
    cases_opened = models.PositiveIntegerField(_("cases opened"), default=0, help_text=_("Cases of the agent opened on the day."))
    cases_cured = models.PositiveIntegerField(
        _("cases cured"), default=0, help_text=_("Cases of the agent closed on the day as cured (DPD back to 0).")
    )
    complaints = models.PositiveIntegerField(
        _("complaints"), default=0, help_text=_("Complaints received on the day about the agent (any category).")
    )
    qa_reviews = models.PositiveIntegerField(
        _("calls reviewed"), default=0, help_text=_("Reviews of the agent's calls scored on the day.")
    )
    qa_score_total = models.DecimalField(
        _("review scores summed"), max_digits=12, decimal_places=2, default=0,
        help_text=_("Sum of the scores (0-100) of those reviews; QA score = this / calls reviewed."),
    )
    qa_failed = models.PositiveIntegerField(
        _("reviews failed"), default=0, help_text=_("Of those reviews, the ones below the pass mark or with a critical item failed.")
    )
    messages_sent = models.PositiveIntegerField(
        _("messages sent"), default=0,
        help_text=_("Texts and e-mails the agent sent that were handed to the provider on the day (beside the calls)."),
    )

    class Meta:
        verbose_name = _("agent efficiency (day)")
        verbose_name_plural = _("agent efficiency (day)")
        # One row per (date, agent, team, bucket) by construction (GROUP BY); agent and team may be empty.
        indexes = [models.Index(fields=["date", "team"], name="rpt_agent_day_team_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self.agent_id} {self.bucket}"


class ReportAgentMonth(models.Model):
    """A calendar month of ``ReportAgentDay`` rows summed, so long ranges read a row per month.

    ``cases_open_at_start`` is the month's first day's figure (the cases held as the month began).
    Written from the day rows by the agents family's month job; pages read it only for months
    that lie wholly inside the range asked for.
    """

    month = models.DateField(_("month"))
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    bucket = models.CharField(_("bucket"), max_length=8)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    contacts = models.PositiveIntegerField(_("contacts"), default=0)
    right_party_contacts = models.PositiveIntegerField(_("right-party contacts"), default=0)
    talk_seconds = models.PositiveIntegerField(_("talk time (s)"), default=0)
    handled_calls = models.PositiveIntegerField(_("handled calls"), default=0)
    ptps = models.PositiveIntegerField(_("promises"), default=0)
    ptp_amount = money(verbose_name=_("amount promised"))
    ptps_due = models.PositiveIntegerField(_("promises due"), default=0)
    ptps_kept = models.PositiveIntegerField(_("promises kept"), default=0)
    ptps_partially_kept = models.PositiveIntegerField(_("promises partly kept"), default=0)
    ptps_broken = models.PositiveIntegerField(_("promises broken"), default=0)
    collected_amount = money(verbose_name=_("amount collected"))
    cases_open_at_start = models.PositiveIntegerField(_("cases held at the start of the month"), default=0)
    cases_opened = models.PositiveIntegerField(_("cases opened"), default=0)
    cases_cured = models.PositiveIntegerField(_("cases cured"), default=0)
    complaints = models.PositiveIntegerField(_("complaints"), default=0)
    qa_reviews = models.PositiveIntegerField(_("calls reviewed"), default=0)
    qa_score_total = models.DecimalField(_("review scores summed"), max_digits=12, decimal_places=2, default=0)
    qa_failed = models.PositiveIntegerField(_("reviews failed"), default=0)
    messages_sent = models.PositiveIntegerField(_("messages sent"), default=0)

    class Meta:
        verbose_name = _("agent efficiency (month)")
        verbose_name_plural = _("agent efficiency (month)")
        indexes = [models.Index(fields=["month", "team"], name="rpt_agent_month_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.agent_id} {self.bucket}"


class ReportAgentShift(models.Model):
    """An agent's logged time on a day: from the first call placed to the end of the last one."""

    date = models.DateField(_("date"))
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_at = models.DateTimeField(_("first call placed at"))
    last_at = models.DateTimeField(_("last call ended at"))
    logged_seconds = models.PositiveIntegerField(
        _("logged time (s)"),
        help_text=_("From the first call placed to the end of the last call of the day (no session log exists)."),
    )
    attempts = models.PositiveIntegerField(_("attempts"))

    class Meta:
        verbose_name = _("agent logged time (day)")
        verbose_name_plural = _("agent logged time (day)")
        constraints = [models.UniqueConstraint(fields=["date", "agent"], name="rpt_agent_shift_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.agent_id}: {self.logged_seconds}s"
