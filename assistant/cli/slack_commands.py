"""CLI commands: `slack` runs the bot (Socket Mode or HTTP); `feedback export` makes feedback eval cases."""

from __future__ import annotations

import signal
import sqlite3
import sys
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.cli.context import err_console, fail, settings_of, user_errors
from assistant.settings import Settings
from assistant.sizes import mib_bytes

if TYPE_CHECKING:
    from assistant.slack.config import BotConfig

feedback_app = typer.Typer(help="Feedback people gave the Slack bot.", no_args_is_help=True)


def bot_config(settings: Settings) -> BotConfig:
    """The bot's plain values from the Settings, in one place (`slack` and the tests' bot harness use it)."""
    from assistant.slack.config import BotConfig

    return BotConfig(
        feedback_path=settings.feedback_path(),
        bot_token=settings.slack_bot_token,
        signing_secret=settings.slack_signing_secret,
        app_token=settings.slack_app_token,
        api_url=settings.slack_api_url,
        channels_file=settings.slack_channels_file,
        experts_file=settings.slack_experts_file,
        workers=settings.slack_workers,
        slow_after=settings.llm_slow_after,
        download_seconds=settings.slack_download_seconds,
        max_upload_bytes=mib_bytes(settings.questionnaire_max_mb),
        max_questions=settings.questionnaire_max_questions,
    )


class SlackMode(StrEnum):
    SOCKET = "socket"
    HTTP = "http"


def run_slack(
    ctx: typer.Context,
    mode: Annotated[
        SlackMode,
        typer.Option("--mode", help="socket (needs SLACK_APP_TOKEN) or http (SLACK_SIGNING_SECRET)."),
    ] = SlackMode.SOCKET,
    port: Annotated[
        int | None,
        typer.Option("--port", help="HTTP endpoint port (0: any free one); DEAL_SLACK_PORT, 3000, if unset."),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address the HTTP endpoint listens on.")] = "0.0.0.0",
) -> None:
    """Run the Slack bot until interrupted."""
    # Imported here so that `deal-assistant --help` and the other commands need not load Slack and the models.
    from assistant.cli.library_commands import lint_report
    from assistant.coverage import coverage_of
    from assistant.gate_records import gate_record_path, load_gate_record
    from assistant.library import digest_text
    from assistant.slack.app import build_bot
    from assistant.slack.approving import LibraryHooks
    from assistant.slack.config import check_credentials
    from assistant.slack.deal_desk import DealDesk
    from assistant.slack.library_files import LibraryFileHandler
    from assistant.slack.questionnaire_filling import questionnaire_filler
    from assistant.slack.serving import HttpEndpoint, run_socket_mode
    from assistant.wiring import build_assistant, build_library, deal_policy, open_catalog

    settings = settings_of(ctx)
    config = bot_config(settings)
    with user_errors():
        check_credentials(config, mode.value)
        core = build_assistant(settings)
        from assistant.slack.sow_reviewing import review_router, sow_reviewer
        from assistant.wiring import build_sow_reviewer

        library = build_library(settings)
        hooks = LibraryHooks(
            library, digest=lambda: digest_text(lint_report(settings)), channel=settings.library_channel
        )
        desk = DealDesk(deal_policy(settings), lambda: open_catalog(settings))
        reviewing = sow_reviewer(config, lambda: build_sow_reviewer(settings))
        questionnaires = LibraryFileHandler(
            library, questionnaire_filler(config, core), max_bytes=config.max_upload_bytes
        )
        files = desk.file_handler(review_router(reviewing, questionnaires))
        bot = build_bot(
            config,
            core,
            file_handler=files,
            text_handler=desk.reply_to_text,
            library=hooks,
            coverage=lambda: coverage_of(core.retriever),
            last_gate=lambda: load_gate_record(gate_record_path(settings.data_dir)),
        )
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with user_errors():
            if mode is SlackMode.HTTP:
                bound = settings.slack_port if port is None else port
                try:
                    endpoint = HttpEndpoint(bot.app, config.signing_secret or "", host=host, port=bound)
                except OSError as e:
                    fail(f"cannot listen on {host}:{bound}: {e.strerror or e}")
                err_console.print(
                    f"Deal Assistant listening on {endpoint.url}", highlight=False, soft_wrap=True
                )
                sys.stderr.flush()
                endpoint.serve_forever()
            else:
                err_console.print("Deal Assistant connecting to Slack over Socket Mode", soft_wrap=True)
                run_socket_mode(bot.app, config.app_token or "")
    except KeyboardInterrupt:
        err_console.print("Stopping.")
    finally:
        bot.close()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@feedback_app.command("export")
def export_feedback(
    ctx: typer.Context,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="JSONL file to write; standard output when omitted.")
    ] = None,
) -> None:
    """Write 👎 and not-found questions as eval cases (eval dataset JSONL) for a person to complete."""
    from assistant.slack.feedback import FeedbackStore, write_jsonl

    settings = settings_of(ctx)
    with user_errors():
        path = settings.feedback_path()
        try:
            cases = FeedbackStore(path).eval_cases() if path.exists() else []
        except sqlite3.Error as e:
            fail(f"cannot read the feedback database {path}: {e}")
        if out is None:
            write_jsonl(cases, sys.stdout)
        else:
            try:
                out.parent.mkdir(parents=True, exist_ok=True)
                with out.open("w", encoding="utf-8") as f:
                    write_jsonl(cases, f)
            except OSError as e:
                fail(f"cannot write {out}: {e.strerror or e}")
    where = "" if out is None else f" to {out}"
    summary = f"Exported {len(cases)} eval case(s){where} from {path}."
    err_console.print(summary, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add `slack` and `feedback export` to the root app."""
    app.command("slack")(run_slack)
    app.add_typer(feedback_app, name="feedback")
