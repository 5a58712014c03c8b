"""What every command needs from the root: the Settings built once, and one way to fail."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console

from assistant.errors import DealAssistantError
from assistant.settings import Settings

log = logging.getLogger(__name__)

console = Console()
err_console = Console(stderr=True)


def settings_of(ctx: typer.Context) -> Settings:
    """The Settings the root callback built for this invocation."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    return root.obj


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line on stderr and exit non-zero."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Translate the project's exceptions, and faults of the machine, into one line and a non-zero exit.

    The core wraps the faults it can explain; an OSError or SQLite error that gets here unexplained
    (an unwritable or full disk, a file deleted underneath) still gets one line, its traceback at -v.
    """
    try:
        yield
    except DealAssistantError as e:
        fail(str(e))
    except OSError as e:
        log.debug("operating-system error", exc_info=True)
        where = f": {e.filename}" if e.filename else ""
        fail(f"{e.strerror or e}{where}")
    except sqlite3.Error as e:
        log.debug("SQLite error", exc_info=True)
        fail(f"a knowledge-base catalog could not be read or written: {e}")
