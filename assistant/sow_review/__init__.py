"""SOW review: a draft statement of work checked against the deal desk's playbook and our past SOWs.

The library reads a draft with ingest's readers, locates each playbook topic's clause, judges it by the
playbook's numbers (GREEN / YELLOW / RED / missing), sets it beside what past SOWs agreed, and writes
the internal report and the commented Word copy. It knows nothing of Slack, the terminal or the evals.
"""

from assistant.sow_review.commenting import write_commented_copy
from assistant.sow_review.finding import ClauseFinder, Location
from assistant.sow_review.history import Comparable, past_positions, sow_chunks
from assistant.sow_review.judging import Colour, Verdict, judge
from assistant.sow_review.playbook import (
    Playbook,
    Topic,
    load_playbook,
    parse_playbook,
    playbook_from_catalog,
)
from assistant.sow_review.reading import DRAFT_SUFFIXES, Clause, Draft, read_draft
from assistant.sow_review.reporting import render_html, render_markdown, summary_line
from assistant.sow_review.reviewing import Finding, Review, Reviewer
from assistant.sow_review.values import Value, extract_values

__all__ = [
    "DRAFT_SUFFIXES",
    "Clause",
    "ClauseFinder",
    "Colour",
    "Comparable",
    "Draft",
    "Finding",
    "Location",
    "Playbook",
    "Review",
    "Reviewer",
    "Topic",
    "Value",
    "Verdict",
    "extract_values",
    "judge",
    "load_playbook",
    "parse_playbook",
    "past_positions",
    "playbook_from_catalog",
    "read_draft",
    "render_html",
    "render_markdown",
    "sow_chunks",
    "summary_line",
    "write_commented_copy",
]
