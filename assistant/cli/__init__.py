"""The `deal-assistant` command line: the terminal edge over ingest, the answering core and the evals.

`app` is the Typer application (for tests and embedding); the console script is `assistant.cli.main:main`
(a function that cannot be re-exported here: its name is its module's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.exports import lazy_exports

if TYPE_CHECKING:
    from assistant.cli.main import app

__all__ = ["app"]

__getattr__, __dir__ = lazy_exports(globals(), {"app": "assistant.cli.main"})
