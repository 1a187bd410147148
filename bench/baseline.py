"""The nightly close written as plain SQL by hand: the yardstick for the project's COB.

What a DBA would write for "close tonight": one aggregate of the schedules into a temporary table,
then the transitions, the snapshots, the daily totals, the accounts' new state, and the cases
opened, refreshed and closed. It knows nothing of replaying past dates, closed-account
pseudo-buckets or payments valued after the date, which the project's COB handles. It runs in one
transaction that is rolled back, then the touched tables are vacuumed, so the COB measured next
starts from the same book.
"""

from __future__ import annotations

import time

import psycopg

from bench.book import Book, db_url

PAID = "i.principal_paid + i.interest_paid + i.fee_paid + i.penalty_paid"
DUE = "i.principal_due + i.interest_due + i.fee_due + i.penalty_due"

STEPS = [
    ("aggregate", f"""
        CREATE TEMPORARY TABLE night AS
        SELECT l.id, l.currency, l.bucket AS prev_bucket, s.dpd, s.overdue, s.outstanding,
               (SELECT code FROM accounts_bucket b
                 WHERE s.dpd >= b.min_dpd AND (b.max_dpd IS NULL OR s.dpd <= b.max_dpd)) AS bucket
        FROM accounts_loanaccount l
        JOIN (SELECT i.loan_id,
                     COALESCE(%(d)s - MIN(i.due_date) FILTER (
                         WHERE i.due_date < %(d)s AND (i.settled_on IS NULL OR i.settled_on > %(d)s)), 0) AS dpd,
                     COALESCE(SUM({DUE} - ({PAID})) FILTER (WHERE i.due_date < %(d)s), 0) AS overdue,
                     SUM(i.principal_due - i.principal_paid) AS outstanding
              FROM accounts_installment i GROUP BY i.loan_id) s ON s.loan_id = l.id
        WHERE l.status = 'active'"""),
    ("transitions", """
        INSERT INTO accounts_buckettransition (date, account_id, from_bucket, to_bucket, balance, overdue_amount)
        SELECT %(d)s, id, prev_bucket, bucket, outstanding, overdue FROM night WHERE bucket <> prev_bucket"""),
    ("snapshots", """
        INSERT INTO accounts_delinquencysnapshot
            (date, account_id, dpd, bucket, previous_bucket, overdue_amount, outstanding_balance, status)
        SELECT %(d)s, id, dpd, bucket, prev_bucket, overdue, outstanding, 'active' FROM night
        WHERE dpd > 0 OR bucket <> prev_bucket"""),
    ("daily_totals", """
        INSERT INTO accounts_bucketdailytotal (date, bucket, currency, accounts, overdue_amount, outstanding_balance)
        SELECT %(d)s, bucket, currency, COUNT(*), SUM(overdue), SUM(outstanding) FROM night GROUP BY bucket, currency"""),
    ("accounts", """
        UPDATE accounts_loanaccount l SET dpd = n.dpd, bucket = n.bucket, overdue_amount = n.overdue,
               outstanding_balance = n.outstanding
        FROM night n
        WHERE l.id = n.id AND (l.dpd <> n.dpd OR l.bucket <> n.bucket OR l.overdue_amount <> n.overdue
                               OR l.outstanding_balance <> n.outstanding)"""),
    ("cases_closed", """
        UPDATE collections_app_case c SET status = 'closed', closed_on = %(d)s, close_reason = 'cured'
        FROM night n WHERE c.account_id = n.id AND c.status = 'open' AND n.dpd = 0"""),
    ("cases_refreshed", """
        UPDATE collections_app_case c SET bucket = n.bucket, dpd = n.dpd, overdue_amount = n.overdue
        FROM night n WHERE c.account_id = n.id AND c.status = 'open'
          AND (c.dpd <> n.dpd OR c.bucket <> n.bucket OR c.overdue_amount <> n.overdue)"""),
    ("cases_opened", """
        INSERT INTO collections_app_case
            (account_id, status, opened_on, close_reason, bucket, dpd, overdue_amount, priority, locked)
        SELECT n.id, 'open', %(d)s, '', n.bucket, n.dpd, n.overdue, 0, false FROM night n
        WHERE n.dpd > 0 AND NOT EXISTS (
            SELECT 1 FROM collections_app_case c WHERE c.account_id = n.id AND c.status = 'open')"""),
]


def cob_baseline(book: Book) -> dict[str, object]:
    """Run the hand-written close for the book's date, roll it back; seconds in all and by step."""
    steps: dict[str, float] = {}
    with psycopg.connect(db_url(book.database)) as conn:
        started = time.monotonic()
        with conn.transaction(force_rollback=True):
            for name, sql in STEPS:
                step = time.monotonic()
                conn.execute(sql, {"d": book.today})
                if name == "aggregate":
                    conn.execute("ANALYZE night")
                steps[name] = round(time.monotonic() - step, 2)
        seconds = time.monotonic() - started
    with psycopg.connect(db_url(book.database), autocommit=True) as conn:
        for table in ("accounts_loanaccount", "collections_app_case", "accounts_delinquencysnapshot",
                      "accounts_buckettransition", "accounts_bucketdailytotal"):
            conn.execute(f"VACUUM ANALYZE {table}")
    return {"seconds": round(seconds, 2), "steps": steps}
