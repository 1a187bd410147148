"""The admin's model pages in the authorization matrix: who may open which (``test_authorization_admin``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.web.authz_world import DENIED, LOGIN, OK

# The admin's model pages, GET: changelist, add, change, delete, history of one object. Who may open
# them; what a change page then lets one save is for the admin's own tests (tests/web/test_admin.py ...).
NO = (DENIED,) * 5
READ = (OK, DENIED, OK, DENIED, OK)
ADD = (OK, OK, OK, DENIED, OK)
FULL = (OK, OK, OK, OK, OK)
NOT_STAFF = (LOGIN,) * 5
# model -> (team lead, supervisor, administrator); nobody else is staff (every page: 302 to the admin login).
ADMIN_MODELS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "auth.group": (NO, NO, FULL),
    "auth.user": (NO, NO, FULL),
    "django_celery_beat.periodictask": (NO, FULL, FULL),
    "django_celery_beat.clockedschedule": (NO, FULL, FULL),
    "django_celery_beat.crontabschedule": (NO, FULL, FULL),
    "django_celery_beat.solarschedule": (NO, FULL, FULL),
    "django_celery_beat.intervalschedule": (NO, FULL, FULL),
    "axes.accessattempt": (NO, NO, NO),
    "axes.accesslog": (NO, NO, NO),
    "axes.accessfailurelog": (NO, NO, NO),
    "accounts.borrower": (READ, READ, READ),
    "accounts.phone": (READ, READ, READ),
    "accounts.loanaccount": (READ, READ, READ),
    "accounts.payment": (READ, READ, READ),
    "accounts.bucket": (READ, READ, ADD),
    "accounts.cobrun": (READ, READ, READ),
    "accounts.auditentry": (NO, READ, READ),
    "accounts.piireveal": (NO, READ, READ),
    "collections_app.team": (READ, FULL, FULL),
    "collections_app.agent": (READ, READ, FULL),
    "collections_app.case": (READ, READ, READ),
    "collections_app.assignmentrecord": (READ, READ, READ),
    "collections_app.dispositioncode": (NO, NO, ADD),
    "collections_app.contactattempt": (NO, NO, READ),
    "collections_app.message": (NO, NO, READ),
    "collections_app.inboundmessage": (NO, NO, READ),
    "collections_app.messagetemplate": (NO, NO, ADD),
    "collections_app.complaint": (ADD, ADD, ADD),
    "collections_app.complaintcategory": (READ, READ, FULL),
    "collections_app.complaintpolicy": (READ, READ, FULL),
    # The world's scorecard has calls reviewed on it: it is never deleted (a review keeps its scorecard).
    "collections_app.scorecard": (NO, READ, ADD),
    # The world's shipped strategy has accounts assigned to its arms (in M1): it is never deleted; its
    # pre-due segment, with nobody assigned yet, may be.
    "collections_app.strategy": (NO, ADD, ADD),
    "collections_app.segment": (NO, FULL, FULL),
    "collections_app.armassignment": (NO, READ, READ),
    "collections_app.channelcost": (NO, FULL, FULL),
    "collections_app.extensionsop": (NO, NO, FULL),
    "collections_app.extensionrequest": (NO, NO, READ),
    "collections_app.integration": (NO, NO, FULL),
    "collections_app.dialauthorization": (NO, NO, READ),
    "collections_app.dncentry": (NO, NO, READ),
    "collections_app.promisepolicy": (NO, NO, FULL),
    "collections_app.promisetopay": (NO, NO, READ),
    "scheduling.contactpolicy": (NO, NO, ADD),
    "scheduling.policyassignment": (NO, NO, FULL),
    "scheduling.contactpreference": (NO, NO, FULL),
    "scheduling.callback": (NO, NO, READ),
}
ADMIN_PAGES = ("changelist", "add", "change", "delete", "history")


def admin_url(model: str, page: str, pk: Any) -> str:
    app, name = model.split(".")
    args = [pk] if page in ("change", "delete", "history") else []  # the changelist and add page take none
    return reverse(f"admin:{app}_{name}_{page}", args=args)
