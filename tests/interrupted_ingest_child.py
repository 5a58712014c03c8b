"""The child process of the interrupted-ingest test: an ingest that stops at a known point of the build.

Run as `python tests/interrupted_ingest_child.py DATA_DIR KNOWLEDGE_DIR READY_FILE`. It ingests with the
real embedder and, once the first batch of vectors has been embedded into the half-built version, writes
READY_FILE and blocks until the test signals it. SIGINT is made explicit (Python's default handler, which
raises KeyboardInterrupt), so the outcome does not depend on the disposition the child inherits.
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.settings import Settings
from assistant.wiring import run_ingest
from ingest.pipeline import Progress


class BlockAfterFirstBatch(Progress):
    """Announces through a file that a batch was embedded, then waits to be interrupted."""

    def __init__(self, ready: Path) -> None:
        self.ready = ready

    def advance(self, n: int) -> None:
        self.ready.write_text(str(n), encoding="utf-8")
        while True:  # only a signal ends this; a finished ingest would be a failed test
            time.sleep(0.1)


def main(data_dir: str, knowledge_dir: str, ready: str) -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)
    settings = Settings(_env_file=None, data_dir=Path(data_dir), knowledge_dir=Path(knowledge_dir))  # type: ignore[call-arg]
    run_ingest(settings, progress=BlockAfterFirstBatch(Path(ready)))


if __name__ == "__main__":
    main(*sys.argv[1:4])
