"""The `deal-assistant slack` and `feedback export` commands, run as real processes."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from assistant.answering.core import Assistant
from assistant.errors import ConfigError
from assistant.models import Request
from assistant.settings import Settings
from assistant.slack.audience import load_channels
from assistant.slack.escalation import load_experts
from assistant.slack.rendering import escape
from evals.dataset import parse_case
from tests.fakeslack import BOT_USER, BotHarness, FakeSlack, SignedSender

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from assistant.cli.main import main; main()"]


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env={**os.environ, **env}, cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["--mode", "http"], {}, "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set"),
        (["--mode", "http"], {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"),
        ([], {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, "SLACK_APP_TOKEN is not set"),
        (["--mode", "socket"], {"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN is not set"),
    ],
)
def test_missing_slack_variable_is_a_one_line_error_naming_it(
    tmp_path: Path, args: list[str], env: dict[str, str], named: str
) -> None:
    result = run_cli(["slack", *args], env, tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.stderr


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


def test_feedback_export_writes_thumbs_down_and_not_found_as_eval_cases(
    fake: FakeSlack, demo_settings: Settings, demo_assistant: Assistant, tmp_path: Path
) -> None:
    settings = demo_settings.model_copy(update={"feedback_db": tmp_path / "feedback.sqlite3"})
    h = BotHarness(fake, settings, demo_assistant)
    try:
        for gap in ("What is the capital of France?", "what is the capital of france"):  # one case
            h.answer("C0SALES", h.mention(gap))
        disliked = h.mention("do we have FedRAMP?")
        h.sender.click(h.answer("C0SALES", disliked), "feedback_down", channel="C0SALES", user="U0BOB")
        draft = h.mention("draft: describe your HIPAA compliance program for Pinecrest Health")
        h.sender.click(h.answer("C0SALES", draft), "feedback_down", channel="C0SALES", user="U0BOB")
        liked = h.mention("do we sign BAAs?")
        h.sender.click(h.answer("C0SALES", liked), "feedback_up", channel="C0SALES", user="U0BOB")
    finally:
        h.close()

    out = tmp_path / "gaps" / "feedback.jsonl"
    result = run_cli(
        ["feedback", "export", "--out", str(out)],
        {"DEAL_FEEDBACK_DB": str(settings.feedback_path())},
        tmp_path,
    )

    assert result.returncode == 0, result.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    cases = [parse_case(line, out, n) for n, line in enumerate(lines, start=1)]  # the eval dataset format
    assert [(c.kind, c.question) for c in cases] == [
        ("unanswerable", "What is the capital of France?"),
        ("answer", "do we have FedRAMP?"),
        ("draft", "describe your HIPAA compliance program"),
    ]
    assert cases[2].client == "Pinecrest Health"
    assert all(not (c.expected_sources or c.must_include or c.must_not_include) for c in cases)
    assert set(json.loads(lines[0])) == {
        "id",
        "question",
        "kind",
        "expected_sources",
        "must_include",
        "must_not_include",
        "audience",
        "client",
    }
    assert "Exported 3 eval case(s)" in result.stderr


def test_feedback_export_without_feedback_writes_nothing_to_stdout(tmp_path: Path) -> None:
    result = run_cli(["feedback", "export"], {"DEAL_DATA_DIR": str(tmp_path / "none")}, tmp_path)
    assert result.returncode == 0
    assert result.stdout == ""


def test_http_bot_runs_as_a_separate_process_against_a_configured_web_api(
    fake: FakeSlack, demo_settings: Settings, demo_assistant: Assistant, tmp_path: Path
) -> None:
    env = {
        "SLACK_BOT_TOKEN": fake.token,
        "SLACK_SIGNING_SECRET": "process-secret",
        "DEAL_SLACK_API_URL": fake.api_url.rstrip("/"),  # the bot adds the trailing slash
        "DEAL_DATA_DIR": str(demo_settings.data_dir),
        "DEAL_KNOWLEDGE_DIR": str(demo_settings.knowledge_dir),
        "DEAL_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
    }
    bot = subprocess.Popen(
        [*CLI, "slack", "--mode", "http", "--port", "0", "--host", "127.0.0.1"],
        env={**os.environ, **env},
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        url = _wait_for_listening(bot)
        sender = SignedSender(url, "process-secret")
        ts = fake.add_message("C0SALES", user="U0ALICE", text=f"<@{BOT_USER}> do we have FedRAMP?")
        event = {
            "type": "app_mention",
            "user": "U0ALICE",
            "text": f"<@{BOT_USER}> do we have FedRAMP?",
            "ts": ts,
            "channel": "C0SALES",
            "event_ts": ts,
        }
        assert sender.event(event)[0].status == 200
        [update] = fake.wait_for_method("chat.update", timeout=60)
        assert (
            escape(demo_assistant.ask(Request(question="do we have FedRAMP?")).answer) in update.body["text"]
        )
        assert SignedSender(url, "wrong").event(event)[0].status == 401
    finally:
        bot.terminate()
        bot.wait(timeout=30)
    assert bot.returncode == 0
    assert fake.unexpected() == []


def _wait_for_listening(process: subprocess.Popen[str], timeout: float = 120.0) -> str:
    lines: queue.Queue[str] = queue.Queue()
    assert process.stderr is not None
    stderr = process.stderr

    def read() -> None:
        for line in stderr:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the bot never said it was listening: {seen}") from None
        seen.append(line)
        if "listening on " in line:
            return line.split("listening on ", 1)[1].strip()
        if process.poll() is not None and lines.empty():
            raise AssertionError(f"the bot exited: {seen}")


def test_manifest_subscribes_to_what_the_bot_handles_with_the_scopes_it_calls() -> None:
    manifest = yaml.safe_load((ROOT / "slack-manifest.yaml").read_text(encoding="utf-8"))
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "app_home_opened",
        "assistant_thread_started",
        "assistant_thread_context_changed",
        "message.channels",
        "message.groups",
        "message.im",
    }
    assert manifest["features"]["assistant_view"]["assistant_description"]  # the agent surface is on
    assert settings["interactivity"]["is_enabled"] and settings["socket_mode_enabled"]
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/deal"]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = {
        "app_mentions:read",
        "chat:write",
        "commands",
        "im:history",
        "channels:history",
        "groups:history",
        "assistant:write",
    }
    needed |= {"channels:read", "groups:read", "users:read", "files:read", "files:write"}
    assert needed <= scopes


def test_example_channel_and_expert_files_load() -> None:
    channels = load_channels(ROOT / "assistant" / "slack" / "channels.example.yaml")
    assert channels["C0123PINECREST"].client == "Pinecrest Health"
    experts = load_experts(ROOT / "assistant" / "slack" / "experts.example.yaml")
    assert experts.owner_mention("LENA PARK") == "<@U0123LENA>"
    assert experts.fallback_mention() == "<!subteam^S0789DEALDESK>"


def test_invalid_channels_file_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "channels.yaml"
    bad.write_text("channels:\n  C1:\n    audience: everyone\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"channels\.yaml"):
        load_channels(bad)
