"""`deal-assistant eval llm`: the same cases offline and through a model, compared, through the real CLI.

The model is an OpenAI-compatible server on loopback (the outer boundary: a paid or local LLM) that
answers from the prompt it is sent: a grounded sentence citing the source that holds the fact for one
question, a citation-only reply for another. Ingest, retrieval, checks and scoring are all real.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from tests.conftest import KNOWLEDGE
from tests.fakeopenai import completion, send_json

DOCUMENTS = ("offerings/security-compliance.md", "offerings/digital-mailroom.md")
SCAN = "How quickly is incoming mail scanned and released in the digital mailroom?"
CERT = "Do you hold HITRUST certification?"
CASES = [
    {"id": "scan", "question": SCAN, "kind": "answer", "must_include": ["2 business hours"],
     "expected_sources": ["offerings/digital-mailroom.md"]},
    {"id": "cert", "question": CERT, "kind": "answer", "must_include": ["HITRUST"],
     "expected_sources": ["offerings/security-compliance.md"]},
    {"id": "none", "question": "What is the capital of Mongolia?", "kind": "unanswerable"},
]  # fmt: skip


def reply_to(prompt: str) -> str:
    """What the fake model says: grounded for the scanning question, a bare citation for the other."""
    if SCAN in prompt:
        sources = re.findall(r'<source id="(\d+)"[^>]*>(.*?)</source>', prompt, re.S)
        number = next(n for n, text in sources if "2 business hours" in text)
        return f"Mail is scanned, indexed and released within 2 business hours of receipt [{number}]."
    return "[1]"


class ScriptedModel:
    """A loopback OpenAI-compatible chat endpoint that answers with `reply_to` and counts its calls."""

    def __init__(self) -> None:
        self.calls = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.calls += 1
                prompt = "\n".join(str(m["content"]) for m in body["messages"])
                send_json(self, 200, completion(body["model"], reply_to(prompt)))

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"


@pytest.fixture
def model() -> Iterator[ScriptedModel]:
    scripted = ScriptedModel()
    thread = threading.Thread(target=scripted.server.serve_forever, daemon=True)
    thread.start()
    yield scripted
    scripted.server.shutdown()
    scripted.server.server_close()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for source in DOCUMENTS:
        (tmp_path / "kb" / source).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(KNOWLEDGE / source, tmp_path / "kb" / source)
    (tmp_path / "cases.jsonl").write_text("".join(json.dumps(c) + "\n" for c in CASES), encoding="utf-8")
    return tmp_path


def run(*args: str, env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_eval_llm_compares_the_model_path_with_offline_and_counts_what_was_shown(
    workdir: Path, model: ScriptedModel
) -> None:
    env = {"DEAL_LLM": "openai:tiny-model", "DEAL_LLM_BASE_URL": model.url, "DEAL_LLM_API_KEY": "sk-test"}
    code, out = run(
        "eval", "llm", "--knowledge", "kb", "--dataset", "cases.jsonl",
        "--json", "out/llm.json", "--report", "out/llm.md", env=env,
    )  # fmt: skip
    assert code == 0, out
    result = json.loads((workdir / "out" / "llm.json").read_text(encoding="utf-8"))
    by_id = {c["id"]: c["answer"] for c in result["cases"]}
    offline = {c["id"]: c["answer"] for c in result["comparison"]["cases"]}
    assert all(a["composer"] == "offline" and a["fallback_reason"] is None for a in offline.values())
    assert by_id["scan"]["composer"] != "offline" and "2 business hours" in by_id["scan"]["answer"]
    assert by_id["cert"]["composer"] == "offline" and by_id["cert"]["answer"] == offline["cert"]["answer"]
    assert by_id["none"]["status"] == "not_found"
    stats = result["model_path"]
    assert model.calls == 2  # the unanswerable question never reached the model
    assert (stats["sent"], stats["shown"], stats["unsendable_shown"]) == (2, 1, [])
    assert stats["fallback_reasons"] == {"the reply has no text besides citations": 1}
    assert stats["latency_p50_ms"] > 0 and stats["target_problems"] == []
    report = (workdir / "out" / "llm.md").read_text(encoding="utf-8")
    assert "its answer shown: 1 of 2" in report and "1 × the reply has no text besides citations" in report


def test_eval_llm_without_a_model_says_how_to_configure_one(workdir: Path) -> None:
    code, out = run("eval", "llm", "--knowledge", "kb", "--dataset", "cases.jsonl", env={"DEAL_LLM": ""})
    assert code != 0 and "no chat model configured: set DEAL_LLM" in out


@pytest.mark.parametrize(
    ("text", "unfit"),
    [
        ("[1]", True),
        ("[1] [2].", True),
        ("Dear [Client's Name], we scan mail within 2 business hours [1].", True),
        ("We scan mail within 2 business hours [1]. Sincerely, the team", True),
        ("Mail is scanned and released within 2 business hours [1].", False),
    ],
)
def test_the_evals_own_check_of_answers_unfit_to_send(text: str, unfit: bool) -> None:
    from evals.model_path import unsendable

    assert unsendable(text) is unfit


def test_like_fallback_reasons_count_together() -> None:
    from evals.model_path import reason_key

    a = reason_key("the answer cites source(s) [7] that were not retrieved")
    assert a == reason_key("the answer cites source(s) [3, 9] that were not retrieved".replace(", 9", ""))
    assert reason_key("sentence 2 uses '3 days', not in its sources") == reason_key(
        "sentence 4 uses '48 hours', not in its sources"
    )
