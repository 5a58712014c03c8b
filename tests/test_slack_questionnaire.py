"""Questionnaires filled from Slack, end to end: signed events into the real Bolt app, the real Assistant over
the demo knowledge base, and a fake Web API that serves the attachment (bearer token checked) and takes the
upload of the filled copy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from slack_sdk import WebClient

from assistant.answering.core import Assistant
from assistant.cli.slack_commands import bot_config
from assistant.coverage import DocumentSummary, coverage_of
from assistant.models import Audience
from assistant.settings import Settings
from assistant.slack.files import FileMessage
from assistant.slack.questionnaire_filling import (
    DraftingProgress,
    QuestionnaireFiller,
    StatusMessage,
    named_client,
    questionnaire_filler,
)
from tests.fakeslack import BotHarness, FakeSlack
from tests.questionnaire_builders import (
    CCM,
    MAILROOM,
    MANDARIN,
    PRINT_MAIL,
    SOC2,
    build_document,
    build_protected,
    build_rfp_document,
    build_rfp_workbook,
    build_truncated,
    build_workbook,
    sheet_records,
    table_rows,
)
from tests.slack_payloads import assert_within_limits

SALES = "C0SALES"
PINECREST_ROOM = "C0PINE"
SHARED = "C0SHARED"
DM = "D0ALICE"
HARBOR = "Harbor Mutual"
MAX_BYTES = 10 * 1024 * 1024
TURNAROUND = "What turnaround times do you commit to for mail processing?"
PRICE_PER_IMAGE = "What is the price per image for mailroom scanning?"

CHANNELS_YAML = f"""
channels:
  {PINECREST_ROOM}:
    client: Pinecrest Health
"""


@pytest.fixture
def bot_settings(demo_settings: Settings, tmp_path: Path) -> Settings:
    channels = tmp_path / "channels.yaml"
    channels.write_text(CHANNELS_YAML, encoding="utf-8")
    return demo_settings.model_copy(
        update={
            "feedback_db": tmp_path / "feedback.sqlite3",
            "slack_channels_file": channels,
            "slack_workers": 2,
        }
    )


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    folder = tmp_path / "scratch"
    folder.mkdir()
    return folder


@pytest.fixture
def harness(
    fake: FakeSlack, bot_settings: Settings, demo_assistant: Assistant, scratch: Path
) -> Iterator[BotHarness]:
    filler = QuestionnaireFiller(
        demo_assistant, max_bytes=MAX_BYTES, max_questions=100, scratch_dir=scratch, progress_seconds=0
    )
    h = BotHarness(fake, bot_settings, demo_assistant, file_handler=filler)
    yield h
    h.close()


@pytest.fixture
def configured_harness(
    fake: FakeSlack, bot_settings: Settings, demo_assistant: Assistant
) -> Iterator[Callable[..., BotHarness]]:
    """A harness whose handler is built from settings (as `deal-assistant slack` builds it), overridden."""
    made: list[BotHarness] = []

    def make(**overrides: Any) -> BotHarness:
        settings = bot_settings.model_copy(update=overrides)
        h = BotHarness(
            fake,
            settings,
            demo_assistant,
            file_handler=questionnaire_filler(bot_config(settings), demo_assistant),
        )
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()


def attach(fake: FakeSlack, path: Path, file_id: str = "F0RFP") -> dict[str, Any]:
    return fake.add_file(file_id, path.name, path.read_bytes())


def only_upload(fake: FakeSlack) -> dict[str, Any]:
    uploads = list(fake.uploaded().values())
    assert len(uploads) == 1, uploads
    return uploads[0]


def saved(upload: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / str(upload["filename"])
    path.write_bytes(upload["data"])
    return path


def status_updates(fake: FakeSlack, ts: str) -> list[str]:
    return [c.body["text"] for c in fake.calls_to("chat.update") if c.body["ts"] == ts]


def sources_of(path: Path, sheet: str, header_row: int) -> list[str]:
    return [str(r["Sources"]) for r in sheet_records(path, sheet, header_row) if r.get("Sources")]


def cited_documents(core: Assistant, sources: list[str]) -> list[DocumentSummary]:
    """The knowledge base's documents that Sources cells cite, one a line ("Title (path)")."""
    documents = {f"{d.title} ({d.source})": d for d in coverage_of(core.retriever).documents}
    lines = [line for cell in sources for line in cell.splitlines()]
    assert all(line in documents for line in lines), lines
    return [documents[line] for line in lines]


# -- filling --------------------------------------------------------------------------------------


def test_xlsx_attached_to_a_mention_is_filled_and_uploaded_to_the_thread_with_its_summary(
    harness: BotHarness, fake: FakeSlack, tmp_path: Path, scratch: Path
) -> None:
    source = build_rfp_workbook(tmp_path / "harbor-rfp.xlsx")
    original = source.read_bytes()
    ts = harness.mention("fill this in for Harbor Mutual", files=[attach(fake, source)])
    status = harness.answer(SALES, ts)

    [download] = fake.calls_to("file_download")
    assert download.headers["Authorization"] == f"Bearer {fake.token}"
    assert download.body["path"].startswith("/files-pri/F0RFP/")
    upload = only_upload(fake)
    assert (upload["filename"], upload["channel"], upload["thread_ts"]) == (
        "harbor-rfp-filled.xlsx",
        SALES,
        ts,
    )
    comment = str(upload["initial_comment"])
    assert comment.startswith("Filled 7 questions (6 unique) in harbor-rfp-filled.xlsx: ")
    assert "need review" in comment

    filled = saved(upload, tmp_path / "out")
    workbook = openpyxl.load_workbook(filled)
    security = {str(r["ID"]): r for r in sheet_records(filled, "Security", header_row=2) if r.get("ID")}
    assert security["1.1"]["Question"] == SOC2
    assert security["1.1"]["Confidence"] in {"high", "medium", "low"}
    assert security["1.1"]["Response"] and security["1.1"]["Sources"]
    assert security["1.1"]["Comments"] == "Attach the latest report"
    assert (security["2.1"]["Question"], security["2.1"]["Confidence"]) == (MANDARIN, "not found")
    assert workbook["Instructions"]["A1"].value == "Harbor Mutual: request for proposal"
    assert source.read_bytes() == original
    [table] = [b for b in status["blocks"] if b["type"] == "table"]
    cells = [[c["text"] for c in row] for row in table["rows"]]
    assert cells[0] == ["Drafted answers", "6 unique of 7"]
    assert [row[0] for row in cells[1:]] == [
        "high",
        "medium",
        "low (review)",
        "not found (review)",
        "restricted (review)",
    ]
    assert sum(int(row[1]) for row in cells[1:]) == 7
    assert "Filled 7 questions (6 unique)" in status["text"], "the fallback text carries the counts"
    assert_within_limits(status)

    updates = status_updates(fake, status["ts"])
    assert "*harbor-rfp.xlsx* for *Harbor Mutual*" in updates[0] and updates[0].startswith("⏳")
    assert len(updates) == 2, "a short questionnaire gets no progress updates"
    assert updates[-1].startswith("✅") and status["text"] == updates[-1]
    assert list(scratch.iterdir()) == [], "the downloaded and filled files are removed"


def test_docx_sent_in_a_dm_is_filled_and_uploaded_to_the_dm(
    harness: BotHarness, fake: FakeSlack, tmp_path: Path
) -> None:
    source = build_rfp_document(tmp_path / "harbor-rfp.docx")
    ts = harness.dm("fill this in for Harbor Mutual", subtype="file_share", files=[attach(fake, source)])
    harness.settle()

    upload = only_upload(fake)
    assert (upload["filename"], upload["channel"], upload["thread_ts"]) == ("harbor-rfp-filled.docx", DM, ts)
    filled = saved(upload, tmp_path / "out")
    paragraphs = [p.text for p in docx.Document(str(filled)).paragraphs]
    answered = paragraphs[paragraphs.index(f"4.1 {PRINT_MAIL}") + 1]
    assert answered.startswith("Answer: ") and len(answered) > len("Answer: ") + 20
    by_number = {row[0]: row for row in table_rows(filled)[2:]}
    assert by_number["5.1"][1] == CCM
    assert "Confidence: " in by_number["5.1"][2]
    assert "Filled 6 questions (5 unique) in harbor-rfp-filled.docx" in str(upload["initial_comment"])


def test_client_comes_from_the_channel_mapping_when_the_message_names_none(
    harness: BotHarness, fake: FakeSlack, tmp_path: Path, demo_assistant: Assistant
) -> None:
    source = build_workbook(tmp_path / "pricing.xlsx", [["Question"], [PRICE_PER_IMAGE]])
    ts = harness.mention("please fill this in", channel=PINECREST_ROOM, files=[attach(fake, source)])
    status = harness.answer(PINECREST_ROOM, ts)

    assert "for *Pinecrest Health*" in status["text"]
    filled = saved(only_upload(fake), tmp_path / "out")
    cited = cited_documents(demo_assistant, sources_of(filled, "Sheet", header_row=1))
    assert any(d.client == "Pinecrest Health" for d in cited), "the client's own documents are used"
    assert all(d.client in (None, "Pinecrest Health") for d in cited), "and no other client's"


def test_slack_connect_channel_gets_answers_from_public_documents_only(
    harness: BotHarness, fake: FakeSlack, tmp_path: Path, demo_assistant: Assistant
) -> None:
    fake.set_channel(SHARED, is_channel=True, is_ext_shared=True)
    source = build_workbook(tmp_path / "shared.xlsx", [["Question"], [SOC2], [TURNAROUND]])
    ts = harness.mention("fill this in for Harbor Mutual", channel=SHARED, files=[attach(fake, source)])
    status = harness.answer(SHARED, ts)

    assert "public documents only" in status["text"]
    filled = saved(only_upload(fake), tmp_path / "out")
    sources = sources_of(filled, "Sheet", header_row=1)
    cited = cited_documents(demo_assistant, sources)
    assert cited, "public documents still answer"
    assert all(d.confidentiality == "public" and d.client is None for d in cited), sources


def test_long_questionnaire_updates_one_progress_message(
    harness: BotHarness, fake: FakeSlack, tmp_path: Path
) -> None:
    questions = [SOC2, MAILROOM, PRINT_MAIL]
    rows: list[list[object]] = [["ID", "Question"]]
    rows += [[f"Q{i + 1}", questions[i % len(questions)]] for i in range(30)]
    source = build_workbook(tmp_path / "long.xlsx", rows)
    ts = harness.mention("fill this in for Harbor Mutual", files=[attach(fake, source)])
    status = harness.answer(SALES, ts)

    updates = status_updates(fake, status["ts"])
    assert len(fake.calls_to("chat.update")) == len(updates), "every update goes to the one status message"
    progress = [u for u in updates if "distinct questions drafted" in u]
    assert [u.split(": ", 1)[1] for u in progress] == [
        "0 of 3 distinct questions drafted (0%)…",
        "1 of 3 distinct questions drafted (33%)…",
        "2 of 3 distinct questions drafted (66%)…",
    ]
    assert "(30 questions)" in progress[0]
    assert updates[-1].startswith("✅")
    assert "Filled 30 questions (3 unique)" in str(only_upload(fake)["initial_comment"])


# -- refusals -------------------------------------------------------------------------------------


def _empty(folder: Path) -> Path:
    path = folder / "empty.xlsx"
    path.touch()
    return path


BAD_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "protected": (lambda d: build_protected(d / "locked.xlsx"), "locked.xlsx is password-protected"),
    "corrupt": (
        lambda d: build_truncated(d / "cut.docx", build_rfp_document(d / "good.docx")),
        "cut.docx is corrupt",
    ),
    "empty": (_empty, "empty.xlsx is empty"),
    "no-questions": (
        lambda d: build_workbook(d / "prices.xlsx", [["Service", "Unit price"], ["Print", 0.12]]),
        "prices.xlsx has no recognisable questions",
    ),
    "prose-only": (
        lambda d: build_document(d / "overview.docx", ["Company overview", "We have served insurers."]),
        "overview.docx has no recognisable questions",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_unusable_file_gets_a_one_line_reason_in_the_thread_and_nothing_is_uploaded(
    harness: BotHarness, fake: FakeSlack, tmp_path: Path, scratch: Path, case: str
) -> None:
    build, expected = BAD_FILES[case]
    ts = harness.mention("fill this in for Harbor Mutual", files=[attach(fake, build(tmp_path))])
    reply = harness.answer(SALES, ts)

    assert reply["text"].startswith("⚠️ ") and expected in reply["text"]
    assert "\n" not in reply["text"]
    assert fake.calls_to("files.getUploadURLExternal") == [] and fake.uploaded() == {}
    assert len(fake.calls_to("file_download")) == 1
    assert list(scratch.iterdir()) == []


def test_file_over_the_configured_size_limit_is_refused_before_download(
    configured_harness: Callable[..., BotHarness], fake: FakeSlack, tmp_path: Path
) -> None:
    h = configured_harness(questionnaire_max_mb=0.001)
    source = build_rfp_workbook(tmp_path / "big.xlsx")
    ts = h.mention("fill this in for Harbor Mutual", files=[attach(fake, source)])
    reply = h.answer(SALES, ts)

    assert "big.xlsx is" in reply["text"] and "the limit is 1.02 KiB" in reply["text"]
    assert fake.calls_to("file_download") == []
    assert fake.uploaded() == {}


def test_file_over_the_configured_question_limit_is_refused(
    configured_harness: Callable[..., BotHarness], fake: FakeSlack, tmp_path: Path
) -> None:
    h = configured_harness(questionnaire_max_questions=2)
    source = build_workbook(tmp_path / "three.xlsx", [["Question"], [SOC2], [MAILROOM], [PRINT_MAIL]])
    ts = h.mention("fill this in for Harbor Mutual", files=[attach(fake, source)])

    assert "three.xlsx has 3 questions; the limit is 2 per file" in h.answer(SALES, ts)["text"]
    assert fake.uploaded() == {}


def test_unsupported_file_type_gets_a_reply_naming_the_supported_types(
    harness: BotHarness, fake: FakeSlack
) -> None:
    pdf = fake.add_file("F0PDF", "rfp.pdf", b"%PDF-1.7 not a questionnaire")
    ts = harness.mention("fill this in for Harbor Mutual", files=[pdf])
    text = harness.answer(SALES, ts)["text"]

    assert "rfp.pdf" in text and ".xlsx or .docx" in text
    assert fake.calls_to("file_download") == []


def test_first_supported_attachment_is_filled_when_others_are_not(
    harness: BotHarness, fake: FakeSlack, tmp_path: Path
) -> None:
    pdf = fake.add_file("F0PDF", "brochure.pdf", b"%PDF-1.7")
    source = build_workbook(tmp_path / "one.xlsx", [["Question"], [SOC2]])
    ts = harness.mention("fill this in for Harbor Mutual", files=[pdf, attach(fake, source)])
    harness.settle()

    [download] = fake.calls_to("file_download")
    assert download.body["path"].startswith("/files-pri/F0RFP/")
    assert only_upload(fake)["filename"] == "one-filled.xlsx"
    assert "other attachments are left out" in status_updates(fake, harness.answer(SALES, ts)["ts"])[0]


def test_file_stub_from_a_shared_channel_is_completed_with_files_info(
    harness: BotHarness, fake: FakeSlack
) -> None:
    fake.add_file("F0STUB", "scan.pdf", b"%PDF-1.7")
    stub = {"id": "F0STUB", "mode": "file_access", "file_access": "check_file_info"}
    ts = harness.mention("fill this in for Harbor Mutual", files=[stub])

    assert "scan.pdf" in harness.answer(SALES, ts)["text"]
    assert [c.body["file"] for c in fake.calls_to("files.info")] == ["F0STUB"]


def test_questionnaire_without_a_client_gets_asked_which_client(
    harness: BotHarness, fake: FakeSlack, tmp_path: Path
) -> None:
    source = build_workbook(tmp_path / "rfp.xlsx", [["Question"], [SOC2]])
    ts = harness.dm("", subtype="file_share", files=[attach(fake, source)])
    text = harness.answer(DM, ts)["text"]

    assert "Which client is this questionnaire for?" in text and "fill this in for &lt;client&gt;" in text
    assert fake.calls_to("file_download") == []


def test_client_mapped_channel_refuses_a_questionnaire_for_another_client(
    harness: BotHarness, fake: FakeSlack, tmp_path: Path
) -> None:
    source = build_workbook(tmp_path / "rfp.xlsx", [["Question"], [SOC2]])
    ts = harness.mention(
        "fill this in for Harbor Mutual", channel=PINECREST_ROOM, files=[attach(fake, source)]
    )
    text = harness.answer(PINECREST_ROOM, ts)["text"]

    assert "only for Pinecrest Health" in text
    assert fake.calls_to("file_download") == [] and fake.uploaded() == {}


@pytest.mark.parametrize(
    ("text", "client"),
    [
        ("fill this in for Harbor Mutual", "Harbor Mutual"),
        ("Can you fill this in for Harbor Mutual? Thanks!", "Harbor Mutual"),
        ("fill in the attached for the pinecrest health team please", "Pinecrest Health"),
        ("fill this in for healthcare clients", None),
        ("please fill this in", None),
    ],
)
def test_client_is_read_from_a_for_clause_ending_a_sentence_or_a_known_name(
    text: str, client: str | None
) -> None:
    assert named_client(text, ["Pinecrest Health", "Cobalt Ridge Insurance"]) == client


# -- progress throttling --------------------------------------------------------------------------


def test_progress_is_shown_at_most_every_tenth_and_interval_but_at_least_every_half_minute(
    fake: FakeSlack,
) -> None:
    posted = fake.add_message(SALES, user="U0ALICE", text="placeholder")
    message = FileMessage(
        channel=SALES,
        thread_ts=posted,
        user="U0ALICE",
        text="",
        files=[],
        audience=Audience.INTERNAL,
        client=None,
        web=WebClient(token=fake.token, base_url=fake.api_url),
        placeholder_ts=posted,
    )
    now = [0.0]
    progress = DraftingProgress(StatusMessage(message), "Filling", min_seconds=3.0, clock=lambda: now[0])

    def drafted(done: int, at: float) -> None:
        now[0] = at
        progress(done, 100)

    drafted(0, 0.0)  # shown: the start
    drafted(5, 5.0)  # not yet 10%
    drafted(10, 6.0)  # 10% and 6 s: shown
    drafted(25, 7.0)  # 15% more, but only 1 s later
    drafted(26, 40.0)  # quiet for over 30 s: shown
    drafted(99, 41.0)  # 73% more, 1 s later
    drafted(100, 90.0)  # done: the final status replaces the progress
    shown = [c.body["text"].split(": ", 1)[1] for c in fake.calls_to("chat.update")]
    assert shown == [
        "0 of 100 distinct questions drafted (0%)…",
        "10 of 100 distinct questions drafted (10%)…",
        "26 of 100 distinct questions drafted (26%)…",
    ]
