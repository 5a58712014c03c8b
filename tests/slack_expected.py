"""What the bot must post for a question: the rendering of the Answer the same Assistant gives for it.

Adapter tests compare a reply with this instead of looking for the demo knowledge base's wording (a
figure, a sentence, a confidence): they then check what the adapter does (which request it makes of
the core, for which audience, and that it posts the rendered answer) whatever the documents say.
"""

from __future__ import annotations

from typing import Any, Literal

from assistant.answering.core import Assistant
from assistant.models import Answer, Audience, Confidentiality, Request, Status, Turn
from assistant.slack.escalation import needs_expert
from assistant.slack.rendering import render_answer
from tests.slack_payloads import shown_text


def answer_for(
    core: Assistant,
    question: str,
    *,
    audience: Audience = Audience.INTERNAL,
    client: str | None = None,
    mode: Literal["ask", "draft"] = "ask",
    earlier: tuple[str, ...] = (),
) -> Answer:
    """The core's answer to `question` (after the user's `earlier` questions in the same thread)."""
    history = [Turn(role="user", text=q) for q in earlier]
    request = Request(question=question, audience=audience, client=client, history=history)
    return core.draft(request) if mode == "draft" else core.ask(request)


def rendered(answer: Answer) -> dict[str, Any]:
    """The first message `render_answer` makes of `answer`, as a Slack message (text and blocks)."""
    first = render_answer(answer, record_id="0", offer_expert=needs_expert(answer))[0]
    return {"text": first.text, "blocks": first.blocks}


def assert_shows(reply: dict[str, Any], answer: Answer) -> None:
    """The reply is `answer` as rendered: the same blocks to read and the same fallback text."""
    expected = rendered(answer)
    assert shown_text(reply) == shown_text(expected)
    assert reply["text"] == expected["text"]


def audience_pair(core: Assistant, question: str) -> tuple[Answer, Answer]:
    """`question` answered for an internal audience (citing a confidential document) and for an external
    one (restricted): a question whose reply tells which audience the bot asked for."""
    internal = answer_for(core, question)
    external = answer_for(core, question, audience=Audience.EXTERNAL)
    levels = {s.chunk.source: s.chunk.meta.confidentiality for s in internal.retrieved}
    assert any(levels[c.source] is Confidentiality.CONFIDENTIAL for c in internal.citations), question
    assert external.status is Status.RESTRICTED, question
    return internal, external


def assert_external(reply: dict[str, Any], pair: tuple[Answer, Answer]) -> None:
    """The reply is the external (restricted) answer, and nothing of the internal one shows."""
    internal, external = pair
    assert_shows(reply, external)
    assert "Restricted here" in shown_text(reply)
    assert internal.answer not in reply["text"] and shown_text(rendered(internal)) != shown_text(reply)
