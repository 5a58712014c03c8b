"""Parsing knowledge files in a child process held to a memory and a time budget.

A parser that blows up on a hostile file (a bomb the up-front checks did not catch, a pathological
layout) then fails that one file as "too large" instead of taking the whole ingest run down with it.
The worker (`python -m ingest.isolation`, talking pickles over its stdin/stdout) is started once per run
and restarted after a file that killed or stalled it. A plain subprocess rather than multiprocessing's
spawn, which would re-run the caller's main script in the child.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from assistant.errors import DocumentError
from ingest.limits import IngestLimits

if TYPE_CHECKING:
    from ingest.pipeline import ReadFile, ScannedFile

STARTUP_SECONDS = 120.0  # importing the parsers; not counted against a file's time budget


class ParseWorker:
    """Parses one file at a time in a child process; use as a context manager."""

    def __init__(self, limits: IngestLimits) -> None:
        self.limits = limits
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None  # to the worker's stdin
        self._replies: Connection | None = None  # from the worker's stdout

    def __enter__(self) -> ParseWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, scanned: ScannedFile, warn: Callable[[str], None]) -> ReadFile:
        """The file's chunks, read in the worker; DocumentError with the reason when it cannot be read."""
        conn, replies = self._start()
        conn.send(scanned)
        if not replies.poll(self.limits.file_seconds):
            self._stop()
            raise DocumentError(
                scanned.source, f"too large: reading it took longer than {self.limits.file_seconds:g} s"
            )
        try:
            kind, payload, warnings = replies.recv()
        except (EOFError, OSError) as e:  # killed: out of memory (RLIMIT_AS) or a crash in a C parser
            self._stop()
            raise DocumentError(scanned.source, "too large: reading it exhausted the parser's memory") from e
        for message in warnings:
            warn(message)
        if kind == "ok":
            return payload  # type: ignore[no-any-return]
        if kind == "restart":
            self._stop()
        raise DocumentError(scanned.source, payload)

    def close(self) -> None:
        if self._conn is not None and self._process is not None and self._process.poll() is None:
            with contextlib.suppress(OSError):
                self._conn.send(None)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=5)
        self._stop()

    def _start(self) -> tuple[Connection, Connection]:
        if self._conn is None or self._replies is None:
            process = subprocess.Popen(
                [sys.executable, "-m", "ingest.isolation"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
            assert process.stdin is not None and process.stdout is not None
            self._process = process
            self._conn = Connection(os.dup(process.stdin.fileno()), readable=False)
            self._replies = Connection(os.dup(process.stdout.fileno()), writable=False)
            process.stdin.close()
            process.stdout.close()
            try:
                self._conn.send(self.limits)
                started = self._replies.poll(STARTUP_SECONDS) and self._replies.recv() == "ready"
            except (EOFError, OSError):
                started = False
            if not started:
                self._stop()
                raise DocumentError("ingest", "cannot read: the parsing worker did not start")
        return self._conn, self._replies

    def _stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
        for conn in (self._conn, self._replies):
            if conn is not None:
                conn.close()
        self._process = self._conn = self._replies = None


def _serve(requests: Connection, replies: Connection) -> None:
    """The worker's loop: one ScannedFile in, ("ok", ReadFile | "error", reason, warnings) out."""
    from ingest.pipeline import read_file  # imported before the memory limit, so it is not counted

    limits: IngestLimits = requests.recv()
    _limit_memory(limits.worker_memory_bytes)
    replies.send("ready")
    while True:
        scanned = requests.recv()
        if scanned is None:
            return
        warnings: list[str] = []
        reply: tuple[str, Any, list[str]]
        try:
            reply = ("ok", read_file(scanned, warnings.append, limits), warnings)
        except DocumentError as e:
            reply = ("error", e.reason, warnings)
        except MemoryError:
            reply = ("restart", "too large: reading it exhausted the parser's memory", warnings)
        except RecursionError:
            reply = ("restart", "too deeply nested to read", warnings)
        except Exception as e:  # a parser bug must fail this file, not the run
            reply = ("error", f"unreadable: {type(e).__name__}: {e}".splitlines()[0], warnings)
        replies.send(reply)
        if reply[0] == "restart":
            return


def _limit_memory(budget: int) -> None:
    """Cap the address space at what the worker maps now plus `budget` bytes (Linux/macOS only)."""
    try:
        import resource

        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError):
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = mapped + budget
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


if __name__ == "__main__":
    # The protocol owns the original stdout; anything a parser prints goes to stderr instead.
    protocol_out = os.dup(1)
    os.dup2(2, 1)
    _serve(Connection(os.dup(0), writable=False), Connection(protocol_out, readable=False))
