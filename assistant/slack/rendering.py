"""Block Kit rendering of answers, drafts, help and problems, within Slack's size limits.

Every message carries fallback `text` beside its blocks; user and document text is escaped for mrkdwn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.models import Answer, Audience, Citation, Status

SECTION_LIMIT = 3000  # characters of text in one section block
MARKDOWN_LIMIT = 12000  # characters of standard Markdown in a markdown block (and per message)
BLOCKS_LIMIT = 50  # blocks in one message
FALLBACK_LIMIT = 12000  # fallback text kept per message (Slack truncates far beyond this)

FEEDBACK_UP = "feedback_up"
FEEDBACK_DOWN = "feedback_down"
FEEDBACK = "answer_feedback"  # the native 👍/👎 (feedback_buttons); values "up:<record>" / "down:<record>"
ESCALATE = "escalate"
APPROVE = "library_approve"
EDIT_APPROVE = "library_edit_approve"
REASON_VIEW = "feedback_reason"
REASON_BLOCK = "reason"
REASON_INPUT = "reason_input"

PLACEHOLDER_PREFIX = "⏳"


@dataclass(frozen=True)
class SlackMessage:
    """One chat message: fallback text (mrkdwn) and its blocks."""

    text: str
    blocks: list[dict[str, Any]]


def escape(text: str) -> str:
    """Escape the three characters mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown_to_mrkdwn(text: str) -> str:
    """Turn the little Markdown a composer writes (bold, headings, bullets) into Slack's mrkdwn."""
    text = re.sub(r"\*\*(.+?)\*\*", r"*\1*", text)
    text = re.sub(r"(?m)^#{1,6}\s+(.+)$", r"*\1*", text)
    return re.sub(r"(?m)^(\s*)[-*]\s+", r"\1• ", text)


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split text into pieces of at most `limit` characters, at paragraph, line or word boundaries."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _boundary(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _boundary(text: str, limit: int) -> int:
    window = text[: limit + 1]
    for sep in ("\n\n", "\n", " "):
        at = window.rfind(sep)
        if at > limit // 3:
            return at
    cut = limit
    amp = text.rfind("&", max(0, cut - 5), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp  # never cut an escaped entity in two
    return cut


def _section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _sections(mrkdwn: str) -> list[dict[str, Any]]:
    return [_section(piece) for piece in split_text(mrkdwn)]


def _context(mrkdwn: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn}]}


def _button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def citation_line(c: Citation, *, markdown: bool = False) -> str:
    """One numbered source: title, section, date and the review-overdue flag, escaped; in Slack mrkdwn
    ("[1] *Title*") or, with `markdown`, standard Markdown for a markdown block ("1. **Title**")."""
    strong, emphasis, number = ("**", "*", f"{c.number}.") if markdown else ("*", "_", f"[{c.number}]")
    parts = [f"{strong}{escape(c.title)}{strong}"]
    if c.section:
        parts.append(escape(c.section))
    if c.effective_date:
        parts.append(f"effective {c.effective_date.isoformat()}")
    parts.append(f"`{escape(c.source)}`")
    line = f"{number} " + " — ".join(parts)
    if c.review_overdue:
        since = f" since {c.review_by.isoformat()}" if c.review_by else ""
        line += f" ⚠️ {emphasis}review overdue{since}{emphasis}"
    return line


def _headline(answer: Answer) -> str:
    bits: list[str] = []
    if answer.mode == "draft":
        bits.append(f"📝 *Draft* for *{escape(answer.client or 'the client')}*")
    elif answer.client:
        bits.append(f"For *{escape(answer.client)}*")
    if answer.confidence:
        bits.append(f"Confidence: *{answer.confidence.value}*")
    if answer.audience is Audience.EXTERNAL:
        bits.append("🔒 external audience: public documents only")
    return " · ".join(bits)


def _body(answer: Answer) -> list[dict[str, Any]]:
    text = markdown_to_mrkdwn(escape(answer.answer))
    if answer.status is Status.NOT_FOUND:
        blocks = _sections("🔎 *Not in the knowledge base.*\n" + text)
        if any(n not in answer.answer for n in answer.nearest):
            nearest = "\n".join(f"• {escape(n)}" for n in answer.nearest)
            blocks += _sections("*Nearest documents*\n" + nearest)
        return blocks
    if answer.status is Status.RESTRICTED:
        return _sections("🔒 *Restricted here.*\n" + text)
    return _sections(text)


def answer_markdown(answer: Answer) -> str:
    """The answer, its notes and its numbered sources as standard Markdown (for a markdown block)."""
    text = escape(answer.answer)
    if answer.status is Status.NOT_FOUND:
        text = "🔎 **Not in the knowledge base.**\n" + text
        if any(n not in answer.answer for n in answer.nearest):
            text += "\n\n**Nearest documents**\n" + "\n".join(f"- {escape(n)}" for n in answer.nearest)
    elif answer.status is Status.RESTRICTED:
        text = "🔒 **Restricted here.**\n" + text
    parts = [text]
    parts += [f"> ⚠️ {escape(note.text)}" for note in answer.notes]
    if answer.citations:
        parts.append("**Sources**\n" + "\n".join(citation_line(c, markdown=True) for c in answer.citations))
    return "\n\n".join(parts)


def answer_blocks(answer: Answer) -> list[dict[str, Any]]:
    """The content blocks of an answer or draft, without its buttons: one markdown block, or (above
    MARKDOWN_LIMIT) today's mrkdwn sections."""
    markdown = answer_markdown(answer)
    if not markdown.strip() or len(markdown) > MARKDOWN_LIMIT:
        return section_blocks(answer)
    blocks: list[dict[str, Any]] = []
    headline = _headline(answer)
    if headline and answer.status is Status.ANSWERED:
        blocks.append(_context(headline))
    blocks.append({"type": "markdown", "text": markdown})
    return blocks


def section_blocks(answer: Answer) -> list[dict[str, Any]]:
    """The content blocks of an answer as mrkdwn sections (any length: split at 3,000 characters)."""
    blocks: list[dict[str, Any]] = []
    headline = _headline(answer)
    if headline and answer.status is Status.ANSWERED:
        blocks.append(_context(headline))
    blocks += _body(answer)
    for note in answer.notes:
        blocks += [_context(piece) for piece in split_text("⚠️ " + escape(note.text))]
    if answer.citations:
        sources = "\n".join(citation_line(c) for c in answer.citations)
        blocks += _sections("*Sources*\n" + sources)
    return blocks


def feedback_block(record_id: str) -> dict[str, Any]:
    """Slack's native 👍/👎 under an answer (a context_actions block with feedback_buttons)."""
    return {
        "type": "context_actions",
        "block_id": "answer_feedback",
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": FEEDBACK,
                "positive_button": {
                    "text": {"type": "plain_text", "text": "Helpful"},
                    "value": f"up:{record_id}",
                    "accessibility_label": "This answer was helpful",
                },
                "negative_button": {
                    "text": {"type": "plain_text", "text": "Not helpful"},
                    "value": f"down:{record_id}",
                    "accessibility_label": "This answer was not helpful",
                },
            }
        ],
    }


def answer_actions(
    record_id: str, *, offer_expert: bool, offer_approval: bool = False
) -> list[dict[str, Any]]:
    """The controls under every answer: native 👍/👎, then "Ask an expert" when it is weak and
    "Approve" / "Edit & approve" (into the answer library) where only our own people see it."""
    blocks = [feedback_block(record_id)]
    elements: list[dict[str, Any]] = []
    if offer_expert:
        elements.append(_button("🙋 Ask an expert", ESCALATE, record_id, style="primary"))
    if offer_approval:
        elements.append(_button("✅ Approve", APPROVE, record_id))
        elements.append(_button("✏️ Edit & approve", EDIT_APPROVE, record_id))
    if elements:
        blocks.append({"type": "actions", "block_id": "answer_actions", "elements": elements})
    return blocks


def render_answer(
    answer: Answer,
    *,
    record_id: str | None,
    offer_expert: bool = False,
    offer_approval: bool = False,
    note: str | None = None,
) -> list[SlackMessage]:
    """An answer as one or more messages (50 blocks each at most); buttons close the last one.

    `note` (e.g. that the model's text was replaced) is shown above the answer and leads the fallback
    text; without a `record_id` (an answer shown for now, to be replaced) there are no buttons.
    """
    content = answer_blocks(answer)
    if note:
        content.insert(0, _context("ℹ️ " + escape(note)))
    per_message = BLOCKS_LIMIT - 2  # room for the feedback and actions blocks
    groups = [content[i : i + per_message] for i in range(0, len(content), per_message)] or [[]]
    messages = []
    for i, group in enumerate(groups):
        blocks = list(group)
        if i == len(groups) - 1 and record_id is not None:
            blocks += answer_actions(record_id, offer_expert=offer_expert, offer_approval=offer_approval)
        text = escape(answer.shown_text()) if i == 0 else _fallback(group)
        if i == 0 and note:
            text = f"{escape(note)}\n\n{text}"
        messages.append(SlackMessage(text=text[:FALLBACK_LIMIT], blocks=blocks))
    return messages


def _fallback(blocks: list[dict[str, Any]]) -> str:
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    texts += [b["text"] for b in blocks if b["type"] == "markdown"]
    texts += [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    return "\n\n".join(texts) or "(continued)"


TABLE_ROWS = 100  # rows of a table block, its header included
TABLE_CELLS = 20  # cells in a row


def table_block(header: list[str], rows: list[list[str]]) -> dict[str, Any]:
    """A `table` block (plain-text cells, header row first), cut to Slack's 100 rows x 20 cells: the last
    row then says how many were left out."""
    width = min(TABLE_CELLS, len(header))
    body = [r[:width] + [""] * (width - len(r[:width])) for r in rows]
    if len(body) > TABLE_ROWS - 1:
        left = len(body) - (TABLE_ROWS - 2)
        body = [*body[: TABLE_ROWS - 2], [f"… and {left} more"] + [""] * (width - 1)]
    cells = [[{"type": "raw_text", "text": str(c) or "—"} for c in row] for row in [header[:width], *body]]
    return {"type": "table", "rows": cells}


def render_with_table(
    mrkdwn_head: str, table: dict[str, Any], mrkdwn_tail: str, fallback: str
) -> SlackMessage:
    """A message of text, a table and more text; `fallback` (the whole content as mrkdwn) is its text."""
    blocks = _sections(mrkdwn_head) + [table] + (_sections(mrkdwn_tail) if mrkdwn_tail.strip() else [])
    return SlackMessage(text=fallback[:FALLBACK_LIMIT], blocks=blocks[:BLOCKS_LIMIT])


def render_text(mrkdwn: str) -> SlackMessage:
    """A plain message (already mrkdwn) as section blocks with the same fallback text."""
    return SlackMessage(text=mrkdwn[:FALLBACK_LIMIT], blocks=_sections(mrkdwn)[:BLOCKS_LIMIT])


def render_placeholder(what: str) -> SlackMessage:
    """The acknowledgement posted at once and replaced by the answer."""
    return render_text(f"{PLACEHOLDER_PREFIX} {what}")


def render_problem(reason: str) -> SlackMessage:
    """A short reason the bot could not answer (user text escaped)."""
    return render_text("⚠️ " + escape(reason))


def render_apology() -> SlackMessage:
    return render_text(
        "⚠️ Sorry, something went wrong while answering. The error is logged; please try again."
    )


HELP = (
    "*Deal Assistant* answers sales questions from the knowledge base, with sources.\n"
    "• *Ask:* mention me with a question in a channel, or DM me. Follow up in the thread: I read it.\n"
    "• *Draft an RFP answer:* `draft: &lt;question&gt; for &lt;client&gt;`,"
    " or `/deal draft &lt;question&gt; for &lt;client&gt;`.\n"
    '• *Fill a questionnaire:* attach the .xlsx or .docx to a message: "fill this in for &lt;client&gt;".\n'
    '• *Review a SOW:* attach the draft (.docx, .pdf or .md) to a message that says "review this SOW".\n'
    '• *Business case:* attach the deal sheet (.yaml or .xlsx) to a message that says "business case".\n'
    "• `/deal ask &lt;question&gt;` · `/deal help`\n"
    "• 👍 / 👎 under an answer tell us what to fix; 🙋 *Ask an expert* pings the document's owner.\n"
    "In channels shared with clients, and for guests, I answer from public documents only."
)


def render_help(known_clients: list[str] | None = None) -> SlackMessage:
    text = HELP
    if known_clients:
        text += "\nClients I know: " + ", ".join(escape(c) for c in known_clients[:30])
    return render_text(text)


def reason_modal(record_id: str, channel: str) -> dict[str, Any]:
    """The small modal asking what was wrong with an answer."""
    return {
        "type": "modal",
        "callback_id": REASON_VIEW,
        "private_metadata": f"{record_id}|{channel}",
        "title": {"type": "plain_text", "text": "What was wrong?"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Skip"},
        "blocks": [
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Tell us what the answer missed or got wrong"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": True,
                    "max_length": 2000,
                },
            }
        ],
    }
