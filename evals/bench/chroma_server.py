"""A real `chroma run` server on an ephemeral loopback port: the one launcher of the bench and the tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.errors import ConfigError
from assistant.retrieval.store import ChromaConnection
from evals.bench.processes import stop

STARTUP_SECONDS = 30.0


def chroma_command() -> str | None:
    """The `chroma` CLI beside this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.exists() else shutil.which("chroma")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def chroma_server(path: Path) -> Iterator[str]:
    """Run `chroma run --path PATH` on 127.0.0.1 and a free port; yield its URL once it answers."""
    command = chroma_command()
    if command is None:
        raise ConfigError("the chroma CLI is not installed")
    path.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [command, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        cwd=path,  # Chroma reads ./.env: not the caller's
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    try:
        _wait_until_up(server, path, url)
        yield url
    finally:
        stop(server, grace=15)


def _wait_until_up(server: subprocess.Popen[bytes], path: Path, url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if server.poll() is not None:
            raise ConfigError(f"chroma run exited with {server.returncode} before answering")
        try:
            ChromaConnection.open(path, url)
            return
        except ConfigError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
