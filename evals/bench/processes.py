"""Starting the benchmark's other processes with a clean environment, and reading their JSON results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from assistant.settings import Settings

CLI = [sys.executable, "-c", "from assistant.cli.main import main; main()"]
CHILD = [sys.executable, "-m", "evals.bench.child"]


class ChildFailed(RuntimeError):
    """A benchmark process exited non-zero or printed no result."""


def child_env(settings: Settings, extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment with the caller's DEAL_*/SLACK_* variables replaced by the bench's own settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEAL_", "SLACK_"))}
    env.update(
        {
            "DEAL_DATA_DIR": str(settings.data_dir.resolve()),
            "DEAL_KNOWLEDGE_DIR": str(settings.knowledge_dir.resolve()),
            "DEAL_COLLECTION_PREFIX": settings.collection_prefix,
            "DEAL_TOP_K": str(settings.top_k),
            "DEAL_SLACK_WORKERS": str(settings.slack_workers),
            **(extra or {}),
        }
    )
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    return env


def stop(process: subprocess.Popen[Any], grace: float = 30.0) -> None:
    """Terminate a process we started, and kill it if it does not exit within `grace` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_json_child(args: list[str], env: dict[str, str], cwd: Path, timeout: float) -> dict[str, Any]:
    """Run `python -m evals.bench.child ARGS` and return the JSON object it printed."""
    try:
        done = subprocess.run(
            [*CHILD, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as e:
        raise ChildFailed(f"{args[0]} did not finish in {timeout:.0f} s") from e
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise ChildFailed(f"{args[0]} exited with {done.returncode}: {tail[0]}")
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise ChildFailed(f"{args[0]} printed no result")
    result: dict[str, Any] = json.loads(lines[-1])
    return result
