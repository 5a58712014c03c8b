"""The deal desk through the real Bolt app: signed events and commands, the fake Web API serving the deal
sheet (bearer token checked) and taking the chart and workbook uploads."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from assistant.answering.core import Assistant
from assistant.deals import ComparableSet, DealPolicy, check_prices, find_comparables, read_deal, review_deal
from assistant.models import Audience
from assistant.settings import Settings
from assistant.slack.deal_desk import DealDesk, comparables_message, summary_message
from assistant.slack.questionnaire_filling import QuestionnaireFiller
from assistant.slack.rendering import SlackMessage
from assistant.wiring import open_catalog
from tests.conftest import ROOT
from tests.fakeslack import BotHarness, FakeSlack
from tests.slack_payloads import assert_within_limits

SALES = "C0SALES"
PINECREST_ROOM = "C0PINE"
SHARED = "C0SHARED"
RENEWAL = ROOT / "deals" / "pinecrest-health-renewal.yaml"


@pytest.fixture
def harness(
    fake: FakeSlack, demo_settings: Settings, demo_assistant: Assistant, tmp_path: Path
) -> Iterator[BotHarness]:
    channels = tmp_path / "channels.yaml"
    channels.write_text(f"channels:\n  {PINECREST_ROOM}:\n    client: Pinecrest Health\n", encoding="utf-8")
    settings = demo_settings.model_copy(
        update={
            "feedback_db": tmp_path / "feedback.sqlite3",
            "slack_channels_file": channels,
            "slack_workers": 2,
        }
    )
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    desk = DealDesk(DealPolicy(), lambda: open_catalog(demo_settings), scratch_dir=scratch)
    filler = QuestionnaireFiller(demo_assistant, max_bytes=10_000_000, max_questions=100, scratch_dir=scratch)
    h = BotHarness(
        fake,
        settings,
        demo_assistant,
        file_handler=desk.file_handler(filler),
        text_handler=desk.reply_to_text,
    )
    yield h
    h.close()
    assert list(scratch.iterdir()) == [], "downloads and workbooks are removed"


def attach(fake: FakeSlack, path: Path, file_id: str = "F0DEAL") -> dict[str, object]:
    return fake.add_file(file_id, path.name, path.read_bytes())


# What the desk must post, from the deals package and the same knowledge base: the adapter tests check
# that the reply is this rendering, not the demo deal's or the demo SOWs' figures.


def expected_summary(settings: Settings, sheet: Path) -> tuple[SlackMessage, list[str]]:
    """The summary message of the sheet's case, and the price checks it flags (as they read)."""
    deal = read_deal(sheet)
    catalog = open_catalog(settings)
    try:
        checks = check_prices(deal, catalog, audience=Audience.INTERNAL, client=None)
    finally:
        catalog.close()
    flagged = [f"{c.line}: ${c.price} per {c.unit} is {c.position} the range" for c in checks if c.flagged]
    return summary_message(review_deal(deal, DealPolicy()), checks), flagged


def comparables(settings: Settings, unit: str, client: str | None = None) -> ComparableSet:
    catalog = open_catalog(settings)
    try:
        return find_comparables(catalog, unit, audience=Audience.INTERNAL, client=client)
    finally:
        catalog.close()


def prices(found: ComparableSet) -> list[str]:
    return [f"${c.price}" for c in found.comparables]


def test_deal_sheet_with_business_case_gets_summary_chart_and_workbook_in_the_thread(
    harness: BotHarness, fake: FakeSlack, demo_settings: Settings
) -> None:
    expected, _ = expected_summary(demo_settings, RENEWAL)
    ts = harness.mention("business case for this renewal please", files=[attach(fake, RENEWAL)])
    reply = harness.answer(SALES, ts)

    [download] = fake.calls_to("file_download")
    assert download.headers["Authorization"] == f"Bearer {fake.token}"
    assert reply["text"] == expected.text and reply["text"].startswith("*Business case: Pinecrest Health*")
    assert [b for b in reply["blocks"] if b["type"] != "actions"] == expected.blocks
    [table] = [b for b in reply["blocks"] if b["type"] == "table"]
    figures = [row[0]["text"] for row in table["rows"][1:]]
    assert figures == ["ACV year 1", "ACV average", "TCV", "Gross profit", "Margin", "Payback", "NPV"]
    assert_within_limits(reply)

    uploads = {u["filename"]: u for u in fake.uploaded().values()}
    assert set(uploads) == {"pinecrest-health-renewal-case.png", "pinecrest-health-renewal-case.xlsx"}
    assert all((u["channel"], u["thread_ts"]) == (SALES, ts) for u in uploads.values())
    assert uploads["pinecrest-health-renewal-case.png"]["data"][:4] == b"\x89PNG"
    workbook = openpyxl.load_workbook(io.BytesIO(uploads["pinecrest-health-renewal-case.xlsx"]["data"]))
    assert workbook.sheetnames == ["Inputs", "Months", "Case", "Sensitivity", "Risks"]


def test_xlsx_deal_sheet_in_a_dm_is_answered_and_flags_prices_outside_the_seen_range(
    harness: BotHarness, fake: FakeSlack, tmp_path: Path, demo_settings: Settings
) -> None:
    from assistant.deals import write_template

    sheet = write_template(tmp_path / "cheap.xlsx")
    wb = openpyxl.load_workbook(sheet)
    for row in wb["Deal"].iter_rows(min_row=2):
        row[1].value = {"client": "Harbor Mutual", "start": "2027-01-01", "term_months": 24}.get(
            str(row[0].value), row[1].value
        )
    wb["Lines"].append(["Check printing", "check", 50000, 0.05, 0.03])
    wb.save(sheet)
    expected, flagged = expected_summary(demo_settings, sheet)
    assert any(f.startswith("Check printing: $0.05 per check is") for f in flagged), "a price to flag"
    ts = harness.dm("deal case", subtype="file_share", files=[attach(fake, sheet)])
    reply = harness.answer("D0ALICE", ts)
    assert reply["text"] == expected.text and "*Business case: Harbor Mutual*" in reply["text"]
    assert all(f in reply["text"] for f in flagged)
    assert len(fake.uploaded()) == 2


def test_bad_deal_sheet_gets_one_line_naming_the_field(
    harness: BotHarness, fake: FakeSlack, tmp_path: Path
) -> None:
    bad = tmp_path / "deal.yaml"
    bad.write_text(RENEWAL.read_text().replace("term_months: 36", "term_months: 0"))
    ts = harness.mention("business case", files=[attach(fake, bad)])
    reply = harness.answer(SALES, ts)
    assert "term_months" in reply["text"] and "\n" not in reply["text"]
    assert fake.uploaded() == {}


def test_deal_sheet_in_a_slack_connect_channel_is_refused_without_downloading(
    harness: BotHarness, fake: FakeSlack
) -> None:
    fake.set_channel(SHARED, is_channel=True, is_ext_shared=True)
    ts = harness.mention("business case", channel=SHARED, files=[attach(fake, RENEWAL)])
    reply = harness.answer(SHARED, ts)
    assert "internal channels only" in reply["text"] and "\n" not in reply["text"]
    assert fake.calls_to("file_download") == [] and fake.uploaded() == {}
    assert "$" not in reply["text"]


def test_guest_is_refused_the_deal_desk_even_in_a_dm(
    harness: BotHarness, fake: FakeSlack, demo_settings: Settings
) -> None:
    fake.set_user("U0GUEST", is_restricted=True)
    ts = harness.dm("business case", channel="D0GUEST", user="U0GUEST", subtype="file_share",
                    files=[attach(fake, RENEWAL)])  # fmt: skip
    assert "internal channels only" in harness.answer("D0GUEST", ts)["text"]
    ts = harness.dm("comparables per image", channel="D0GUEST", user="U0GUEST")
    text = harness.answer("D0GUEST", ts)["text"]
    assert "internal channels only" in text and "guest user" in text
    assert not any(p in text for p in prices(comparables(demo_settings, "per image")))
    assert fake.calls_to("file_download") == []


def command_thread(harness: BotHarness, fake: FakeSlack, channel: str) -> str:
    harness.settle()
    parents = [m for m in fake.messages(channel) if m.get("bot_id") and not m.get("thread_ts")]
    return harness.answer(channel, str(parents[-1]["ts"]))["text"]


def test_slash_comparables_answers_in_a_thread_with_min_median_max(
    harness: BotHarness, fake: FakeSlack, demo_settings: Settings
) -> None:
    found = comparables(demo_settings, "per image")
    assert len({c.client for c in found.comparables}) >= 2, "prices of several clients to show"
    reply = harness.sender.command("comparables per image", channel=SALES, user="U0ALICE")
    assert reply.status == 200
    text = command_thread(harness, fake, SALES)
    expected = comparables_message(found)
    assert text == expected.text
    assert text.startswith(f"*Prices per image* ({len(found.comparables)} in the knowledge base): min $")
    assert all(f"`{c.source}`" in text for c in found.comparables)
    parent = [m for m in fake.messages(SALES) if m.get("bot_id") and m.get("thread_ts")][-1]
    assert [b for b in parent["blocks"] if b["type"] != "actions"] == expected.blocks
    [table] = [b for b in parent["blocks"] if b["type"] == "table"]
    assert [c["text"] for c in table["rows"][0]][:3] == ["Price", "Service", "Client"]
    assert len(table["rows"]) == len(found.comparables) + 1  # header and one row a price
    assert_within_limits(parent)


def test_slash_comparables_in_a_client_channel_shows_only_that_clients_prices(
    harness: BotHarness, fake: FakeSlack, demo_settings: Settings
) -> None:
    theirs = comparables(demo_settings, "per image", client="Pinecrest Health")
    others = [
        c
        for c in comparables(demo_settings, "per image").comparables
        if c.client not in (None, "Pinecrest Health")
    ]
    assert theirs.comparables and others, "the channel's client and another client both have prices"
    harness.sender.command("comparables per image", channel=PINECREST_ROOM, user="U0ALICE")
    text = command_thread(harness, fake, PINECREST_ROOM)
    assert text == comparables_message(theirs).text
    assert all(c.client is not None and c.client not in text and c.source not in text for c in others)


def test_slash_comparables_in_an_external_channel_is_refused(
    harness: BotHarness, fake: FakeSlack, demo_settings: Settings
) -> None:
    fake.set_channel(SHARED, is_channel=True, is_ext_shared=True)
    harness.sender.command("comparables per image", channel=SHARED, user="U0ALICE")
    text = command_thread(harness, fake, SHARED)
    assert "internal channels only" in text
    assert not any(p in text for p in prices(comparables(demo_settings, "per image")))


def test_slash_case_without_a_file_says_how_to_send_one(harness: BotHarness, fake: FakeSlack) -> None:
    harness.sender.command("case", channel=SALES, user="U0ALICE")
    assert "Attach the deal sheet" in command_thread(harness, fake, SALES)


def test_other_files_still_go_to_the_questionnaire_filler(harness: BotHarness, fake: FakeSlack) -> None:
    ts = harness.mention("fill this in for Harbor Mutual", files=[attach(fake, RENEWAL)])
    reply = harness.answer(SALES, ts)
    assert "Business case" not in reply["text"], "no 'business case' asked: not the deal desk"
