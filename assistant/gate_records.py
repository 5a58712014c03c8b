"""The last eval gate's verdict, kept beside the knowledge base so the bot's Home tab can show it.

Written by `deal-assistant kb promote` after it runs the gate; read by the Slack Home tab. A missing or
unreadable file is "no gate run recorded", never an error.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path

from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)

GATE_FILE = "last-gate.json"


class GateRecord(BaseModel):
    candidate: str
    baseline: str | None = None
    passed: bool
    failed: list[str] = []  # the metrics that failed
    at: dt.datetime


def gate_record_path(data_dir: Path) -> Path:
    return data_dir / GATE_FILE


def save_gate_record(path: Path, record: GateRecord) -> None:
    """Write the record atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(record.model_dump_json(indent=2), encoding="utf-8")
    os.replace(partial, path)


def load_gate_record(path: Path) -> GateRecord | None:
    try:
        return GateRecord.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, ValidationError) as e:
        log.warning("cannot read the last eval gate's record %s: %s", path, e)
        return None
