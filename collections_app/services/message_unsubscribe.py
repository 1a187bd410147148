"""The e-mail's unsubscribe link (RFC 2369 ``List-Unsubscribe``, RFC 8058 one-click): a signed link per
address that opts the address out of e-mail (12 CFR 1006.6(e) and 1006.14(h)) when the borrower asks.

The link names the address by its id, signed (``django.core.signing``, salt ``cw-unsubscribe``), never
by the address itself. Applying it is idempotent: the register's medium opt-out
(``services.dnc.dnc_medium_opt_out_record``) records it once and audits the change.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from accounts.models import EmailAddress
from collections_app.models import DncEntry
from collections_app.services.dnc import dnc_medium_opt_out_record

SALT = "cw-unsubscribe"


def unsubscribe_token(email_id: int) -> str:
    return signing.dumps(email_id, salt=SALT, compress=False)


def unsubscribe_url(email_id: int) -> str:
    """The public link for ``email_id`` (empty without ``MESSAGING_CALLBACK_BASE_URL``, the public base)."""
    base = settings.MESSAGING_CALLBACK_BASE_URL
    return f"{base}{reverse('email-unsubscribe', args=[unsubscribe_token(email_id)])}" if base else ""


def unsubscribe_address(token: str) -> EmailAddress | None:
    """The address a token names, or None for a token that is not ours (tampered, made up)."""
    try:
        email_id = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return EmailAddress.objects.filter(pk=email_id).first() if isinstance(email_id, int) else None


def unsubscribe_apply(address: EmailAddress) -> bool:
    """Opt ``address`` out of e-mail. Returns whether it was still opted in (a repeat changes nothing)."""
    was_in = not address.opted_out
    dnc_medium_opt_out_record(
        email=address.address, reason="unsubscribe link", source=DncEntry.Source.REPLY
    )
    return was_in
