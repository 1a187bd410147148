"""``manage.py dialer_token create NAME [--kind core_system] [--scope S ...] [--no-mappings]``, ``list``, ``revoke NAME``,
``rotate NAME``: integration tokens. A token is printed once, when it is made; only its digest is kept.

A dialer's integration maps the usual dialer statuses (VICIdial's names: NA, B, A, DC, DNC, NI, CALLBK,
SALE...) to our codes unless ``--no-mappings``, so the README's worked example runs as printed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from collections_app.models import Integration
from collections_app.models.integrations import SCOPES
from collections_app.services.integrations import (
    VICIDIAL_MAPPINGS,
    integration_create,
    integration_revoke,
    integration_token_rotate,
)
from config.errors import DomainError


class Command(BaseCommand):
    help = "Create, list, revoke or rotate integration tokens (dialers and the core lending system)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create an integration and print its token (once).")
        create.add_argument("name")
        create.add_argument("--kind", choices=Integration.Kind.values, default=Integration.Kind.DIALER)
        create.add_argument(
            "--scope", action="append", choices=SCOPES, dest="scopes", help="Repeat for several; default: the kind's."
        )
        create.add_argument("--rate-limit", type=int, dest="rate_limit", help="Requests per minute.")
        create.add_argument(
            "--vicidial", action="store_true",
            help="Map VICIdial's system statuses (NA, B, A, DNC...) to our codes (a dialer's default; for any kind).",
        )
        create.add_argument(
            "--no-mappings", action="store_true", dest="no_mappings",
            help="No disposition mappings: the integration sends our codes (add its own in the admin).",
        )
        actions.add_parser("list", help="Integrations with their prefix, scopes and state (never a token).")
        revoke = actions.add_parser("revoke", help="Revoke an integration's token at once.")
        revoke.add_argument("name")
        rotate = actions.add_parser("rotate", help="Replace a live integration's token and print the new one.")
        rotate.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as exc:
            details = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.errors.items())
            raise CommandError(f"{exc.message} {details}".strip()) from exc

    def _integration(self, name: str) -> Integration:
        integration = Integration.objects.filter(name=name).first()
        if integration is None:
            raise CommandError(f"No integration named {name!r}.")
        return integration

    def _create(self, options: dict[str, Any]) -> None:
        mapped = options["vicidial"] or options["kind"] == Integration.Kind.DIALER
        integration, token = integration_create(
            name=options["name"],
            kind=options["kind"],
            scopes=options["scopes"],
            rate_limit_per_minute=options["rate_limit"],
            mappings=VICIDIAL_MAPPINGS if mapped and not options["no_mappings"] else None,
        )
        mappings = integration.mappings.count()
        self.stdout.write(
            f"Integration {integration.name} ({integration.kind}; scopes: {', '.join(integration.scopes)}; "
            f"{mappings} disposition mappings).\n"
            "Its token, shown this once (send it as 'Authorization: Token <token>'):"
        )
        self.stdout.write(token)

    def _list(self, options: dict[str, Any]) -> None:
        rows = Integration.objects.order_by("name")
        if not rows:
            self.stdout.write("No integrations.")
        for integration in rows:
            state = "revoked" if integration.revoked_at else ("active" if integration.is_active else "inactive")
            used = integration.last_used_at.isoformat() if integration.last_used_at else "never"
            self.stdout.write(
                f"{integration.name}\t{integration.kind}\tcw_{integration.token_prefix}_...\t{state}\t"
                f"{','.join(integration.scopes)}\tlast used {used}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        integration = integration_revoke(integration=self._integration(options["name"]), reason="dialer_token revoke")
        self.stdout.write(f"Revoked {integration.name} at {integration.revoked_at.isoformat()}.")  # type: ignore[union-attr]

    def _rotate(self, options: dict[str, Any]) -> None:
        token = integration_token_rotate(integration=self._integration(options["name"]))
        self.stdout.write(f"New token of {options['name']}, shown this once (the old one no longer works):")
        self.stdout.write(token)
