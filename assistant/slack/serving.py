"""Running the bot: an HTTP Events API endpoint (stdlib threading server) or a Socket Mode connection.

The endpoint checks Slack's signature before it parses anything, so a malformed or unsigned request
is rejected (401) without reaching the app. Before that, nothing unauthenticated may cost more than a
bounded read: a body needs a plain, in-range Content-Length (else 400 or 413, unread), arrives within
REQUEST_SECONDS, and must be UTF-8 (as everything Slack sends is).
"""

from __future__ import annotations

import logging
import re
import threading
import urllib.parse
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from assistant.errors import ConfigError
from assistant.sizes import MIB

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = MIB  # Slack's event and interaction payloads are a few KiB
REQUEST_SECONDS = 10.0  # most time a client may take per socket read (headers, then the bounded body)

_DIGITS = re.compile(r"[0-9]{1,12}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # Slack delivers bursts; the default backlog of 5 resets connections


class HttpEndpoint:
    """Slack's Events API, slash commands and interactivity on one URL, one thread per request."""

    def __init__(self, app: App, signing_secret: str, *, host: str = "0.0.0.0", port: int = 3000) -> None:
        self._app = app
        self._verifier = SignatureVerifier(signing_secret)
        self._server = _Server((host, port), self._handler_class())
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = str(self._server.server_address[0])
        shown = "127.0.0.1" if host == "0.0.0.0" else host
        return f"http://{shown}:{self.port}{EVENTS_PATH}"

    def serve_forever(self) -> None:
        """Serve until `stop()` is called or the process is interrupted."""
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._server.server_close()

    def start(self) -> HttpEndpoint:
        """Serve in a background thread (for tests and embedding)."""
        self._thread = threading.Thread(target=self.serve_forever, name="deal-slack-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _handle(self, handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any], str]:
        path, _, query = handler.path.partition("?")
        if path != EVENTS_PATH:
            return 404, {}, "not found"
        length = _content_length(handler)
        if length is None:
            return 400, {}, '{"error": "a plain Content-Length is required"}'
        if length > MAX_BODY_BYTES:
            return 413, {}, "request too large"
        try:
            raw = handler.rfile.read(length)
        except TimeoutError:
            return 408, {}, '{"error": "body too slow"}'
        if len(raw) != length:
            return 400, {}, '{"error": "body shorter than its Content-Length"}'
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return 400, {}, '{"error": "body is not UTF-8"}'
        plain = {k.lower(): v for k, v in handler.headers.items()}
        if not self._verifier.is_valid_request(body, plain):
            log.info("rejected a request with a missing or invalid Slack signature")
            return 401, {}, '{"error": "invalid request"}'
        try:
            headers: dict[str, str | Sequence[str]] = dict(plain)
            request = BoltRequest(body=body, query=query, headers=headers)
        except (ValueError, TypeError, AttributeError, KeyError):
            log.warning("rejected a signed request whose body cannot be parsed")
            return 400, {}, '{"error": "malformed request"}'
        response = self._app.dispatch(request)
        return response.status, response.headers, response.body

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = REQUEST_SECONDS  # a socket timeout: a stalled client frees its thread

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("%s %s", self.address_string(), format % args)

            def do_GET(self) -> None:
                ok = urllib.parse.urlsplit(self.path).path == HEALTH_PATH
                self._reply(200 if ok else 404, {}, "ok" if ok else "not found")

            def do_POST(self) -> None:
                status, headers, body = endpoint._handle(self)
                if status >= 400:
                    # The body may be unread: the connection cannot carry another request.
                    self.close_connection = True
                self._reply(status, headers, body)

            def _reply(self, status: int, headers: dict[str, Any], body: str) -> None:
                data = body.encode("utf-8")
                self.send_response(status)
                for name, values in headers.items():
                    if name.lower() == "content-length":
                        continue
                    for value in values if isinstance(values, list | tuple) else [values]:
                        self.send_header(name, str(value))
                if not any(name.lower() == "content-type" for name in headers):
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _content_length(handler: BaseHTTPRequestHandler) -> int | None:
    """The body length a request declares, or None unless it is one plain decimal number.

    A chunked body, a repeated header, or "-1", "abc", "+5" and the like are refused: each would make
    a read unbounded or ambiguous.
    """
    values = handler.headers.get_all("Content-Length") or []
    if len(values) != 1 or handler.headers.get("Transfer-Encoding"):
        return None
    value = values[0].strip()
    return int(value) if _DIGITS.fullmatch(value) else None


class SocketModeConnection:
    """The bot's Socket Mode connection (opened with apps.connections.open on the app's Web API URL)."""

    def __init__(self, app: App, app_token: str) -> None:
        self._handler = SocketModeHandler(app, app_token)

    def connect(self) -> None:
        """Open the connection; a refused app token is a ConfigError."""
        try:
            self._handler.connect()
        except SlackApiError as e:
            self.close()
            error = e.response.get("error") if e.response is not None else e
            raise ConfigError(f"Slack refused SLACK_APP_TOKEN (apps.connections.open: {error})") from e

    def close(self) -> None:
        self._handler.close()


def run_socket_mode(app: App, app_token: str) -> None:
    """Connect over Socket Mode and serve until the process is interrupted."""
    connection = SocketModeConnection(app, app_token)
    connection.connect()
    try:
        threading.Event().wait()
    finally:
        connection.close()
