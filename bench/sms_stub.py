"""A local stub of the Twilio-compatible Messages API for the benchmark's sender: ``python -m bench.sms_stub PORT LOG``.

HTTP/1.1 with keep-alive (the sender's sessions keep their connections) and no Nagle delay, a thread
per connection;
every accepted text is answered 201 with a new ``sid`` and appended to LOG as ``unix-time<TAB>To``,
so the benchmark can tell which numbers got a text when. Basic auth is checked as the provider
would (``SID`` and ``TOKEN`` below), and ``Idempotency-Key`` honoured: a key answered before gets the
same answer again and sends (logs) nothing."""

from __future__ import annotations

import base64
import itertools
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

SID = "ACbench0000000000000000000000000001"
TOKEN = "bench-stub-token"
PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"
AUTH = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # an answer in two writes must not wait for the client's delayed ACK
    ids = itertools.count(1)
    log: Any = None
    lock = threading.Lock()
    answered: dict[str, str] = {}  # the sid given, by idempotency key

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
        if self.path != PATH:
            return self._answer(404, {"code": 20404, "message": "The requested resource was not found"})
        if self.headers.get("Authorization") != AUTH:
            return self._answer(401, {"code": 20003, "message": "Authenticate"})
        to = form.get("To", [""])[0]
        key = self.headers.get("Idempotency-Key") or ""
        with self.lock:
            sid = self.answered.get(key, "") if key else ""
            if not sid:
                sid = f"SM{next(self.ids):032x}"
                self.log.write(f"{time.time():.6f}\t{to}\n")
                if key:
                    self.answered[key] = sid
        self._answer(201, {"sid": sid, "status": "queued", "to": to})


def main() -> None:
    port, log = int(sys.argv[1]), sys.argv[2]
    _Handler.log = open(log, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - for the server's life
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
