"""The providers that carry messages out, behind one interface, chosen in settings like Django's e-mail backends.

``MESSAGING_SMS_PROVIDER`` and ``MESSAGING_EMAIL_PROVIDER`` name a class (dotted path); ``provider_for``
makes one. A provider has a ``name`` (kept on each message it carried), a ``rate_per_second`` and
``send(outgoing) -> SendResult``; it raises ``ProviderError`` when the message did not go, saying
whether trying again may help (``transient``). ``provider_send_many`` hands a provider a batch: the
provider's own ``send_many`` when it has one (the HTTP provider's concurrent calls), else one by one. A provider whose platform calls back (delivery
statuses, replies) checks those calls with ``callback_valid``.

- ``ConsoleProvider``: prints each message (the demo's default).
- ``FileProvider``: appends one JSON line per message to ``MESSAGING_FILE_PATH`` (demo, tests).
- ``DjangoEmailProvider``: e-mail through Django's mail (SMTP with ``EMAIL_HOST``...).
- ``TwilioSmsProvider``: texts through a Twilio-compatible HTTP API, with its signed callbacks
  (``X-Twilio-Signature``: HMAC-SHA1 of the URL and the sorted parameters under the auth token).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import smtplib
import sys
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import make_msgid
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Outgoing:
    """One message as a provider sees it."""

    message_id: int
    channel: str  # "sms" or "email"
    to: str  # E.164 number or e-mail address
    body: str
    subject: str = ""
    status_callback: str = ""  # where the provider reports the delivery status (empty: nowhere)
    unsubscribe_url: str = ""  # an e-mail's one-click unsubscribe link (empty: none)
    idempotency_key: str = ""  # the same on every try of the message: a provider that honours it sends it once


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str


class ProviderError(Exception):
    """The provider did not take the message. ``transient``: a later try may succeed (5xx, 429, the
    network); otherwise (a refused number or address) trying again cannot help."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


class MessageProvider(Protocol):
    name: str
    rate_per_second: int

    def send(self, outgoing: Outgoing) -> SendResult: ...


def provider_send_many(provider: MessageProvider, outgoings: Sequence[Outgoing]) -> list[SendResult | ProviderError]:
    """Each message's result, in order: its ``SendResult``, or the ``ProviderError`` that kept it back."""
    many = getattr(provider, "send_many", None)
    if many is not None:
        results: list[SendResult | ProviderError] = many(outgoings)
        return results
    return [_send_one(provider, outgoing) for outgoing in outgoings]


def _send_one(provider: MessageProvider, outgoing: Outgoing) -> SendResult | ProviderError:
    try:
        return provider.send(outgoing)
    except ProviderError as exc:
        return exc


class CallbackProvider(MessageProvider, Protocol):
    def callback_valid(self, *, url: str, params: Mapping[str, Iterable[str]], signature: str) -> bool: ...


def _rate(channel: str) -> int:
    return int(
        settings.MESSAGING_SMS_RATE_PER_SECOND
        if channel == "sms"
        else settings.MESSAGING_EMAIL_RATE_PER_SECOND
    )


def provider_for(channel: str) -> MessageProvider:
    """The provider the settings name for ``channel`` ("sms" or "email")."""
    path = settings.MESSAGING_SMS_PROVIDER if channel == "sms" else settings.MESSAGING_EMAIL_PROVIDER
    provider: MessageProvider = import_string(path)(channel=channel)
    return provider


class ConsoleProvider:
    """Writes each message to standard output."""

    name = "console"

    def __init__(self, *, channel: str, stream: Any = None) -> None:
        self.rate_per_second = _rate(channel)
        self.stream = stream or sys.stdout

    def send(self, outgoing: Outgoing) -> SendResult:
        provider_id = f"console-{uuid.uuid4().hex}"
        subject = f"Subject: {outgoing.subject}\n" if outgoing.subject else ""
        self.stream.write(
            f"[{outgoing.channel} {provider_id}] To: {outgoing.to}\n{subject}{outgoing.body}\n\n"
        )
        self.stream.flush()
        return SendResult(provider_message_id=provider_id)


class FileProvider:
    """Appends each message as one JSON line to ``MESSAGING_FILE_PATH`` (created with its folder)."""

    name = "file"

    def __init__(self, *, channel: str, path: str | None = None) -> None:
        self.rate_per_second = _rate(channel)
        self.path = Path(path or settings.MESSAGING_FILE_PATH)

    def send(self, outgoing: Outgoing) -> SendResult:
        provider_id = f"file-{uuid.uuid4().hex}"
        line = {
            "provider_message_id": provider_id,
            "message_id": outgoing.message_id,
            "channel": outgoing.channel,
            "to": outgoing.to,
            "subject": outgoing.subject,
            "body": outgoing.body,
            "at": timezone.now().isoformat(),
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise ProviderError(f"file: {exc}", transient=True) from exc
        return SendResult(provider_message_id=provider_id)


class DjangoEmailProvider:
    """E-mail through Django's mail: ``MESSAGING_EMAIL_BACKEND`` (default ``EMAIL_BACKEND``), from
    ``MESSAGING_EMAIL_FROM`` (default ``DEFAULT_FROM_EMAIL``). The provider's id is the Message-ID."""

    name = "email"

    def __init__(self, *, channel: str) -> None:
        self.rate_per_second = _rate(channel)

    def send(self, outgoing: Outgoing) -> SendResult:
        sender = settings.MESSAGING_EMAIL_FROM or settings.DEFAULT_FROM_EMAIL
        message_id = make_msgid(idstring=f"cw{outgoing.message_id}", domain=sender.rpartition("@")[2] or None)
        email = EmailMessage(
            subject=outgoing.subject,
            body=outgoing.body,
            from_email=sender,
            to=[outgoing.to],
            headers={
                "Message-ID": message_id,
                **(
                    {"List-Unsubscribe": f"<{outgoing.unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
                    if outgoing.unsubscribe_url
                    else {}
                ),
            },
            connection=get_connection(
                backend=settings.MESSAGING_EMAIL_BACKEND or None,
                fail_silently=False,
                timeout=settings.MESSAGING_PROVIDER_TIMEOUT_SECONDS,
            ),
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            raise ProviderError(
                f"smtp: recipient refused {codes}", transient=all(400 <= c < 500 for c in codes)
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise ProviderError(
                f"smtp: {exc.smtp_code} {exc.smtp_error!r}", transient=exc.smtp_code < 500
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ProviderError(f"smtp: {exc.__class__.__name__}: {exc}", transient=True) from exc
        return SendResult(provider_message_id=message_id.strip("<>")[:64])


def twilio_signature(*, token: str, url: str, params: Mapping[str, Iterable[str]]) -> str:
    """The ``X-Twilio-Signature`` of a callback: base64 HMAC-SHA1, keyed with the auth token, of the
    full URL followed by each parameter's name and value, sorted by name (values of one name sorted)."""
    text = url + "".join(name + value for name in sorted(params) for value in sorted(params[name]))
    digest = hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


_http = threading.local()
_pool_lock = threading.Lock()
_pools: dict[int, ThreadPoolExecutor] = {}
# A kept-alive connection the server closed between two messages fails the next request at once:
# the request goes again, once, on a new connection (safe: it carries the message's idempotency key).
_STALE = (http.client.RemoteDisconnected, http.client.BadStatusLine, ConnectionResetError, BrokenPipeError)


def _pool(size: int) -> ThreadPoolExecutor:
    """The process's threads for concurrent provider calls (made on first use: after a worker's fork)."""
    with _pool_lock:
        pool = _pools.get(size)
        if pool is None:
            pool = _pools[size] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="sms-send")
        return pool


def http_post(url: str, *, body: bytes, headers: Mapping[str, str], timeout: float) -> tuple[int, bytes]:
    """POST ``body`` to ``url`` over this thread's kept-alive connection to its host (made on first
    use; HTTPS verified against the system's CAs): the answer's status and body. Raises ``OSError`` or
    ``http.client.HTTPException`` when the provider could not be reached or did not answer.

    The standard library's client, not ``requests``: a text is one small request, and ``requests``'
    own work per call (session, hooks, adapter, cookies) cost more CPU than the rest of the sender.
    It does not read the ``*_PROXY`` variables: the provider is reached directly."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connections: dict[tuple[str, str], http.client.HTTPConnection] = _http.__dict__.setdefault("connections", {})
    key = (parts.scheme, parts.netloc)
    while True:
        connection = connections.get(key)
        reused = connection is not None
        if connection is None:
            make = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            connection = connections[key] = make(parts.hostname or "", parts.port, timeout=timeout)
        try:
            connection.request("POST", target, body=body, headers=dict(headers))
            response = connection.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            del connections[key]
            if reused and isinstance(exc, _STALE):
                continue
            raise
        if response.will_close:
            connection.close()
            del connections[key]
        return response.status, answer


class TwilioSmsProvider:
    """Texts through a Twilio-compatible API: ``POST {MESSAGING_SMS_API_URL}/2010-04-01/Accounts/{sid}/
    Messages.json`` with ``To``, ``From`` (or ``MessagingServiceSid``), ``Body`` and ``StatusCallback``,
    under basic auth (account SID, auth token); 201 answers the message's ``sid``.

    Each request carries the message's ``Idempotency-Key`` (``Outgoing.idempotency_key``, the same on
    every try): a provider that honours it answers a repeated key with the text it took already, so a
    worker that died after the provider's answer and before the sent status was saved does not text
    the borrower twice when the message is tried again."""

    def __init__(self, *, channel: str) -> None:
        self.rate_per_second = _rate(channel)
        self.name: str = settings.MESSAGING_SMS_INTEGRATION
        self.base_url = settings.MESSAGING_SMS_API_URL.rstrip("/")
        self.account_sid = settings.MESSAGING_SMS_ACCOUNT_SID
        self.auth_token = settings.MESSAGING_SMS_AUTH_TOKEN
        self.sender = settings.MESSAGING_SMS_FROM
        self.timeout = settings.MESSAGING_PROVIDER_TIMEOUT_SECONDS
        self.concurrency = max(1, int(settings.MESSAGING_SMS_CONCURRENCY))
        self.url = f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        self.authorization = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()

    def send_many(self, outgoings: Sequence[Outgoing]) -> list[SendResult | ProviderError]:
        """The batch's texts, ``MESSAGING_SMS_CONCURRENCY`` at a time, each thread over its kept-alive connection."""
        if self.concurrency == 1 or len(outgoings) <= 1:
            return [_send_one(self, outgoing) for outgoing in outgoings]
        return list(_pool(self.concurrency).map(lambda outgoing: _send_one(self, outgoing), outgoings))

    def send(self, outgoing: Outgoing) -> SendResult:
        if not (self.account_sid and self.auth_token and self.sender):
            raise ProviderError("twilio: account SID, auth token and sender must be set", transient=False)
        form = {"To": outgoing.to, "Body": outgoing.body}
        form["MessagingServiceSid" if self.sender.startswith("MG") else "From"] = self.sender
        if outgoing.status_callback:
            form["StatusCallback"] = outgoing.status_callback
        headers = {
            "Authorization": self.authorization,
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        if outgoing.idempotency_key:
            headers["Idempotency-Key"] = outgoing.idempotency_key
        try:
            status, raw = http_post(self.url, body=urlencode(form).encode(), headers=headers, timeout=self.timeout)
        except (OSError, http.client.HTTPException) as exc:
            raise ProviderError(f"twilio: {exc.__class__.__name__}", transient=True) from exc
        try:
            answer: Any = json.loads(raw)
        except ValueError:
            answer = None
        if status in (200, 201):
            sid = answer.get("sid") if isinstance(answer, dict) else None
            if not sid:
                raise ProviderError("twilio: the answer has no message sid", transient=True)
            return SendResult(provider_message_id=str(sid)[:64])
        detail = f" {answer.get('code', '')} {answer.get('message', '')}".rstrip() if isinstance(answer, dict) else ""
        transient = status == 429 or status >= 500
        raise ProviderError(f"twilio: HTTP {status}{detail}"[:255], transient=transient)

    def callback_valid(self, *, url: str, params: Mapping[str, Iterable[str]], signature: str) -> bool:
        if not self.auth_token or not signature:
            return False
        expected = twilio_signature(token=self.auth_token, url=url, params=params)
        return hmac.compare_digest(expected, signature)
