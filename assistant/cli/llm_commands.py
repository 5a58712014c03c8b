"""CLI command `llm check`: one tiny call to the configured chat model, to see the endpoint works."""

from __future__ import annotations

import typer

from assistant.cli.context import console, fail, settings_of, user_errors
from assistant.settings import Settings


def _where(settings: Settings) -> tuple[str, str]:
    from assistant.answering.chat_model import endpoint_host

    spec = settings.llm or ""
    provider, _, model = spec.partition(":")
    return endpoint_host(settings.llm_base_url, provider or "provider"), model or spec


def register(app: typer.Typer) -> None:
    """Add the `llm` group."""
    llm_app = typer.Typer(help="The optional chat model (DEAL_LLM).", no_args_is_help=True)

    @llm_app.command("check")
    def check(ctx: typer.Context) -> None:
        """Call the configured model once with a tiny prompt: endpoint, model, latency, reply shape."""
        from assistant.answering.chat_model import ModelCallError, check_model
        from assistant.wiring import load_chat_model

        settings = settings_of(ctx)
        if not settings.llm:
            fail("DEAL_LLM is not set: answers are written offline, there is no model to check")
        host, model_name = _where(settings)
        with user_errors():
            model = load_chat_model(settings)
        try:
            result = check_model(model)
        except ModelCallError as e:
            fail(f"model {model_name!r} at {host}: {e}")
        line = f"endpoint {host} · model {model_name} · {result.latency_s:.2f} s"
        if not result.reply_ok:
            fail(f"{line} · the reply was not a text message (got {result.reply!r})")
        console.print(f"{line} · reply ok ({result.reply!r})", highlight=False)

    app.add_typer(llm_app, name="llm")
