"""Suggested prompts for the Messages tab and new assistant threads, from what the knowledge base covers.

Only titles of public documents about no client are used, so the prompts are safe to show to anyone who can
open the app, guests and people of other organisations included. Slack shows at most four.
"""

from __future__ import annotations

from assistant.coverage import Coverage, DocumentSummary
from assistant.models import DocType

MAX_PROMPTS = 4
PROMPTS_TITLE = "Ask from the knowledge base, with sources:"
CAPABILITIES = {
    "title": "Fill a questionnaire, review a SOW…",
    "message": "help",
}


def suggested_prompts(coverage: Coverage) -> list[dict[str, str]]:
    """Up to four prompts: questions about documents the knowledge base holds, a draft, and what else
    the bot does (questionnaires, SOW review, business cases: all start from `help`)."""
    shown = [d for d in coverage.documents if d.general and not d.superseded]
    offerings = [d for d in shown if d.doc_type == DocType.OFFERING.value]
    others = [d for d in shown if d.doc_type != DocType.OFFERING.value]
    picks = (offerings + others)[:2]
    prompts = [_ask(d) for d in picks]
    if picks:
        prompts.append(_draft(picks[0]))
    prompts.append(dict(CAPABILITIES))
    return prompts[:MAX_PROMPTS]


def _short(title: str, limit: int = 40) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def _ask(document: DocumentSummary) -> dict[str, str]:
    return {
        "title": f"What does {_short(document.title)} include?",
        "message": f"What does {document.title} include?",
    }


def _draft(document: DocumentSummary) -> dict[str, str]:
    return {
        "title": f"Draft an RFP answer on {_short(document.title)}",
        "message": f"draft: Describe our {document.title} offering",
    }
