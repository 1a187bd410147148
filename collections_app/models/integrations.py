"""Machine clients (dialers, the core lending system) and what the dialer API keeps for them.

- ``Integration``: one client, with its hashed token, scopes and rate limit, and its service user.
- ``DispositionMapping``: the client's own disposition codes mapped to ours.
- ``DialAuthorization``: an attempt the engine reserved for a client, and the call that used it.
- ``IdempotencyRecord``: the first response to a POST sent with an ``Idempotency-Key``.
- ``DncEntry``: the do-not-call and cease register, with its change feed (``updated_at``).
"""

from __future__ import annotations

import hashlib
import string
import uuid
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Borrower
from config.pii import BlindIndexField, EncryptedJSONField, EncryptedTextField

from .contacts import ContactAttempt, DispositionCode

# Scopes: which endpoints a token may call.
SCOPE_DIALER = "dialer"  # call list, dial authorizations, calls, results, events, dispositions, adapters
SCOPE_DNC = "dnc"  # push and read the do-not-call register
SCOPE_PROMISES = "promises"  # record promises to pay on cases
SCOPE_BOOK = "core:book"  # POST book/import/
SCOPE_PAYMENTS = "core:payments"  # POST payments/
SCOPE_CASES = "core:cases"  # GET cases/: every case, read-only (the core lending system)
SCOPE_COMPLAINTS = "complaints"  # register and read complaints, open disputes (a CRM, the dialer)
SCOPE_MESSAGES = "messages"  # send texts and e-mails on cases, read them and the templates (a CRM)
SCOPES = (
    SCOPE_DIALER, SCOPE_DNC, SCOPE_PROMISES, SCOPE_BOOK, SCOPE_PAYMENTS, SCOPE_CASES, SCOPE_COMPLAINTS, SCOPE_MESSAGES,
)  # fmt: skip


def token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256 (the token is a long random secret, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


RECORDING_PLACEHOLDER = "recording_ref"


def recording_url_template_validate(value: str) -> None:
    """A recording link template: an http(s) URL with one ``{recording_ref}`` and no other placeholder."""
    if not value:
        return
    try:
        fields = [name for _text, name, _spec, _conv in string.Formatter().parse(value) if name is not None]
    except ValueError as error:
        raise ValidationError(_("Unbalanced braces in the template."), code="invalid") from error
    if fields != [RECORDING_PLACEHOLDER]:
        raise ValidationError(
            _("The template holds {recording_ref} exactly once and no other placeholder."), code="invalid"
        )
    parts = urlsplit(value.replace("{recording_ref}", "x"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_("The template must be an http or https address."), code="invalid")


def recording_url(template: str, recording_ref: str) -> str:
    """The link of one recording: the reference percent-encoded into the template ('/' kept)."""
    if not template or not recording_ref:
        return ""
    return template.replace("{recording_ref}", quote(recording_ref, safe="/"))


class Integration(models.Model):
    """A machine client. Its token is shown once at creation; only its prefix and digest are kept."""

    class Kind(models.TextChoices):
        DIALER = "dialer", _("Dialer")
        CORE_SYSTEM = "core_system", _("Core lending system")

    DEFAULT_SCOPES: dict[str, list[str]] = {
        Kind.DIALER: [SCOPE_DIALER, SCOPE_DNC, SCOPE_PROMISES, SCOPE_COMPLAINTS],
        Kind.CORE_SYSTEM: [SCOPE_BOOK, SCOPE_PAYMENTS, SCOPE_CASES, SCOPE_DNC, SCOPE_PROMISES, SCOPE_COMPLAINTS,
                            SCOPE_MESSAGES],
    }

    name = models.CharField(_("name"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.DIALER)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="integration",
        help_text=_("The service user that acts for this integration (audit trails name it)."),
    )
    token_prefix = models.CharField(_("token prefix"), max_length=16, unique=True)
    token_hash = models.CharField(_("token digest (SHA-256)"), max_length=64)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(_("requests per minute"), default=60_000)
    authorization_ttl_seconds = models.PositiveIntegerField(
        _("dial authorizations expire after (s)"), default=120
    )
    is_active = models.BooleanField(_("active"), default=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("token expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recording_url_template = models.CharField(
        _("recording link template"),
        max_length=500,
        blank=True,
        validators=[recording_url_template_validate],
        help_text=_(
            "Where a call's recording is heard, e.g. https://recordings.example.com/play/{recording_ref}; "
            "the call's recording reference replaces {recording_ref}."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["dialer", "core_system"]), name="integration_kind_valid"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(is_active=False), name="integration_revoked_inactive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        recording_url_template_validate(self.recording_url_template)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def recording_link(self, recording_ref: str) -> str:
        return recording_url(self.recording_url_template, recording_ref)

    def has_scope(self, scope: str) -> bool:
        """The extension point ``collections_app.api.book.permissions.IsAdministrator`` reads."""
        return self.is_active and scope in (self.scopes or [])


class DispositionMapping(models.Model):
    """The client's code for an outcome (VICIdial's ``NA``, ``B``, ``DNC``...) and ours."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="mappings")
    external_code = models.CharField(_("dialer code"), max_length=32)
    disposition = models.ForeignKey(
        DispositionCode, on_delete=models.PROTECT, related_name="mappings", verbose_name=_("our code")
    )

    class Meta:
        ordering = ["integration", "external_code"]
        verbose_name = _("disposition mapping")
        verbose_name_plural = _("disposition mappings")
        constraints = [
            models.UniqueConstraint(fields=["integration", "external_code"], name="mapping_unique_per_integration"),
        ]

    def __str__(self) -> str:
        return f"{self.external_code} -> {self.disposition_id}"


class DialAuthorization(models.Model):
    """An attempt reserved for a client (``authorization_id`` is this row's id), and the call that used it.

    The attempt counts from the moment it is reserved; ``expires_at`` is the latest start of the call
    it allows. ``external_call_id`` is the client's call id once the call is reported (unique per
    client); ``result_hash`` fingerprints the reported result so that a replay is one result.
    ``before_dial`` is False for calls reported after the fact (VICIdial's dispo URL).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="authorizations")
    # Not checked by the database (attempts are partitioned by month: README, Partitions).
    attempt = models.OneToOneField(
        ContactAttempt, on_delete=models.PROTECT, related_name="dial_authorization", db_constraint=False
    )
    before_dial = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("the call must start by"))
    external_call_id = models.CharField(_("dialer call id"), max_length=128, null=True, blank=True)
    call_started_at = models.DateTimeField(null=True, blank=True)
    call_reported_at = models.DateTimeField(null=True, blank=True)
    result_hash = models.CharField(max_length=64, blank=True)
    result_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("dial authorization")
        verbose_name_plural = _("dial authorizations")
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "external_call_id"],
                condition=Q(external_call_id__isnull=False),
                name="dial_authorization_call_unique",
            ),
        ]

    def __str__(self) -> str:
        return str(self.pk)


class IdempotencyRecord(models.Model):
    """The first answer to a POST with an ``Idempotency-Key``, per owner (an integration or a user)."""

    integration = models.ForeignKey(
        Integration, null=True, blank=True, on_delete=models.CASCADE, related_name="idempotency_records"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    # The answer replayed: a complaint's description, a dispute's reason... (DESIGN.md 18), so encrypted.
    response_body = EncryptedJSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "key"],
                condition=Q(integration__isnull=False),
                name="idempotency_unique_per_integration",
            ),
            models.UniqueConstraint(
                fields=["user", "key"], condition=Q(integration__isnull=True), name="idempotency_unique_per_user"
            ),
            models.CheckConstraint(
                condition=Q(integration__isnull=False) | Q(user__isnull=False), name="idempotency_has_owner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class DncEntry(models.Model):
    """The do-not-call register: a number never to call, or a borrower who asked us to stop.

    The engine reads ``Phone.do_not_call`` and ``ContactPreference.cease_communication``; the
    service that writes an entry sets those too. ``updated_at`` orders the change feed.
    """

    class Type(models.TextChoices):
        DO_NOT_CALL = "do_not_call", _("Do not call this number")
        CEASE = "cease", _("Cease all communication with the borrower")
        SMS_OPT_OUT = "sms_opt_out", _("No text messages to this number")
        EMAIL_OPT_OUT = "email_opt_out", _("No e-mail to this address")

    class Source(models.TextChoices):
        API = "api", _("API")
        DISPOSITION = "disposition", _("Call disposition")
        AGENT = "agent", _("Agent, on the borrower's request")
        ADMIN = "admin", _("Administrator")
        RECONCILE = "reconcile", _("Found on the book")
        REPLY = "reply", _("The borrower's reply (STOP)")

    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    # Encrypted at rest (config/pii.py), found by their blind indexes.
    number = EncryptedTextField(_("number (E.164)"), max_length=16, blank=True)
    number_index = BlindIndexField(source="number", kind="phone")
    email = EncryptedTextField(_("e-mail address"), max_length=254, blank=True)
    email_index = BlindIndexField(source="email", kind="email")
    borrower = models.ForeignKey(
        Borrower, null=True, blank=True, on_delete=models.CASCADE, related_name="dnc_entries"
    )
    active = models.BooleanField(_("in force"), default=True)
    reason = EncryptedTextField(_("reason"), max_length=255, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.API)
    integration = models.ForeignKey(
        Integration, null=True, blank=True, on_delete=models.SET_NULL, related_name="dnc_entries"
    )
    requested_at = models.DateTimeField(_("requested at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["updated_at", "id"]
        verbose_name = _("do-not-call entry")
        verbose_name_plural = _("do-not-call entries")
        constraints = [
            models.CheckConstraint(
                condition=(Q(type__in=["do_not_call", "sms_opt_out"]) & ~Q(number_index=""))
                | (Q(type="cease") & Q(borrower__isnull=False))
                | (Q(type="email_opt_out") & ~Q(email_index="")),
                name="dnc_entry_has_target",
            ),
            models.UniqueConstraint(
                fields=["number_index"], condition=Q(type="sms_opt_out", active=True), name="dnc_one_active_sms_opt_out"
            ),
            models.UniqueConstraint(
                fields=["email_index"], condition=Q(type="email_opt_out", active=True), name="dnc_one_active_email_opt_out"
            ),
            models.UniqueConstraint(
                fields=["number_index"], condition=Q(type="do_not_call", active=True), name="dnc_one_active_per_number"
            ),
            models.UniqueConstraint(
                fields=["borrower"], condition=Q(type="cease", active=True), name="dnc_one_active_cease"
            ),
        ]
        indexes = [models.Index(fields=["updated_at", "id"], name="dnc_feed_idx")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.pk}"
