"""`kb promote` racing `ingest --stage`, as two real processes: the version gated is the version promoted."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

from assistant.wiring import open_registry
from tests.conftest import make_settings
from tests.test_kb_safety import dataset, run, small_kb

VENV_BIN = Path(sys.executable).parent


def lock_held_elsewhere(lock: Path) -> bool:
    """Whether another process holds the registry lock (probed the way writers take it)."""
    if not lock.exists():
        return False
    with open(lock, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def waiting_for_lock(pid: int, lock: Path) -> bool:
    """Whether process `pid` is blocked waiting for a flock on `lock` (a "->" line of /proc/locks)."""
    inode = str(lock.stat().st_ino)
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields:
            at = fields.index("->")
            if fields[at + 4] == str(pid) and fields[at + 5].split(":")[-1] == inode:
                return True
    return False


def test_ingest_stage_during_the_gate_waits_and_the_gated_version_is_the_one_promoted(tmp_path: Path) -> None:
    root, data = small_kb(tmp_path / "kb"), tmp_path / "data"
    assert run(data, "ingest", str(root))[0] == 0
    small_kb(root, cutoff="4:30 p.m. ET")
    assert run(data, "ingest", "--stage", str(root))[0] == 0  # v0002, the candidate
    lock = data / "kb" / ".lock"
    env = {**os.environ, "DEAL_DATA_DIR": str(data)}
    cli = str(VENV_BIN / "deal-assistant")
    promote = subprocess.Popen(
        [cli, "kb", "promote", "--dataset", str(dataset(tmp_path / "d.jsonl", "4:30"))],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not lock_held_elsewhere(lock) and promote.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert promote.poll() is None, "the promotion ended before it was seen holding the lock"

    small_kb(root, cutoff="6:00 p.m. ET")  # a later candidate, built while the gate runs
    ingest = subprocess.Popen(
        [cli, "ingest", "--stage", str(root)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ingest_waited = False
    while promote.poll() is None:
        ingest_waited = ingest_waited or waiting_for_lock(ingest.pid, lock)
        time.sleep(0.05)
    promote_out, _ = promote.communicate(timeout=120)
    ingest_out, _ = ingest.communicate(timeout=120)

    assert promote.returncode == 0, promote_out
    assert ingest.returncode == 0, ingest_out
    assert ingest_waited, "the staged build did not wait for the promotion to finish"
    assert "Version v0002 is now live." in promote_out
    state = open_registry(make_settings(data)).state()
    assert (state.live, state.staged) == ("v0002", "v0003")  # the later candidate stays staged, ungated
