"""A lean fake Slack Web API for the load benchmark: answers what the bot calls, timestamps each call."""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "xoxb-bench-token"
TEAM = "T0BENCH"
BOT_USER = "U0BOT"
BOT_ID = "B0BOT"
KNOWN_METHODS = frozenset(
    {
        *("auth.test", "chat.postMessage", "chat.update", "chat.postEphemeral", "conversations.info"),
        *("users.info", "conversations.replies", "reactions.add", "reactions.remove"),
    }
)


@dataclass(frozen=True)
class ApiCall:
    method: str
    body: dict[str, Any]
    at: float  # time.monotonic() when the fake received it
    ts: str | None = None  # the ts the fake gave a posted message


class FakeWebApi:
    """The Slack Web API as the bot sees it, on 127.0.0.1 and a free port.

    The test suite's richer tests/fakeslack.py is not installed with the package, so the benchmark (run by
    the console script from anywhere) carries this one: only the methods an @mention uses.
    """

    def __init__(self) -> None:
        self._calls: list[ApiCall] = []
        self._lock = threading.Condition()
        self._ts = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeWebApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def api_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    def calls(self, method: str | None = None) -> list[ApiCall]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def unknown(self) -> list[str]:
        """Methods the bot called that the fake does not answer (each a gap in the benchmark's fake)."""
        return sorted({c.method for c in self.calls() if c.method not in KNOWN_METHODS})

    def wait(self, method: str, count: int, timeout: float) -> bool:
        """Wait until `count` calls of `method` arrived; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while sum(c.method == method for c in self._calls) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(min(left, 0.1))
        return True

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        ts: str | None = None
        if method == "auth.test":
            result: dict[str, Any] = {"team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID, "team": "Bench"}
        elif method in ("chat.postMessage", "chat.update"):
            ts = body.get("ts") or f"{int(time.time())}.{next(self._ts):06d}"
            result = {"channel": body.get("channel"), "ts": ts, "message": {"ts": ts, "bot_id": BOT_ID}}
        elif method == "conversations.info":
            channel = str(body.get("channel"))
            result = {
                "channel": {
                    "id": channel,
                    "name": channel.lower(),
                    "is_channel": True,
                    "is_ext_shared": False,
                }
            }
        elif method == "users.info":
            result = {
                "user": {"id": body.get("user"), "team_id": TEAM, "name": str(body.get("user")).lower()}
            }
        elif method == "conversations.replies":
            result = {"messages": [], "has_more": False}
        elif method in ("reactions.add", "reactions.remove", "chat.postEphemeral"):
            result = {}
        else:
            result = {"ok": False, "error": "unknown_method"}
        with self._lock:
            self._calls.append(ApiCall(method, body, time.monotonic(), ts))
            self._lock.notify_all()
        return {"ok": True, **result} if "error" not in result else result

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                method = urllib.parse.urlsplit(self.path).path.removeprefix("/api/")
                if "json" in (self.headers.get("Content-Type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
                data = json.dumps(fake._answer(method, body)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
