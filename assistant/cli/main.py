"""Entry point of the `deal-assistant` console script: builds Settings once and registers the commands."""

from __future__ import annotations

import logging

import typer

from assistant.cli import (
    ask_commands,
    bench_commands,
    deal_commands,
    eval_commands,
    kb_commands,
    library_commands,
    llm_commands,
    questionnaire_commands,
    slack_commands,
    sow_commands,
)
from assistant.settings import Settings

app = typer.Typer(
    name="deal-assistant",
    help="Cited answers and RFP drafts from your sales knowledge base.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug details."),
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    ctx.obj = Settings()


for _module in (
    kb_commands,
    ask_commands,
    eval_commands,
    slack_commands,
    questionnaire_commands,
    bench_commands,
    llm_commands,
    deal_commands,
    sow_commands,
    library_commands,
):
    _module.register(app)


def main() -> None:
    app()
