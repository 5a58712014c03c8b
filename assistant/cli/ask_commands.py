"""CLI commands `ask` and `draft`: readable rich output, or the structured result with --json."""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.panel import Panel

from assistant.cli.context import console, fail, settings_of, user_errors
from assistant.models import Answer, Audience, Request, Status
from assistant.wiring import build_assistant

_STYLE = {Status.ANSWERED: "green", Status.NOT_FOUND: "yellow", Status.RESTRICTED: "red"}


def print_answer(answer: Answer) -> None:
    """Render an answer for a terminal: the text, warnings and the numbered sources."""
    title = f"{answer.mode} · {answer.status.value}"
    if answer.confidence:
        title += f" · confidence {answer.confidence.value}"
    body = escape(answer.answer)
    if answer.notes:
        body += "\n\n" + "\n".join(f"[yellow]! {escape(n.text)}[/]" for n in answer.notes)
    console.print(Panel(body, title=title, border_style=_STYLE[answer.status], title_align="left"))
    if answer.citations:
        console.print("[bold]Sources[/]")
        for line in answer.sources_text().splitlines():
            console.print("  " + escape(line), highlight=False)


def _emit(answer: Answer, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(answer.to_json(), indent=2, ensure_ascii=False))
    else:
        print_answer(answer)


def _respond(ctx: typer.Context, mode: str, request: Request, kb: str, as_json: bool) -> None:
    if not request.question.strip():
        fail("the question is empty")
    with user_errors():
        assistant = build_assistant(settings_of(ctx), version=kb)
        answer = assistant.draft(request) if mode == "draft" else assistant.ask(request)
    _emit(answer, as_json)


def register(app: typer.Typer) -> None:
    """Add ask and draft."""

    @app.command()
    def ask(
        ctx: typer.Context,
        question: str = typer.Argument(..., help="The question."),
        audience: Audience = typer.Option(Audience.INTERNAL, help="Who will see the answer."),
        client: str | None = typer.Option(None, help="The client the answer is for."),
        kb: str = typer.Option("live", help="Knowledge-base version: live, staged or a name."),
        as_json: bool = typer.Option(False, "--json", help="Print the structured result."),
    ) -> None:
        """Answer a question with citations from the knowledge base."""
        _respond(ctx, "ask", Request(question=question, audience=audience, client=client), kb, as_json)

    @app.command()
    def draft(
        ctx: typer.Context,
        question: str = typer.Argument(..., help="The RFP question to answer."),
        client: str = typer.Option(..., help="The client (or prospect) the draft is for."),
        audience: Audience = typer.Option(Audience.INTERNAL, help="Who will see the draft."),
        kb: str = typer.Option("live", help="Knowledge-base version: live, staged or a name."),
        as_json: bool = typer.Option(False, "--json", help="Print the structured result."),
    ) -> None:
        """Draft an RFP-ready answer for a client, with its confidence and sources."""
        _respond(ctx, "draft", Request(question=question, audience=audience, client=client), kb, as_json)
