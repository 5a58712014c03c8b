"""Block Kit rendering within Slack's limits, mrkdwn escaping, and reading what a message asks for."""

from __future__ import annotations

import datetime as dt

from assistant.models import Answer, Citation, Confidence, Note, NoteKind, Status
from assistant.slack.conversation import history_from_replies, parse_command, parse_intent, plain_text
from assistant.slack.escalation import Experts, escalation_text, needs_expert
from assistant.slack.rendering import (
    BLOCKS_LIMIT,
    MARKDOWN_LIMIT,
    SECTION_LIMIT,
    citation_line,
    escape,
    render_answer,
    split_text,
)
from tests.slack_payloads import assert_within_limits, payload_problems

CLIENTS = ["Pinecrest Health", "Cobalt Ridge Insurance", "Calder County Department of Revenue"]


def answer(text: str, **fields: object) -> Answer:
    base: dict[str, object] = {"question": "q", "status": Status.ANSWERED, "confidence": Confidence.HIGH}
    return Answer(**{**base, "answer": text, **fields})  # type: ignore[arg-type]


def citation(n: int, **fields: object) -> Citation:
    base: dict[str, object] = {
        "number": n,
        "source": f"offerings/doc-{n}.md",
        "title": f"Doc {n}",
        "section": "Service levels > Turnaround",
        "effective_date": dt.date(2025, 6, 1),
        "chunk_id": f"c{n}",
    }
    return Citation(**{**base, **fields})  # type: ignore[arg-type]


def markdown_texts(blocks: list[dict[str, object]]) -> list[str]:
    return [str(b["text"]) for b in blocks if b["type"] == "markdown"]


def section_texts(blocks: list[dict[str, object]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]  # type: ignore[index]


def test_user_and_document_text_is_escaped_for_mrkdwn() -> None:
    assert escape("R&D <script> > 5") == "R&amp;D &lt;script&gt; &gt; 5"
    [message] = render_answer(answer("Fees < $1 & SLAs > 99% <!channel>"), record_id="1", offer_expert=False)
    body = markdown_texts(message.blocks)[0]
    assert body == "Fees &lt; $1 &amp; SLAs &gt; 99% &lt;!channel&gt;"
    assert "<!channel>" not in message.text


def test_long_answer_is_split_into_sections_of_at_most_3000_characters() -> None:
    paragraphs = [f"Paragraph {i}: " + "word & more " * 60 for i in range(20)]
    text = "\n\n".join(paragraphs)
    [message] = render_answer(answer(text), record_id="1", offer_expert=False)
    sections = section_texts(message.blocks)
    assert len(sections) > 3
    assert all(len(s) <= SECTION_LIMIT for s in sections)
    assert " ".join(" ".join(sections).split()).count("Paragraph") == 20
    assert "&amp" in sections[0] and not any(s.endswith("&") or s.endswith("&am") for s in sections)


def test_text_without_spaces_is_still_split_and_never_cuts_an_entity() -> None:
    pieces = split_text(escape("&" * 2000), 3000)
    assert all(len(p) <= 3000 for p in pieces)
    assert all(p.endswith(";") for p in pieces)
    assert "".join(pieces) == "&amp;" * 2000


def test_answer_longer_than_50_blocks_is_split_into_several_messages_with_buttons_on_the_last() -> None:
    long = answer("x " * 100_000, citations=[citation(i) for i in range(1, 6)])
    messages = render_answer(long, record_id="7", offer_expert=True)
    assert len(messages) >= 2
    assert all(len(m.blocks) <= BLOCKS_LIMIT for m in messages)
    assert all(m.text for m in messages)
    assert not markdown_texts([b for m in messages for b in m.blocks]), "too long for a markdown block"
    actions = [b for m in messages for b in m.blocks if b["type"] == "actions"]
    feedback = [b for m in messages for b in m.blocks if b["type"] == "context_actions"]
    assert len(actions) == 1 and messages[-1].blocks[-1] is actions[0]
    assert len(feedback) == 1 and messages[-1].blocks[-2] is feedback[0]
    assert [e["value"] for e in actions[0]["elements"]] == ["7"]  # Ask an expert
    [buttons] = feedback[0]["elements"]
    assert (buttons["positive_button"]["value"], buttons["negative_button"]["value"]) == ("up:7", "down:7")
    for m in messages:
        assert_within_limits({"text": m.text, "blocks": m.blocks})


def test_sources_are_a_numbered_list_with_title_section_date_and_overdue_flag() -> None:
    overdue = citation(2, title="Mail <Center> & Co", review_overdue=True, review_by=dt.date(2026, 1, 31))
    assert citation_line(citation(1)) == (
        "[1] *Doc 1* — Service levels &gt; Turnaround — effective 2025-06-01 — `offerings/doc-1.md`"
    )
    assert citation_line(overdue).startswith("[2] *Mail &lt;Center&gt; &amp; Co*")
    assert citation_line(overdue).endswith("⚠️ _review overdue since 2026-01-31_")


def test_not_found_names_nearest_documents_and_restricted_says_why() -> None:
    gap = Answer(question="q", status=Status.NOT_FOUND, answer="Nothing on this.", nearest=["A & B", "C"])
    [message] = render_answer(gap, record_id="1", offer_expert=True)
    text = "\n".join(markdown_texts(message.blocks))
    assert "Not in the knowledge base" in text and "- A &amp; B\n- C" in text
    refused = Answer(question="q", status=Status.RESTRICTED, answer="Internal documents only.")
    [message] = render_answer(refused, record_id="1", offer_expert=False)
    assert "Restricted here" in markdown_texts(message.blocks)[0]


def test_an_answer_is_one_markdown_block_with_its_sources_as_a_numbered_list() -> None:
    overdue = citation(2, title="Mail <Center>", review_overdue=True, review_by=dt.date(2026, 1, 31))
    check_sla = Note(kind=NoteKind.REVIEW_DUE, text="Check SLA.")
    cited = answer("We mail by **2 p.m.** [1][2].", citations=[citation(1), overdue], notes=[check_sla])
    [message] = render_answer(cited, record_id="3", offer_expert=False)
    [markdown] = markdown_texts(message.blocks)
    sources = markdown.split("**Sources**\n", 1)[1].splitlines()
    assert sources[0] == (
        "1. **Doc 1** — Service levels &gt; Turnaround — effective 2025-06-01 — `offerings/doc-1.md`"
    )
    assert sources[1].startswith("2. **Mail &lt;Center&gt;**")
    assert sources[1].endswith("⚠️ *review overdue since 2026-01-31*")
    assert "> ⚠️ Check SLA." in markdown
    assert message.text.startswith("We mail by **2 p.m.** [1][2].") and "Check SLA." in message.text
    assert "Doc 1" in message.text and "Mail &lt;Center&gt;" in message.text, "fallback text: everything"
    assert_within_limits({"text": message.text, "blocks": message.blocks})


def test_an_answer_past_the_markdown_limit_falls_back_to_sections_and_keeps_all_its_text() -> None:
    text = "\n\n".join(f"Paragraph {i}: " + "word " * 120 for i in range(25))
    assert len(text) > MARKDOWN_LIMIT
    messages = render_answer(answer(text), record_id="1", offer_expert=False)
    blocks = [b for m in messages for b in m.blocks]
    assert not markdown_texts(blocks) and section_texts(blocks)
    assert " ".join(" ".join(section_texts(blocks)).split()).count("Paragraph") == 25
    for m in messages:
        assert_within_limits({"text": m.text, "blocks": m.blocks})


def test_the_validator_refuses_what_slack_refuses() -> None:
    assert payload_problems({"text": "", "blocks": [{"type": "markdown", "text": "x"}]})
    assert payload_problems(
        {"text": "t", "blocks": [{"type": "markdown", "text": "x" * (MARKDOWN_LIMIT + 1)}]}
    )
    assert payload_problems(
        {"text": "t", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]}
    )
    assert payload_problems(
        {"text": "t", "blocks": [{"type": "table", "rows": [[{"type": "raw_text", "text": "a"}]] * 101}]}
    )
    assert payload_problems(
        {"text": "t", "blocks": [{"type": "context_actions", "elements": [{"type": "button"}]}]}
    )
    assert payload_problems({"text": "t", "blocks": [{"type": "divider"}] * 51})


def test_expert_is_offered_for_low_confidence_and_not_found_only() -> None:
    assert needs_expert(answer("a", confidence=Confidence.LOW))
    assert needs_expert(Answer(question="q", status=Status.NOT_FOUND, answer=""))
    assert not needs_expert(answer("a", confidence=Confidence.MEDIUM))
    assert not needs_expert(Answer(question="q", status=Status.RESTRICTED, answer=""))


def test_escalation_mentions_the_owner_else_the_fallback_group() -> None:
    experts = Experts(owners={"Lena Park": "U0LENA"}, fallback="S0DESK")
    mapped = escalation_text(experts, owner="lena park", asker="U1", clicker="U2", question="SLA <b>?")
    assert mapped.startswith("🙋 <@U0LENA>") and "from <@U1>" in mapped and "> SLA &lt;b&gt;?" in mapped
    unmapped = escalation_text(experts, owner="Sam Ortiz", asker="U1", clicker="U1", question="q")
    assert unmapped.startswith("🙋 <!subteam^S0DESK>") and "Sam Ortiz" in unmapped
    nobody = escalation_text(Experts(), owner=None, asker="U1", clicker="U1", question="q")
    assert "no expert is configured" in nobody


def test_draft_request_names_a_known_client_case_insensitively() -> None:
    intent = parse_intent("Draft: describe your HIPAA program for pinecrest health?", CLIENTS)
    assert (intent.kind, intent.question, intent.client) == (
        "draft",
        "describe your HIPAA program",
        "Pinecrest Health",
    )


def test_for_a_kind_of_client_stays_part_of_the_question() -> None:
    intent = parse_intent("draft: how we handle mail for healthcare clients", CLIENTS)
    assert (intent.question, intent.client) == ("how we handle mail for healthcare clients", None)
    prospect = parse_intent("draft: our mailroom SLA for Harbor Mutual", CLIENTS)
    assert prospect.client == "Harbor Mutual"


def test_slash_command_verbs() -> None:
    assert parse_command("", CLIENTS).kind == "help"
    assert parse_command("help", CLIENTS).kind == "help"
    assert parse_command("ask what is the SLA?", CLIENTS) == parse_intent("what is the SLA?", CLIENTS)
    draft = parse_command("draft Describe pricing for Cobalt Ridge Insurance", CLIENTS)
    assert (draft.kind, draft.question, draft.client) == (
        "draft",
        "Describe pricing",
        "Cobalt Ridge Insurance",
    )
    assert parse_command("what is the SLA?", CLIENTS).kind == "ask"


def test_plain_text_drops_the_bots_mention_and_resolves_slack_markup() -> None:
    raw = "<@U0BOT> ask <@U0LENA> about <#C1|deals> &amp; <https://x.test/a|the SOW> &lt;3"
    assert plain_text(raw, "U0BOT") == "ask @U0LENA about #deals & the SOW (https://x.test/a) <3"


def test_thread_history_keeps_people_and_the_bot_but_not_placeholders_other_bots_or_later_messages() -> None:
    messages = [
        {"ts": "1.0", "user": "U1", "text": "<@U0BOT> What is the SLA?"},
        {"ts": "2.0", "user": "U0BOT", "bot_id": "B0BOT", "text": "99.5% [1]"},
        {"ts": "3.0", "bot_id": "B9", "subtype": "bot_message", "text": "other bot"},
        {"ts": "4.0", "user": "U1", "text": "<@U0BOT> what about healthcare?"},
        {"ts": "5.0", "user": "U0BOT", "bot_id": "B0BOT", "text": "⏳ Looking that up…"},
    ]
    turns = history_from_replies(messages, before_ts="4.0", bot_user_id="U0BOT", bot_id="B0BOT")
    assert [(t.role, t.text) for t in turns] == [("user", "What is the SLA?"), ("assistant", "99.5% [1]")]
