"""One validator of Slack's documented limits for a message payload, used by every Slack test.

It checks what Slack itself refuses (`invalid_blocks`, `msg_too_long`) or silently truncates: block counts,
per-block text limits, markdown and table blocks, native feedback buttons, and fallback `text`.
"""

from __future__ import annotations

from typing import Any

MAX_BLOCKS = 50
MAX_TEXT = 40_000  # chat.postMessage truncates longer text
SECTION_TEXT = 3_000
MARKDOWN_TEXT = 12_000  # per markdown block, and in total per message
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
CONTEXT_ACTIONS_ELEMENTS = 5
BUTTON_TEXT = 75
BUTTON_VALUE = 2_000
ID_LENGTH = 255
TABLE_ROWS = 100
TABLE_CELLS = 20
HEADER_TEXT = 150


def payload_problems(body: dict[str, Any]) -> list[str]:
    """Every way `body` (a chat.postMessage / chat.update body) breaks Slack's limits; [] when it fits."""
    problems: list[str] = []
    blocks = body.get("blocks") or []
    text = body.get("text") or ""
    if blocks and not text.strip():
        problems.append("blocks without fallback text")
    if len(text) > MAX_TEXT:
        problems.append(f"text of {len(text)} chars > {MAX_TEXT}")
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"{len(blocks)} blocks > {MAX_BLOCKS}")
    markdown_total = 0
    for n, block in enumerate(blocks):
        where = f"block {n} ({block.get('type')})"
        if len(str(block.get("block_id", ""))) > ID_LENGTH:
            problems.append(f"{where}: block_id too long")
        kind = block.get("type")
        if kind == "markdown":
            markdown_total += len(block.get("text") or "")
        checker = _CHECKS.get(kind)
        if checker is None:
            problems.append(f"{where}: unknown block type")
            continue
        problems += [f"{where}: {p}" for p in checker(block)]
    if markdown_total > MARKDOWN_TEXT:
        problems.append(f"markdown blocks hold {markdown_total} chars > {MARKDOWN_TEXT} in one message")
    return problems


def assert_within_limits(body: dict[str, Any]) -> None:
    problems = payload_problems(body)
    assert not problems, problems


def _text_object(obj: Any, limit: int) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in ("mrkdwn", "plain_text"):
        return ["not a text object"]
    text = obj.get("text") or ""
    if not text:
        return ["empty text"]
    return [f"text of {len(text)} chars > {limit}"] if len(text) > limit else []


def _section(block: dict[str, Any]) -> list[str]:
    problems = _text_object(block.get("text"), SECTION_TEXT) if "text" in block else []
    fields = block.get("fields") or []
    if len(fields) > 10:
        problems.append("more than 10 fields")
    for f in fields:
        problems += _text_object(f, 2_000)
    if "text" not in block and not fields:
        problems.append("neither text nor fields")
    return problems


def _markdown(block: dict[str, Any]) -> list[str]:
    text = block.get("text")
    if not isinstance(text, str) or not text:
        return ["markdown block without text"]
    return [f"{len(text)} chars > {MARKDOWN_TEXT}"] if len(text) > MARKDOWN_TEXT else []


def _context(block: dict[str, Any]) -> list[str]:
    elements = block.get("elements") or []
    problems = [] if 0 < len(elements) <= CONTEXT_ELEMENTS else [f"{len(elements)} elements"]
    for e in elements:
        if e.get("type") != "image":
            problems += _text_object(e, SECTION_TEXT)
    return problems


def _button(element: dict[str, Any]) -> list[str]:
    problems = _text_object(element.get("text"), BUTTON_TEXT)
    if len(str(element.get("value", ""))) > BUTTON_VALUE:
        problems.append("button value too long")
    if not element.get("action_id") or len(element["action_id"]) > ID_LENGTH:
        problems.append("button action_id missing or too long")
    return problems


def _actions(block: dict[str, Any]) -> list[str]:
    elements = block.get("elements") or []
    problems = [] if 0 < len(elements) <= ACTIONS_ELEMENTS else [f"{len(elements)} elements"]
    ids = [e.get("action_id") for e in elements]
    if len(ids) != len(set(ids)):
        problems.append("repeated action_id")
    for e in elements:
        problems += _button(e) if e.get("type") == "button" else []
    return problems


def _feedback_buttons(element: dict[str, Any]) -> list[str]:
    problems = [] if element.get("action_id") else ["feedback_buttons without action_id"]
    for side in ("positive_button", "negative_button"):
        button = element.get(side) or {}
        problems += [f"{side}: {p}" for p in _text_object(button.get("text"), BUTTON_TEXT)]
        if not button.get("value") or len(str(button["value"])) > BUTTON_VALUE:
            problems.append(f"{side}: value missing or too long")
    return problems


def _context_actions(block: dict[str, Any]) -> list[str]:
    elements = block.get("elements") or []
    problems = [] if 0 < len(elements) <= CONTEXT_ACTIONS_ELEMENTS else [f"{len(elements)} elements"]
    for e in elements:
        if e.get("type") == "feedback_buttons":
            problems += _feedback_buttons(e)
        elif e.get("type") == "icon_button":
            problems += [] if e.get("action_id") and e.get("icon") else ["icon_button incomplete"]
        else:
            problems.append(f"element type {e.get('type')!r} not allowed in context_actions")
    return problems


def _table(block: dict[str, Any]) -> list[str]:
    rows = block.get("rows") or []
    problems = [] if 0 < len(rows) <= TABLE_ROWS else [f"{len(rows)} rows"]
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        problems.append("rows of different lengths")
    if any(w > TABLE_CELLS or w == 0 for w in widths):
        problems.append(f"rows of {sorted(widths)} cells (1..{TABLE_CELLS})")
    for row in rows:
        for cell in row:
            if cell.get("type") not in ("raw_text", "rich_text"):
                problems.append(f"cell type {cell.get('type')!r}")
            elif cell["type"] == "raw_text" and not isinstance(cell.get("text"), str):
                problems.append("raw_text cell without text")
    return problems


def _rich_text(block: dict[str, Any]) -> list[str]:
    return [] if block.get("elements") else ["rich_text without elements"]


def _header(block: dict[str, Any]) -> list[str]:
    return _text_object(block.get("text"), HEADER_TEXT)


def _divider(block: dict[str, Any]) -> list[str]:
    return []


_CHECKS = {
    "section": _section,
    "markdown": _markdown,
    "context": _context,
    "actions": _actions,
    "context_actions": _context_actions,
    "table": _table,
    "rich_text": _rich_text,
    "header": _header,
    "divider": _divider,
}


def shown_text(message: dict[str, Any]) -> str:
    """Everything a person reads in a message's blocks (sections, markdown, context), one string."""
    parts: list[str] = []
    for block in message.get("blocks") or []:
        if block["type"] == "section":
            parts.append(block["text"]["text"])
        elif block["type"] == "markdown":
            parts.append(block["text"])
        elif block["type"] == "context":
            parts += [e["text"] for e in block["elements"]]
    return "\n".join(parts)


def action_ids(message: dict[str, Any]) -> list[str]:
    """The controls of a message by action_id; a native feedback_buttons element counts as
    "feedback_up" and "feedback_down" (the fake's click() presses either side)."""
    ids: list[str] = []
    for block in message.get("blocks") or []:
        if block["type"] not in ("actions", "context_actions"):
            continue
        for e in block["elements"]:
            ids += ["feedback_up", "feedback_down"] if e["type"] == "feedback_buttons" else [e["action_id"]]
    return ids
