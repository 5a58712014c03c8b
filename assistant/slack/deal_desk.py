"""The deal desk in Slack: a deal sheet attached with "business case", and `/deal comparables <unit>`.

A deal sheet (.yaml/.yml/.xlsx) attached to a mention or DM whose text asks for a "business case" (or
starts with "deal case") is downloaded through the bot's safe downloader, reviewed, and answered in the
thread: the summary replaces the placeholder, then the chart and the computed workbook are uploaded.
Any other file goes on to the fallback handler (the questionnaire filler). `comparables <unit>` (as
`/deal comparables <unit>` or in a mention) lists the unit prices of past SOWs and rate cards.

Internal audiences only: in an external channel, or for a guest, both are refused with a one-line
reason before anything is downloaded or read.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.deals import (
    DEAL_SUFFIXES,
    ComparableSet,
    DealPolicy,
    DealReview,
    PriceCheck,
    check_prices,
    find_comparables,
    read_deal_bytes,
    review_deal,
)
from assistant.deals.charting import case_chart
from assistant.deals.money import money_text, percent_text
from assistant.deals.reading import MAX_DEAL_BYTES
from assistant.deals.workbook import write_workbook
from assistant.errors import DealAssistantError, DealFileError
from assistant.models import Audience
from assistant.retrieval.catalog import Catalog
from assistant.sizes import describe_size
from assistant.slack.audience import Placement
from assistant.slack.files import FileHandler, FileMessage
from assistant.slack.rendering import SlackMessage, escape, render_text, render_with_table, table_block

log = logging.getLogger(__name__)

__all__ = ["DealDesk", "wants_business_case"]

_ASKS_FOR_CASE = re.compile(r"\bbusiness[\s-]+case\b|^\s*/?deal\s+case\b", re.IGNORECASE)
_COMPARABLES = re.compile(
    r"^\s*/?(?:deal\s+)?comparables\b\s*(?:for\s+)?(?P<unit>.*?)[\s?.!]*$", re.IGNORECASE
)
_CASE_COMMAND = re.compile(r"^\s*/?(?:deal\s+)?case\b", re.IGNORECASE)
_UNSAFE_NAME = re.compile(r"[^\w.()+,-]+")
MAX_COMPARABLES_SHOWN = 20
INTERNAL_ONLY = (
    "🔒 The deal desk is for our own people in internal channels only: this conversation has an"
    " external audience{why}, so no business case or pricing comparables here."
)


def wants_business_case(text: str, files: list[dict[str, Any]]) -> bool:
    """A message that asks for a business case and carries a file named like a deal sheet."""
    return bool(_ASKS_FOR_CASE.search(text)) and any(_is_deal_file(f) for f in files)


class DealDesk:
    """Business cases from attached deal sheets, and comparables, for the Slack bot."""

    def __init__(
        self,
        policy: DealPolicy,
        open_catalog: Callable[[], Catalog] | None,
        *,
        max_bytes: int = MAX_DEAL_BYTES,
        scratch_dir: Path | None = None,
    ) -> None:
        self._policy = policy
        self._open_catalog = open_catalog
        self._max_bytes = max_bytes
        self._scratch_dir = scratch_dir

    def file_handler(self, fallback: FileHandler | None) -> FileHandler:
        """The bot's FileHandler: deal sheets asked for as a business case here, other files to `fallback`."""

        def handle(message: FileMessage) -> None:
            if wants_business_case(message.text, message.files) or fallback is None:
                self.answer_deal_sheet(message)
            else:
                fallback(message)

        return handle

    def answer_deal_sheet(self, message: FileMessage) -> None:
        """Review the message's deal sheet and reply in its thread; project errors carry the reason."""
        if message.audience is not Audience.INTERNAL:
            raise DealAssistantError(INTERNAL_ONLY.format(why=""))
        file = next((f for f in message.files if _is_deal_file(f)), None)
        if file is None:
            raise DealFileError("attachment", "a deal sheet is a .yaml, .yml or .xlsx file")
        details = message.details(file)
        name = _safe_name(str(details.get("name") or "deal.yaml"))
        if int(details.get("size") or 0) > self._max_bytes:
            limit = describe_size(self._max_bytes)
            raise DealFileError(name, f"is larger than the {limit} a deal sheet may be")
        review = review_deal(
            read_deal_bytes(message.download(file, max_bytes=self._max_bytes), name), self._policy
        )
        checks = self._price_checks(review, message.client)
        stem = Path(name).stem
        with tempfile.TemporaryDirectory(prefix="deal-case-", dir=self._scratch_dir) as scratch:
            workbook = Path(scratch) / f"{stem}-case.xlsx"
            write_workbook(review.case, review.sensitivity, review.risks, workbook, self._policy)
            content = workbook.read_bytes()
        message.reply(summary_message(review, checks))
        message.upload(
            f"{stem}-case.png", case_chart(review.case, review.sensitivity), title="Business case chart"
        )
        message.upload(
            workbook.name, content, title=f"{review.case.deal.client}: business case (live formulas)"
        )
        log.info("business case for %s in %s", review.case.deal.client, message.channel)

    def reply_to_text(self, text: str, placement: Placement) -> list[SlackMessage] | None:
        """The reply to `comparables <unit>` or a bare `case`, or None when the text is neither."""
        comparables = _COMPARABLES.match(text)
        asks_case = _CASE_COMMAND.match(text)
        if not comparables and not asks_case:
            return None
        if placement.audience is not Audience.INTERNAL:
            why = f" ({', '.join(placement.reasons)})" if placement.reasons else ""
            return [render_text(escape(INTERNAL_ONLY.format(why=why)))]
        if asks_case:
            return [
                render_text(
                    "Attach the deal sheet (.yaml or .xlsx; `deal-assistant deal template` writes one) to a"
                    " message that mentions me and says *business case*, or send it to me in a DM."
                )
            ]
        assert comparables is not None
        unit = comparables.group("unit").strip()
        if not unit:
            return [render_text("Which unit? Say `/deal comparables per image`.")]
        found = self._comparables(unit, placement.client)
        return [comparables_message(found)]

    def _comparables(self, unit: str, client: str | None) -> ComparableSet:
        if self._open_catalog is None:
            raise DealAssistantError("pricing comparables need a knowledge base; none is configured")
        catalog = self._open_catalog()
        try:
            return find_comparables(catalog, unit, audience=Audience.INTERNAL, client=client)
        finally:
            catalog.close()

    def _price_checks(self, review: DealReview, client: str | None) -> list[PriceCheck]:
        if self._open_catalog is None:
            return []
        try:
            catalog = self._open_catalog()
        except DealAssistantError as e:
            log.info("no comparables for the case: %s", e)
            return []
        try:
            return check_prices(review.case.deal, catalog, audience=Audience.INTERNAL, client=client)
        finally:
            catalog.close()


def summary_message(review: DealReview, checks: list[PriceCheck]) -> SlackMessage:
    """The summary with its figures as a table (the fallback text carries all of it)."""
    case = review.case
    payback = f"month {case.payback_month}" if case.payback_month else "never within the term"
    figures = [
        ["ACV year 1", money_text(case.acv_year1)],
        ["ACV average", money_text(case.acv_average)],
        ["TCV", money_text(case.tcv)],
        ["Gross profit", money_text(case.gross_profit)],
        ["Margin", percent_text(case.margin)],
        ["Payback", payback],
        ["NPV", money_text(case.npv)],
    ]
    text = summary_mrkdwn(review, checks)
    head, _, _ = text.partition("\n")
    rest = [line for line in text.split("\n")[1:] if not line.startswith(("• ACV", "• Gross profit"))]
    table = table_block(["Figure", "Value"], figures)
    return render_with_table(head, table, "\n".join(rest), text)


def comparables_message(found: ComparableSet) -> SlackMessage:
    """Comparables as a table of prices (client, date, volume, source); text for the fallback."""
    text = comparables_mrkdwn(found)
    if not found.comparables:
        return render_text(text)
    rows = [
        [
            f"${c.price}",
            c.service,
            c.client or "rate card",
            c.date.isoformat() if c.date else "",
            f"{c.monthly_volume:,.0f}" if c.monthly_volume is not None else "",
            c.source,
        ]
        for c in found.comparables
    ]
    table = table_block(["Price", "Service", "Client", "Date", "Monthly volume", "Source"], rows)
    return render_with_table(text.split("\n", 1)[0], table, "", text)


def summary_mrkdwn(review: DealReview, checks: list[PriceCheck]) -> str:
    """The thread's summary: ACV, TCV, margin, payback, flags, top risks and prices out of range."""
    case = review.case
    deal = case.deal
    payback = f"month {case.payback_month}" if case.payback_month else "never within the term"
    lines = [
        f"*Business case: {escape(deal.client)}* ({deal.kind}, {deal.term_months} months from {deal.start})",
        f"• ACV year 1 *{money_text(case.acv_year1)}* · ACV average {money_text(case.acv_average)}"
        f" · TCV *{money_text(case.tcv)}*",
        f"• Gross profit {money_text(case.gross_profit)} · margin *{percent_text(case.margin)}*"
        f" · payback {payback} · NPV {money_text(case.npv)}",
    ]
    if case.business_case_required:
        lines.append(
            f"• ⚠️ *Formal business case required*: contract life value above"
            f" {money_text(case.business_case_threshold)}"
        )
    if case.retention is not None:
        r = case.retention
        flag = " ⚠️ below the floor" if r.revenue_flagged or r.gross_profit_flagged else ""
        lines.append(
            f"• Retention against today's contract: revenue {percent_text(r.revenue)},"
            f" gross profit {percent_text(r.gross_profit)} (floor {percent_text(r.floor)}){flag}"
        )
    flagged = review.flagged
    if flagged:
        lines.append("*Top risks*")
        lines += [f"• {escape(r.title)}: {escape(r.detail)}" for r in flagged[:3]]
    else:
        lines.append("No risk flagged.")
    outside = [c for c in checks if c.flagged]
    for c in outside:
        found = c.comparables
        lines.append(
            f"• 💲 {escape(c.line)}: ${c.price} per {escape(c.unit)} is {c.position} the range seen in"
            f" past SOWs (${found.low} to ${found.high}, {len(found.comparables)} prices)"
        )
    lines.append("_Chart and workbook (live formulas) below._")
    return "\n".join(lines)


def comparables_mrkdwn(found: ComparableSet) -> str:
    """Comparables for Slack: min/median/max, then each price with client, date, volume and source."""
    if not found.comparables:
        return f"No prices per *{escape(found.unit)}* in the documents this conversation may read."
    head = (
        f"*Prices per {escape(found.unit)}* ({len(found.comparables)} in the knowledge base):"
        f" min ${found.low} · median ${found.median} · max ${found.high}"
    )
    rows = []
    for c in found.comparables[:MAX_COMPARABLES_SHOWN]:
        volume = f", {c.monthly_volume:,.0f} a month" if c.monthly_volume is not None else ""
        when = f", {c.date.isoformat()}" if c.date else ""
        rows.append(
            f"• ${c.price} — {escape(c.service)} — {escape(c.client or 'rate card')}{when}{volume}"
            f" — `{escape(c.source)}`"
        )
    more = len(found.comparables) - MAX_COMPARABLES_SHOWN
    if more > 0:
        rows.append(f"… and {more} more")
    return "\n".join([head, *rows])


def _is_deal_file(file: dict[str, Any]) -> bool:
    return Path(str(file.get("name") or "")).suffix.lower() in DEAL_SUFFIXES


def _safe_name(name: str) -> str:
    original = Path(name).name
    suffix = Path(original).suffix.lower()
    stem = _UNSAFE_NAME.sub("_", Path(original).stem).strip(" ._")[:80]
    return f"{stem or 'deal'}{suffix}"
