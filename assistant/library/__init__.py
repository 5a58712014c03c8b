"""The answer library that learns: approved answers stored, written into the knowledge folder through the
eval gate, and the library's health (conflicts, stale rows, usage) reported to its owners."""

from assistant.library.digest import digest_text
from assistant.library.entries import Approval, Entry, EntrySource, clean_answer
from assistant.library.health import check_library
from assistant.library.library import AnswerLibrary, Approved, PendingEntry
from assistant.library.linting import Finding, LintReport
from assistant.library.store import LibraryStore
from assistant.library.usage import UsageEvent

__all__ = [
    "AnswerLibrary",
    "Approval",
    "Approved",
    "Entry",
    "EntrySource",
    "Finding",
    "LibraryStore",
    "LintReport",
    "PendingEntry",
    "UsageEvent",
    "check_library",
    "clean_answer",
    "digest_text",
]
