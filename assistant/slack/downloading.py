"""Fetching a Slack file with the bot token: only from Slack's file hosts, within a total deadline.

A file URL arrives in an event, which anyone who can post a message shapes, so it is checked before
the token goes anywhere: https on Slack's file hosts, or exactly the configured Web API origin (a
GovSlack or test deployment). Redirects are followed by hand, only to such URLs, and the token goes
along only while the origin stays the one first asked. The deadline covers the whole download, not
each socket read, so a server that trickles bytes cannot hold a worker.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from assistant.errors import DealAssistantError
from assistant.sizes import describe_size

DOWNLOAD_SECONDS = 60.0  # total time one download may take (DEAL_SLACK_DOWNLOAD_SECONDS sets the bot's)
MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024

# Where Slack serves url_private(_download): commercial Slack and GovSlack.
SLACK_FILE_HOSTS = frozenset({"files.slack.com", "files.slack-gov.com"})

_REDIRECTS = {301, 302, 303, 307, 308}

Origin = tuple[str, str, int]  # scheme, lower-case host, port


def origin_of(url: str) -> Origin | None:
    """The (scheme, host, port) of an http(s) URL, or None for anything else (file:, ftp:, junk)."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class FileHosts:
    """The origins the bot token may be sent to for a file download."""

    configured: Origin | None = None  # the Web API's own origin, when it is https (or loopback http)

    @classmethod
    def for_api(cls, api_base_url: str) -> FileHosts:
        """Slack's file hosts plus the configured Web API origin (https, or http on loopback only)."""
        origin = origin_of(api_base_url)
        if origin is not None and origin[0] == "http" and not _is_loopback(origin[1]):
            origin = None  # a token is never sent in clear text over the network for a file
        return cls(configured=origin)

    def allows(self, origin: Origin | None) -> bool:
        if origin is None:
            return False
        if origin == self.configured:
            return True
        scheme, host, port = origin
        return scheme == "https" and port == 443 and host in SLACK_FILE_HOSTS


class FileDownloader:
    """Downloads Slack files with the bot token, under the host rules and a total deadline."""

    def __init__(
        self,
        token: str,
        hosts: FileHosts,
        *,
        deadline_seconds: float = DOWNLOAD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token = token
        self._hosts = hosts
        self._deadline_seconds = deadline_seconds
        self._clock = clock

    def download(self, url: str, *, name: str, max_bytes: int | None = None) -> bytes:
        """The bytes at `url`; a DealAssistantError with a one-line reason if they cannot be had."""
        first = origin_of(url)
        if not self._hosts.allows(first):
            raise DealAssistantError(f"{name}: the download link does not point to Slack's file servers")
        deadline = self._clock() + self._deadline_seconds
        for _ in range(MAX_REDIRECTS + 1):
            origin = origin_of(url)
            if not self._hosts.allows(origin):
                raise DealAssistantError(f"{name}: Slack redirected the download away from its file servers")
            assert origin is not None
            location = self._fetch(url, origin, name, deadline, max_bytes, with_token=origin == first)
            if isinstance(location, bytes):
                return location
            url = urllib.parse.urljoin(url, location)
        raise DealAssistantError(f"{name}: download failed (too many redirects)")

    def _fetch(
        self, url: str, origin: Origin, name: str, deadline: float, max_bytes: int | None, *, with_token: bool
    ) -> bytes | str:
        """The body of a 200, or the Location of a redirect."""
        scheme, host, port = origin
        parts = urllib.parse.urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        timeout = self._left(deadline, name)
        conn: http.client.HTTPConnection
        if scheme == "https":
            conn = http.client.HTTPSConnection(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        headers = {"Authorization": f"Bearer {self._token}"} if with_token else {}
        try:
            conn.connect()
            sock = conn.sock  # kept: http.client drops it once the response owns the connection
            conn.request("GET", target, headers=headers)
            response = conn.getresponse()
            if response.status in _REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise DealAssistantError(f"{name}: download failed (redirect without a location)")
                return location
            if response.status != 200:
                raise DealAssistantError(f"{name}: download failed (HTTP {response.status})")
            if "text/html" in (response.getheader("Content-Type") or ""):
                raise DealAssistantError(
                    f"{name}: Slack refused the download (is the files:read scope granted?)"
                )
            return self._read(response, sock, name, deadline, max_bytes)
        except TimeoutError as e:
            raise self._too_slow(name) from e
        except (OSError, http.client.HTTPException) as e:
            raise DealAssistantError(f"{name}: download failed ({e})") from e
        finally:
            conn.close()

    def _read(
        self,
        response: http.client.HTTPResponse,
        sock: socket.socket | None,
        name: str,
        deadline: float,
        max_bytes: int | None,
    ) -> bytes:
        declared = response.getheader("Content-Length")
        if max_bytes is not None and declared and declared.isdigit() and int(declared) > max_bytes:
            raise _too_large(name, max_bytes)
        data = bytearray()
        while True:
            left = self._left(deadline, name)
            if sock is not None:
                sock.settimeout(left)  # a stalled read ends at the deadline too
            chunk = response.read1(CHUNK_BYTES)
            if not chunk:
                return bytes(data)
            data += chunk
            if max_bytes is not None and len(data) > max_bytes:
                raise _too_large(name, max_bytes)

    def _left(self, deadline: float, name: str) -> float:
        left = deadline - self._clock()
        if left <= 0:
            raise self._too_slow(name)
        return left

    def _too_slow(self, name: str) -> DealAssistantError:
        return DealAssistantError(f"{name}: the download took longer than {self._deadline_seconds:g} s")


def _too_large(name: str, max_bytes: int) -> DealAssistantError:
    return DealAssistantError(f"{name} is larger than {describe_size(max_bytes)}")
