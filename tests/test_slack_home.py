"""The App Home tab through the real Bolt app: live version, build time, the viewer's overdue documents,
the last eval gate, details for our own people only, and a refresh after a promotion."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.coverage import coverage_of
from assistant.gate_records import GateRecord, gate_record_path, load_gate_record, save_gate_record
from assistant.retrieval.embedding import Embedder
from assistant.settings import Settings
from assistant.wiring import build_assistant, open_registry, run_ingest
from tests.conftest import TODAY, make_settings
from tests.fakeslack import BotHarness, FakeSlack
from tests.slack_payloads import assert_within_limits

EXPERTS = "owners:\n  Lena Park: U0LENA\n  Sam Ortiz: U0SAM\n"


def doc(title: str, owner: str, review_by: str, confidentiality: str = "internal") -> str:
    return (
        f"---\ntitle: {title}\nconfidentiality: {confidentiality}\nowner: {owner}\n"
        f"review_by: {review_by}\n---\n\n"
        f"# {title}\n\nFiles received by 2:00 p.m. ET are mailed the same business day.\n"
    )


@pytest.fixture
def kb(tmp_path: Path, embedder: Embedder) -> tuple[Settings, Path]:
    root = tmp_path / "kb"
    (root / "offerings").mkdir(parents=True)
    (root / "offerings" / "mail.md").write_text(doc("Mail Service", "Lena Park", "2026-01-31"))
    (root / "offerings" / "print.md").write_text(doc("Print Service", "Sam Ortiz", "2026-02-28"))
    (root / "offerings" / "email.md").write_text(doc("Email Service", "Lena Park", "2027-12-31"))
    experts = tmp_path / "experts.yaml"
    experts.write_text(EXPERTS)
    settings = make_settings(tmp_path / "data", root).model_copy(
        update={"slack_experts_file": experts, "feedback_db": tmp_path / "feedback.sqlite3"}
    )
    run_ingest(settings, load_embedder=lambda: embedder)
    return settings, root


@pytest.fixture
def harness(fake: FakeSlack, kb: tuple[Settings, Path], embedder: Embedder) -> Iterator[BotHarness]:
    settings, _ = kb
    core = build_assistant(settings, clock=lambda: TODAY, embedder=embedder)
    h = BotHarness(
        fake,
        settings,
        core,
        coverage=lambda: coverage_of(core.retriever),
        last_gate=lambda: load_gate_record(gate_record_path(settings.data_dir)),
        home_refresh_seconds=0.05,
        today=lambda: TODAY,
    )
    yield h
    h.close()


def open_home(h: BotHarness, user: str) -> dict[str, Any]:
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0" + user,
        "tab": "home",
        "event_ts": "1.2",
    }
    reply, _ = h.sender.event(event)
    assert reply.status == 200
    published = [c for c in h.fake.calls_to("views.publish") if c.body["user_id"] == user]
    assert published, "the Home tab was published"
    return published[-1].body["view"]


def texts(view: dict[str, Any]) -> str:
    out = []
    for b in view["blocks"]:
        if "text" in b:
            out.append(b["text"]["text"])
        out += [e["text"] for e in b.get("elements", []) if "text" in e]
    return "\n".join(out)


def test_home_shows_version_build_gate_and_the_viewers_overdue_documents(
    harness: BotHarness, kb: tuple[Settings, Path]
) -> None:
    settings, _ = kb
    at = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
    save_gate_record(
        gate_record_path(settings.data_dir),
        GateRecord(candidate="v0001", baseline=None, passed=True, at=at),
    )
    view = open_home(harness, "U0LENA")
    shown = texts(view)
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert "`v0001`" in shown and "built 20" in shown and "3 documents" in shown
    assert "✅ passed for `v0001`, 2026-11-28 09:30 UTC" in shown
    assert "Your documents past their review date (1)" in shown and "Mail Service" in shown
    assert "Email Service" not in shown, "not overdue"
    assert "Print Service" not in shown and "1 more past review, owned by Sam Ortiz" in shown
    for block in view["blocks"]:
        assert_within_limits({"text": "home", "blocks": [block]})


def test_a_guest_sees_no_document_titles_on_home(harness: BotHarness) -> None:
    harness.fake.set_user("U0GUEST", is_restricted=True)
    shown = texts(open_home(harness, "U0GUEST"))
    assert "`v0001`" in shown and "none recorded" in shown
    assert "Mail Service" not in shown and "Sam Ortiz" not in shown and "Print" not in shown


def test_home_is_published_again_after_a_promotion(
    harness: BotHarness, kb: tuple[Settings, Path], embedder: Embedder
) -> None:
    settings, root = kb
    open_home(harness, "U0LENA")
    (root / "offerings" / "print.md").write_text(doc("Print Service", "Lena Park", "2026-02-28"))
    run_ingest(settings, stage=True, load_embedder=lambda: embedder)
    staged = open_registry(settings).state().staged
    assert staged == "v0002"
    open_registry(settings).promote(staged)
    harness.fake.wait_for(
        lambda calls: any(
            c.method == "views.publish" and "`v0002`" in str(c.body.get("view")) for c in calls
        ),
        what="the Home tab re-published with v0002",
    )
    view = harness.fake.calls_to("views.publish")[-1].body["view"]
    assert "Your documents past their review date (2)" in texts(view)
