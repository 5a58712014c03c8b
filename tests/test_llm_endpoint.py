"""The model endpoint settings, end to end against a fake OpenAI-compatible server on loopback.

The fake is a stdlib HTTP server in a thread answering POST /v1/chat/completions like OpenAI does; it
records every request. `deal-assistant llm check` runs through the real CLI, settings read from .env.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.settings import Settings
from assistant.wiring import load_chat_model
from tests.fakeopenai import completion, send_json

KEY = "sk-configured-0123456789"
runner = CliRunner()


class FakeOpenAI:
    """A loopback server: 401 for another key, 404 for an unknown model, silence for "slow-model"."""

    def __init__(self, key: str = KEY) -> None:
        self.key = key
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                auth = self.headers.get("Authorization", "")
                fake.requests.append({"path": self.path, "auth": auth, "body": body})
                if self.path != "/v1/chat/completions":
                    return self._send(
                        404, {"error": {"message": "no such route", "type": "invalid_request_error"}}
                    )
                if auth != f"Bearer {fake.key}":
                    shown = auth[7:13] + "***"  # real providers echo a fragment of the key
                    error = {"message": f"Incorrect API key provided: {shown}", "code": "invalid_api_key"}
                    return self._send(401, {"error": error})
                model = body.get("model")
                if model == "slow-model":
                    fake.release.wait(30)
                    return None
                if model not in ("tiny-model", "empty-model"):
                    return self._send(404, {"error": {"message": f"model {model} not found", "code": None}})
                content = "" if model == "empty-model" else "OK"
                return self._send(200, completion(model, content))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                send_json(self, status, payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def decoy() -> Iterator[FakeOpenAI]:
    """Where OPENAI_BASE_URL in the environment points: it must never be called."""
    with FakeOpenAI(key="sk-env-decoy") as fake:
        yield fake


def write_env(folder: Path, **values: object) -> None:
    lines = [f"DEAL_{name.upper()}={value}" for name, value in values.items()]
    (folder / ".env").write_text("\n".join(lines) + "\n")


def llm_check(folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(folder)
    result = runner.invoke(app, ["llm", "check"])
    return result.exit_code, result.output


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_settings_read_from_env_file_with_defaults_and_a_secret_key(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    write_env(tmp_path, llm="openai:tiny-model", llm_base_url="http://127.0.0.1:9/v1", llm_api_key=KEY)
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.llm == "openai:tiny-model" and settings.llm_base_url == "http://127.0.0.1:9/v1"
    assert settings.llm_api_key is not None and settings.llm_api_key.get_secret_value() == KEY
    assert (
        settings.llm_timeout,
        settings.llm_max_tokens,
        settings.llm_retries,
        settings.llm_concurrency,
    ) == (
        30.0,
        600,
        1,
        1,
    )
    assert KEY not in repr(settings) and KEY not in str(settings.model_dump())


def test_environment_overrides_env_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    write_env(tmp_path, llm_timeout=5, llm_concurrency=2)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEAL_LLM_TIMEOUT", "7.5")
    monkeypatch.setenv("DEAL_LLM_RETRIES", "0")
    monkeypatch.setenv("DEAL_LLM_MAX_TOKENS", "64")
    settings = Settings()
    assert (
        settings.llm_timeout,
        settings.llm_concurrency,
        settings.llm_retries,
        settings.llm_max_tokens,
    ) == (
        7.5,
        2,
        0,
        64,
    )


def test_llm_check_reaches_the_configured_endpoint_with_the_configured_key_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: FakeOpenAI, decoy: FakeOpenAI
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", decoy.url)
    monkeypatch.setenv("OPENAI_API_BASE", decoy.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-decoy")
    write_env(tmp_path, llm="openai:tiny-model", llm_base_url=server.url, llm_api_key=KEY, llm_max_tokens=50)
    code, out = llm_check(tmp_path, monkeypatch)
    assert code == 0, out
    host = server.url.split("//")[1].split("/")[0]
    assert f"endpoint {host}" in out and "model tiny-model" in out and "reply ok" in out
    assert " s " in out  # the latency
    assert KEY not in out
    assert decoy.requests == []
    [sent] = server.requests
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == f"Bearer {KEY}"
    assert sent["body"]["model"] == "tiny-model"
    # Both names: OpenAI's current one, and the one llama.cpp's server and other compatible servers read.
    assert sent["body"]["max_tokens"] == 50 and sent["body"]["max_completion_tokens"] == 50


def test_a_base_url_without_a_key_never_sends_the_environment_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: FakeOpenAI
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-hosted-key")
    write_env(tmp_path, llm="openai:tiny-model", llm_base_url=server.url, llm_retries=0)
    code, out = llm_check(tmp_path, monkeypatch)
    assert code == 1
    assert all("sk-env-hosted-key" not in r["auth"] for r in server.requests) and server.requests
    assert "unauthorised" in out


def test_llm_check_reports_a_wrong_key_in_one_line_without_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: FakeOpenAI
) -> None:
    write_env(tmp_path, llm="openai:tiny-model", llm_base_url=server.url, llm_api_key="sk-wrong-987654321")
    code, out = llm_check(tmp_path, monkeypatch)
    assert code == 1
    assert "unauthorised" in out and "401" in out and "tiny-model" in out
    assert "sk-wro" not in out and len(out.strip().splitlines()) == 1


def test_llm_check_reports_a_wrong_model_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: FakeOpenAI
) -> None:
    write_env(tmp_path, llm="openai:no-such-model", llm_base_url=server.url, llm_api_key=KEY)
    code, out = llm_check(tmp_path, monkeypatch)
    assert code == 1 and "not found" in out and "404" in out
    assert len(server.requests) == 1  # a 404 is not retried


def test_llm_check_reports_an_endpoint_that_never_replies_within_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: FakeOpenAI
) -> None:
    write_env(tmp_path, llm="openai:slow-model", llm_base_url=server.url, llm_api_key=KEY, llm_timeout=1)
    code, out = llm_check(tmp_path, monkeypatch)
    assert code == 1 and "timed out" in out
    assert len(server.requests) == 1  # a timeout is not retried


def test_llm_check_reports_an_unreachable_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    write_env(
        tmp_path, llm="openai:tiny-model", llm_base_url=url, llm_api_key=KEY, llm_retries=0, llm_timeout=5
    )
    code, out = llm_check(tmp_path, monkeypatch)
    assert code == 1 and "unreachable" in out


def test_llm_check_reports_a_reply_of_the_wrong_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: FakeOpenAI
) -> None:
    write_env(tmp_path, llm="openai:empty-model", llm_base_url=server.url, llm_api_key=KEY)
    code, out = llm_check(tmp_path, monkeypatch)
    assert code == 1 and "not a text message" in out


def test_llm_check_without_a_model_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = llm_check(tmp_path, monkeypatch)
    assert code == 1 and "DEAL_LLM is not set" in out


def test_the_loaded_model_is_bounded_by_the_configured_limits(server: FakeOpenAI) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, llm="openai:tiny-model", llm_base_url=server.url, llm_api_key=KEY, llm_timeout=3
    )
    model = load_chat_model(settings)
    assert model.timeout == 3 and model.retries == 1 and model.concurrency == 1  # type: ignore[attr-defined]
    assert model.invoke("hi").content == "OK"
