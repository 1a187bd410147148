"""Real servers on the loopback, on threads, for the providers to talk to: a small SMTP server and a stub
of the Twilio-compatible Messages API (``http.server``). Each records what it received. The API stub
honours ``Idempotency-Key``: a key it answered 201 before gets that answer again and sends nothing."""

from __future__ import annotations

import base64
import itertools
import json
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message as EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

SID = "AC00000000000000000000000000000001"
TOKEN = "stub-auth-token"


@dataclass
class Received:
    """One e-mail the SMTP server accepted."""

    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data)


@dataclass
class SmtpServer:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    # Replies to RCPT TO, in turn (then 250 for ever): "451 ..." makes a transient refusal.
    rcpt_replies: list[str] = field(default_factory=list)


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Enough of RFC 5321 for smtplib: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    server: Any

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        state: SmtpServer = self.server.state
        sender, recipients = "", []
        self.reply("220 stub ESMTP ready")
        while raw := self.rfile.readline():
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-stub greets you" if verb == "EHLO" else "250 stub")
                if verb == "EHLO":
                    self.reply("250 8BITMIME")
            elif verb == "MAIL":
                sender, recipients = line.split(":", 1)[1].strip().strip("<>").split(">")[0], []
                self.reply("250 OK")
            elif verb == "RCPT":
                answer = state.rcpt_replies.pop(0) if state.rcpt_replies else "250 OK"
                if answer.startswith("250"):
                    recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                self.reply(answer)
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                chunks = []
                while (data := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    chunks.append(data[1:] if data.startswith(b"..") else data)
                state.received.append(Received(sender=sender, recipients=recipients, data=b"".join(chunks)))
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            else:
                self.reply("502 Command not implemented")


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.daemon_threads = True
    state = SmtpServer(host="127.0.0.1", port=server.server_address[1])
    server.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SmsApi:
    """The stub's state: the texts it took (form fields), and the answers to give, in turn."""

    url: str
    posts: list[dict[str, str]] = field(default_factory=list)
    # Status codes to answer, in turn (then 201 for ever).
    answers: list[int] = field(default_factory=list)
    # Seconds to wait before answering (a slow provider); ``arrived`` is set when a text comes in.
    delay: float = 0.0
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # The answers already given, by ``Idempotency-Key``: a repeated key is answered the same, sending nothing.
    answered: dict[str, dict[str, Any]] = field(default_factory=dict)
    replays: list[dict[str, str]] = field(default_factory=list)
    # Close each connection after its answer without saying so (a kept-alive connection that timed out).
    hang_up: bool = False

    @property
    def accepted(self) -> list[dict[str, str]]:
        return [post for post in self.posts if post["_status"] == "201"]


class _SmsHandler(BaseHTTPRequestHandler):
    server: Any
    _ids = itertools.count(1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _json(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self) -> None:
        state: SmsApi = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        if self.path != f"/2010-04-01/Accounts/{SID}/Messages.json":
            return self._json(404, {"code": 20404, "message": "The requested resource was not found"})
        if self.headers.get("Authorization") != expected:
            return self._json(401, {"code": 20003, "message": "Authenticate"})
        key = self.headers.get("Idempotency-Key") or ""
        with state.lock:
            if key and key in state.answered:  # the text was taken already: the same answer, nothing sent
                state.replays.append({**form, "_key": key})
                return self._json(201, state.answered[key])
            status = state.answers.pop(0) if state.answers else 201
            state.posts.append(
                {**form, "_status": str(status), "_key": key, "_at": str(time.monotonic()), "_wall": str(time.time())}
            )
            if status == 201:
                answer = {"sid": f"SM{next(self._ids):032x}", "status": "queued", "to": form.get("To"), "body": form.get("Body")}
                if key:
                    state.answered[key] = answer
        state.arrived.set()
        if state.delay:
            time.sleep(state.delay)
        self.close_connection = state.hang_up
        if status != 201:
            return self._json(status, {"code": 20500, "message": "Internal Server Error"})
        self._json(201, answer)


@contextmanager
def sms_api() -> Iterator[SmsApi]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SmsHandler)
    server.daemon_threads = True
    state = SmsApi(url=f"http://127.0.0.1:{server.server_address[1]}")
    server.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
