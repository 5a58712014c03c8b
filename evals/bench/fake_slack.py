"""The one fake Slack, for the tests and the Slack benchmark: a stdlib Web API server on an ephemeral
loopback port, and a signed sender.

It lives in `evals` (installed with the package) so the benchmark, run by the console script from anywhere,
uses the same fake as the test suite (tests/fakeslack.py re-exports it and adds the bot harness).

`FakeSlack` answers the Web API methods the bot uses over real HTTP (so `WebClient(base_url=...)` talks to
it exactly as to Slack), records the method and parsed body of every call, keeps the messages posted
so `conversations.replies` returns a real thread, serves file downloads (bearer token checked) and the
external upload flow, and answers `unknown_method` to anything else while recording it.
`SignedSender` POSTs really signed Events API, slash-command and interactivity requests to an endpoint.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOME_TEAM = "T0HOME"
BOT_USER = "U0BOT"
BOT_ID = "B0BOT"
TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"

# Fields that slack_sdk sends JSON-encoded inside form bodies.
_JSON_FIELDS = ("blocks", "attachments", "files", "view", "metadata", "chunks", "prompts", "loading_messages")


class _ApiError(Exception):
    """Raised by a Web API method of the fake to answer {"ok": false, "error": ...}."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # bursts of concurrent calls must queue, not be reset


@dataclass
class Call:
    """One Web API call (or file request) as the fake received it."""

    method: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float
    outcome: str = "ok"  # "ok", "ratelimited", or the error the fake answered
    ts: str | None = None  # the ts of the message the call posted or updated


@dataclass
class _State:
    calls: list[Call] = field(default_factory=list)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> messages
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # file id -> file object
    file_contents: dict[str, bytes] = field(default_factory=dict)  # file id -> bytes
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)  # upload id -> {filename, data}
    rate_limit: dict[str, int] = field(default_factory=dict)  # method -> Retry-After seconds (once)
    failures: dict[str, str] = field(default_factory=dict)  # method -> error (always)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # method -> fixed ok answer
    redirects: dict[str, str] = field(default_factory=dict)  # file id -> Location of a 302
    trickles: dict[str, float] = field(default_factory=dict)  # file id -> seconds between bytes


class FakeSlack:
    """The Slack Web API as the bot sees it, on 127.0.0.1 and an ephemeral port."""

    def __init__(
        self,
        *,
        team_id: str = HOME_TEAM,
        bot_user: str = BOT_USER,
        token: str = TOKEN,
        enterprise_id: str | None = None,
    ) -> None:
        self.team_id = team_id
        self.enterprise_id = enterprise_id
        self.trickle_released = threading.Event()  # set: a trickling download sends the rest at once
        self.bot_user = bot_user
        self.token = token
        self._state = _State()
        self._lock = threading.Condition()
        self._ts = itertools.count(1)
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.trickle_released.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        """The Web API base URL to give `WebClient(base_url=...)` (ends with a slash)."""
        return f"{self.root}/api/"

    # -- configuration -----------------------------------------------------------------------------

    def set_channel(self, channel_id: str, **info: Any) -> None:
        """What conversations.info reports for a channel (id and name are filled in)."""
        with self._lock:
            self._state.channels[channel_id] = {"id": channel_id, "name": channel_id.lower(), **info}

    def set_user(self, user_id: str, **info: Any) -> None:
        """What users.info reports for a user (a full member of the home team unless told otherwise)."""
        with self._lock:
            self._state.users[user_id] = {
                "id": user_id,
                "team_id": self.team_id,
                "name": user_id.lower(),
                **info,
            }

    def add_message(self, channel: str, *, user: str, text: str, thread_ts: str | None = None) -> str:
        """Record a message a person posted (so it shows in conversations.replies); returns its ts."""
        ts = self.next_ts()
        message: dict[str, Any] = {"type": "message", "user": user, "text": text, "ts": ts}
        if thread_ts:
            message["thread_ts"] = thread_ts
        with self._lock:
            self._state.messages.setdefault(channel, []).append(message)
        return ts

    def add_file(self, file_id: str, name: str, content: bytes, *, filetype: str = "") -> dict[str, Any]:
        """A file a user shared; returns the file object as Slack puts it in a message event."""
        obj = {
            "id": file_id,
            "name": name,
            "title": name,
            "filetype": filetype or name.rsplit(".", 1)[-1],
            "size": len(content),
            "url_private": f"{self.root}/files-pri/{file_id}/{urllib.parse.quote(name)}",
            "url_private_download": f"{self.root}/files-pri/{file_id}/download/{urllib.parse.quote(name)}",
        }
        with self._lock:
            self._state.files[file_id] = obj
            self._state.file_contents[file_id] = content
        return dict(obj)

    def redirect_file(self, file_id: str, location: str) -> None:
        """Answer downloads of a file with 302 to `location` (as a CDN or a hostile server would)."""
        with self._lock:
            self._state.redirects[file_id] = location

    def trickle_file(self, file_id: str, seconds_per_byte: float) -> None:
        """Serve a file one byte at a time (until `trickle_released` is set or the bytes run out)."""
        with self._lock:
            self._state.trickles[file_id] = seconds_per_byte

    def answer_with(self, method: str, **payload: Any) -> None:
        """Answer every call of `method` with {"ok": true, **payload} (e.g. ok without its object)."""
        with self._lock:
            self._state.answers[method] = payload

    def rate_limit_once(self, method: str, retry_after: int = 1) -> None:
        """Answer the next call of `method` with HTTP 429 and Retry-After."""
        with self._lock:
            self._state.rate_limit[method] = retry_after

    def fail(self, method: str, error: str) -> None:
        """Answer every call of `method` with {"ok": false, "error": error}."""
        with self._lock:
            self._state.failures[method] = error

    def next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    # -- inspection --------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._state.calls)

    def calls_to(self, method: str, *, include_failed: bool = False) -> list[Call]:
        """Calls of `method` that were answered ok (or all of them, with include_failed)."""
        return [c for c in self.calls if c.method == method and (include_failed or c.outcome == "ok")]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    def unexpected(self) -> list[Call]:
        """Calls the fake did not know how to answer."""
        return [c for c in self.calls if c.method.startswith("unknown:")]

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The messages of a thread as Slack would hold them now (parent first)."""
        with self._lock:
            msgs = self._state.messages.get(channel, [])
            return [dict(m) for m in msgs if m["ts"] == thread_ts or m.get("thread_ts") == thread_ts]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Every message of a channel, threads included, in posting order."""
        with self._lock:
            return [dict(m) for m in self._state.messages.get(channel, [])]

    def uploaded(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {k: dict(v) for k, v in self._state.uploads.items()}

    def wait_for(
        self, predicate: Callable[[list[Call]], bool], *, timeout: float = 15.0, what: str = "calls"
    ) -> list[Call]:
        """Block until `predicate(calls)` holds; fail the test with the calls seen if it never does."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate(list(self._state.calls)):
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, _short(c.body)) for c in self._state.calls]
                    raise AssertionError(f"timed out waiting for {what}; calls seen: {seen}")
                self._lock.wait(min(left, 0.05))
            return list(self._state.calls)

    def count_within(self, method: str, count: int, timeout: float) -> bool:
        """Wait until `count` ok calls of `method` arrived; False on timeout (for the benchmark)."""
        try:
            self.wait_for_method(method, count, timeout=timeout)
        except AssertionError:
            return False
        return True

    def unknown_methods(self) -> list[str]:
        """The methods called that the fake does not answer (each a gap in the fake)."""
        return sorted({c.method.removeprefix("unknown:") for c in self.unexpected()})

    def wait_for_method(self, method: str, count: int = 1, *, timeout: float = 15.0) -> list[Call]:
        self.wait_for(
            lambda cs: sum(c.method == method and c.outcome == "ok" for c in cs) >= count,
            timeout=timeout,
            what=f"{count} x {method}",
        )
        return self.calls_to(method)

    # -- the server --------------------------------------------------------------------------------

    def _record(
        self,
        method: str,
        body: dict[str, Any],
        headers: dict[str, str],
        outcome: str = "ok",
        ts: str | None = None,
    ) -> None:
        with self._lock:
            self._state.calls.append(Call(method, body, headers, time.monotonic(), outcome, ts))
            self._lock.notify_all()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._serve_file(self)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                path = urllib.parse.urlsplit(self.path).path
                if path.startswith("/api/"):
                    fake._serve_api(self, path.removeprefix("/api/"), raw)
                elif path.startswith("/upload/"):
                    fake._serve_upload(self, path.removeprefix("/upload/"), raw)
                elif path.startswith("/response/"):
                    fake._record("response_url", _parse_body(self.headers, raw), dict(self.headers))
                    _send(self, 200, b"ok", "text/plain")
                else:
                    fake._record(f"unknown:{path}", _parse_body(self.headers, raw), dict(self.headers))
                    _send(self, 404, b"not found", "text/plain")

        return Handler

    def _serve_api(self, handler: BaseHTTPRequestHandler, method: str, raw: bytes) -> None:
        body = _parse_body(handler.headers, raw)
        headers = dict(handler.headers)
        with self._lock:
            retry_after = self._state.rate_limit.pop(method, None)
            failure = self._state.failures.get(method)
        answer = getattr(self, "_m_" + method.replace(".", "_"), None)
        if answer is None:
            self._record(f"unknown:{method}", body, headers, "unknown_method")
            _send_json(handler, 200, {"ok": False, "error": "unknown_method"})
            return
        if retry_after is not None:
            self._record(method, body, headers, "ratelimited")
            _send_json(handler, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
            return
        token = APP_TOKEN if method == "apps.connections.open" else self.token
        if handler.headers.get("Authorization") != f"Bearer {token}":
            failure = "invalid_auth"
        if failure is not None:
            self._record(method, body, headers, failure)
            _send_json(handler, 200, {"ok": False, "error": failure})
            return
        with self._lock:
            fixed = self._state.answers.get(method)
        try:
            result = answer(body) if fixed is None else dict(fixed)
        except _ApiError as e:
            self._record(method, body, headers, e.error)
            _send_json(handler, 200, {"ok": False, "error": e.error})
            return
        ts = result.get("ts")
        self._record(method, body, headers, ts=str(ts) if ts else None)
        _send_json(handler, 200, {"ok": True, **result})

    def _serve_file(self, handler: BaseHTTPRequestHandler) -> None:
        path = urllib.parse.urlsplit(handler.path).path
        parts = path.strip("/").split("/")
        self._record("file_download", {"path": path}, dict(handler.headers))
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            # Slack answers an unauthenticated url_private fetch with its login page, not the file.
            _send(handler, 200, b"<html>sign in</html>", "text/html")
            return
        file_id = parts[1] if len(parts) > 1 else ""
        with self._lock:
            content = self._state.file_contents.get(file_id)
            location = self._state.redirects.get(file_id)
            trickle = self._state.trickles.get(file_id)
        if location is not None:
            handler.send_response(302)
            handler.send_header("Location", location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        if parts[0] != "files-pri" or content is None:
            _send(handler, 404, b"not found", "text/plain")
            return
        if trickle is not None:
            self._trickle(handler, content, trickle)
            return
        _send(handler, 200, content, "application/octet-stream")

    def _trickle(self, handler: BaseHTTPRequestHandler, content: bytes, seconds_per_byte: float) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        try:
            for i in range(len(content)):  # bounded by the file's size
                if self.trickle_released.is_set():
                    handler.wfile.write(content[i:])
                    break
                handler.wfile.write(content[i : i + 1])
                handler.wfile.flush()
                self.trickle_released.wait(seconds_per_byte)
            self._record("file_trickled", {"size": len(content)}, {})
        except OSError:  # the bot gave up and closed the connection
            self._record("file_trickle_abandoned", {"size": len(content)}, {})
            handler.close_connection = True

    def _serve_upload(self, handler: BaseHTTPRequestHandler, upload_id: str, raw: bytes) -> None:
        with self._lock:
            known = upload_id in self._state.uploads
            if known:
                self._state.uploads[upload_id]["data"] = raw
        self._record("file_upload", {"upload_id": upload_id, "size": len(raw)}, dict(handler.headers))
        _send(handler, 200 if known else 404, b"OK - 1" if known else b"not found", "text/plain")

    # -- Web API methods ---------------------------------------------------------------------------

    def _m_auth_test(self, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://fake.slack.test/",
            "team": "Home",
            "user": "deal",
            "team_id": self.team_id,
            "user_id": self.bot_user,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
            **({"enterprise_id": self.enterprise_id} if self.enterprise_id else {}),
        }

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        ts = self.next_ts()
        message = {
            "type": "message",
            "user": self.bot_user,
            "bot_id": BOT_ID,
            "text": body.get("text", ""),
            "blocks": body.get("blocks") or [],
            "ts": ts,
        }
        if body.get("thread_ts"):
            message["thread_ts"] = body["thread_ts"]
        with self._lock:
            self._state.messages.setdefault(str(body.get("channel")), []).append(message)
        return {"channel": body.get("channel"), "ts": ts, "message": message}

    def _m_chat_postMessage(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._post(body)

    def _m_chat_update(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            for m in self._state.messages.get(str(body.get("channel")), []):
                if m["ts"] == body.get("ts"):
                    m["text"] = body.get("text", m["text"])
                    m["blocks"] = body.get("blocks") or []
                    m["streaming"] = False
        return {"channel": body.get("channel"), "ts": body.get("ts"), "text": body.get("text", "")}

    def _m_chat_startStream(self, body: dict[str, Any]) -> dict[str, Any]:
        """A streamed message begins (in a thread, as Slack requires); its text grows with each append."""
        if not body.get("thread_ts"):
            raise _ApiError("invalid_arguments")
        if not str(body.get("channel", "")).startswith("D") and not body.get("recipient_user_id"):
            raise _ApiError("missing_recipient_user_id")
        ts = self.next_ts()
        message = {
            "type": "message",
            "user": self.bot_user,
            "bot_id": BOT_ID,
            "text": _stream_text(body),
            "blocks": [],
            "ts": ts,
            "thread_ts": body["thread_ts"],
            "streaming": True,
        }
        with self._lock:
            self._state.messages.setdefault(str(body.get("channel")), []).append(message)
        return {"channel": body.get("channel"), "ts": ts}

    def _streaming(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            for m in self._state.messages.get(str(body.get("channel")), []):
                if m["ts"] == body.get("ts"):
                    if not m.get("streaming"):
                        raise _ApiError("message_not_in_streaming_state")
                    m["text"] += _stream_text(body)
                    return m
        raise _ApiError("message_not_found")

    def _m_chat_appendStream(self, body: dict[str, Any]) -> dict[str, Any]:
        self._streaming(body)
        return {"channel": body.get("channel"), "ts": body.get("ts")}

    def _m_chat_stopStream(self, body: dict[str, Any]) -> dict[str, Any]:
        message = self._streaming(body)
        with self._lock:
            message["streaming"] = False
            message["blocks"] = list(message.get("blocks") or []) + list(body.get("blocks") or [])
        return {"channel": body.get("channel"), "ts": body.get("ts"), "message": dict(message)}

    def _m_assistant_threads_setStatus(self, body: dict[str, Any]) -> dict[str, Any]:
        if not str(body.get("channel_id", "")).startswith("D") or not body.get("thread_ts"):
            raise _ApiError("invalid_arguments")  # status exists only in the bot's assistant threads (DMs)
        return {}

    def _m_assistant_threads_setSuggestedPrompts(self, body: dict[str, Any]) -> dict[str, Any]:
        prompts = body.get("prompts") or []
        if (
            not prompts
            or len(prompts) > 4
            or any(not p.get("title") or not p.get("message") for p in prompts)
        ):
            raise _ApiError("invalid_arguments")
        return {}

    def _m_assistant_threads_setTitle(self, body: dict[str, Any]) -> dict[str, Any]:
        return {}

    def _m_views_publish(self, body: dict[str, Any]) -> dict[str, Any]:
        view = body.get("view") or {}
        if view.get("type") != "home" or not body.get("user_id"):
            raise _ApiError("invalid_arguments")
        return {"view": {"id": "VHOME" + str(body.get("user_id")), **view}}

    def _m_chat_postEphemeral(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": self.next_ts()}

    def _m_reactions_add(self, body: dict[str, Any]) -> dict[str, Any]:
        return {}

    def _m_reactions_remove(self, body: dict[str, Any]) -> dict[str, Any]:
        return {}

    def _m_conversations_replies(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"messages": self.thread(str(body.get("channel")), str(body.get("ts"))), "has_more": False}

    def _m_conversations_info(self, body: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(body.get("channel"))
        with self._lock:
            info = self._state.channels.get(channel_id)
        if info is None:
            info = {"id": channel_id, "name": channel_id.lower(), "is_channel": True, "is_ext_shared": False}
        return {"channel": info}

    def _m_users_info(self, body: dict[str, Any]) -> dict[str, Any]:
        user_id = str(body.get("user"))
        with self._lock:
            info = self._state.users.get(user_id)
        return {"user": info or {"id": user_id, "team_id": self.team_id, "name": user_id.lower()}}

    def _m_apps_connections_open(self, body: dict[str, Any]) -> dict[str, Any]:
        # Socket Mode's first step; the fake speaks no WebSocket, so nothing listens at this URL.
        return {"url": f"ws://{self.root.removeprefix('http://')}/link/"}

    def _m_views_open(self, body: dict[str, Any]) -> dict[str, Any]:
        view = body.get("view") or {}
        return {"view": {"id": "V" + self.next_ts().replace(".", ""), **view}}

    def _m_views_update(self, body: dict[str, Any]) -> dict[str, Any]:
        view = body.get("view") or {}
        return {"view": {"id": body.get("view_id") or "V0", **view}}

    def _m_files_info(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            obj = self._state.files.get(str(body.get("file")))
        if obj is None:
            raise _ApiError("file_not_found")
        return {"file": obj}

    def _m_files_getUploadURLExternal(self, body: dict[str, Any]) -> dict[str, Any]:
        upload_id = "F" + self.next_ts().replace(".", "")
        with self._lock:
            self._state.uploads[upload_id] = {"filename": body.get("filename"), "data": b""}
        return {"upload_url": f"{self.root}/upload/{upload_id}", "file_id": upload_id}

    def _m_files_completeUploadExternal(self, body: dict[str, Any]) -> dict[str, Any]:
        files = body.get("files") or []
        with self._lock:
            for f in files:
                if f.get("id") in self._state.uploads:
                    self._state.uploads[f["id"]].update(
                        title=f.get("title"),
                        channel=body.get("channel_id"),
                        thread_ts=body.get("thread_ts"),
                        initial_comment=body.get("initial_comment"),
                    )
        return {"files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}


# -- inbound: really signed requests to the bot ------------------------------------------------------


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack adds to a request: timestamp and v0 HMAC-SHA256 signature of the body."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Reply:
    status: int
    body: str


class SignedSender:
    """Sends Events API, slash-command and interactivity requests to a bot endpoint, signed like Slack."""

    def __init__(self, url: str, secret: str, *, team_id: str = HOME_TEAM, response_root: str = "") -> None:
        self.url = url
        self.secret = secret
        self.team_id = team_id
        self.response_root = response_root
        self._ids = itertools.count(1)

    def post(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> Reply:
        request = urllib.request.Request(self.url, data=body.encode(), method="POST")
        request.add_header("Content-Type", content_type)
        for k, v in (headers if headers is not None else sign(self.secret, body)).items():
            request.add_header(k, v)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, response.read().decode())
        except urllib.error.HTTPError as e:
            return Reply(e.code, e.read().decode())

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None
    ) -> tuple[Reply, str]:
        """Deliver one Events API event callback; returns the reply and the event id used."""
        event_id = event_id or f"Ev{next(self._ids):08d}"
        envelope = {
            "token": "legacy",
            "team_id": self.team_id,
            "api_app_id": "A0APP",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": self.team_id, "user_id": BOT_USER, "is_bot": True, "is_enterprise_install": False}
            ],
        }
        body = json.dumps(envelope)
        headers = sign(self.secret, body)
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        return self.post(body, "application/json", headers), event_id

    def command(self, text: str, *, channel: str, user: str, command: str = "/deal", **extra: str) -> Reply:
        n = next(self._ids)
        fields = {
            "token": "legacy",
            "team_id": self.team_id,
            "channel_id": channel,
            "channel_name": channel.lower(),
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0APP",
            "response_url": f"{self.response_root}/response/{n}",
            "trigger_id": f"trigger-{n}",
            **extra,
        }
        return self.post(urllib.parse.urlencode(fields), "application/x-www-form-urlencoded")

    def interaction(self, payload: dict[str, Any]) -> Reply:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded")

    def click(self, message: dict[str, Any], action_id: str, *, channel: str, user: str) -> Reply:
        """Click the button `action_id` in a message the bot posted (as the fake holds it)."""
        button = find_button(message, action_id)
        n = next(self._ids)
        payload = {
            "type": "block_actions",
            "team": {"id": self.team_id},
            "user": {"id": user, "team_id": self.team_id},
            "api_app_id": "A0APP",
            "trigger_id": f"trigger-{n}",
            "container": {"type": "message", "channel_id": channel, "message_ts": message["ts"]},
            "channel": {"id": channel},
            "message": message,
            "response_url": f"{self.response_root}/response/{n}",
            "actions": [
                {
                    "type": button.get("type", "button"),
                    "action_id": button["action_id"],
                    "block_id": button.get("block_id", "b"),
                    "value": button.get("value", ""),
                    "action_ts": str(time.time()),
                }
            ],
        }
        return self.interaction(payload)

    def submit_view(self, view: dict[str, Any], values: dict[str, Any], *, user: str) -> Reply:
        payload = {
            "type": "view_submission",
            "team": {"id": self.team_id},
            "user": {"id": user, "team_id": self.team_id},
            "api_app_id": "A0APP",
            "view": {**view, "state": {"values": values}},
        }
        return self.interaction(payload)


FEEDBACK_SIDES = {"feedback_up": "positive_button", "feedback_down": "negative_button"}


def find_button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    """A button of the message as Slack reports its click: "feedback_up" / "feedback_down" name the two
    sides of a native feedback_buttons element (the click carries that side's value)."""
    for block in message.get("blocks") or []:
        kind = block.get("type")
        for element in block.get("elements", []) if kind in ("actions", "context_actions") else []:
            if element.get("action_id") == action_id:
                return {**element, "block_id": block.get("block_id", "b")}
            if element.get("type") == "feedback_buttons" and action_id in FEEDBACK_SIDES:
                side = element[FEEDBACK_SIDES[action_id]]
                return {
                    "type": "feedback_buttons",
                    "action_id": element["action_id"],
                    "value": side["value"],
                    "block_id": block.get("block_id", "b"),
                }
    raise AssertionError(f"no button {action_id!r} in message {_short(message)}")


def _parse_body(headers: Any, raw: bytes) -> dict[str, Any]:
    content_type = (headers.get("Content-Type") or "").lower()
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type:
        return json.loads(text) if text else {}
    if "x-www-form-urlencoded" in content_type:
        body: dict[str, Any] = dict(urllib.parse.parse_qsl(text, keep_blank_values=True))
        for key in _JSON_FIELDS:
            if isinstance(body.get(key), str):
                with contextlib.suppress(json.JSONDecodeError):
                    body[key] = json.loads(body[key])
        return body
    return {"raw_size": len(raw)}


def _stream_text(body: dict[str, Any]) -> str:
    """The markdown a stream call adds: its markdown_text and its markdown_text chunks."""
    text = str(body.get("markdown_text") or "")
    chunks = body.get("chunks") or []
    return text + "".join(str(c.get("text", "")) for c in chunks if c.get("type") == "markdown_text")


def _send(handler: BaseHTTPRequestHandler, status: int, data: bytes, content_type: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _send_json(
    handler: BaseHTTPRequestHandler,
    status: int,
    payload: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> None:
    data = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    for k, v in (headers or {}).items():
        handler.send_header(k, v)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _short(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + "…"
