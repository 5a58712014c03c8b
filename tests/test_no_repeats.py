"""An answer states each fact once (a small knowledge base written here, not the demo).

The same fact often sits in an offering sheet, the answer library and a past response, in other words
each time. An answer shows it once and cites every source that states it; a library answer shown whole
is not followed by another source's restatement of it; and the second question of a message that the
same passage answers does not repeat what the first question's paragraph already says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answering.core import Assistant
from assistant.models import Request, Status
from assistant.retrieval.embedding import Embedder
from tests.conftest import assistant_over

LIBRARY_QUESTION = "How soon do you notify clients of a security incident?"


def _doc(root: Path, rel: str, title: str, body: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    front = f"title: {title}\nconfidentiality: public\neffective_date: 2026-01-01"
    path.write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Assistant]:
    root = tmp_path_factory.mktemp("repeats-kb")
    _doc(
        root,
        "offerings/security.md",
        "Security Overview",
        "# Incident response\n\nClients are notified within 36 hours after a security incident that "
        "affects their data is confirmed. A named incident lead sends written updates until it is closed.\n",
    )
    _doc(
        root,
        "offerings/onboarding.md",
        "Onboarding Guide",
        "# Getting started\n\nA new client's onboarding takes 8 weeks from signature to first mailing.\n\n"
        "# Archive\n\nThe archive keeps every statement online for 7 years.\n",
    )
    (root / "rfp-answers").mkdir()
    (root / "rfp-answers" / "library.csv").write_text(
        "question,answer\n"
        f'"{LIBRARY_QUESTION}",'
        '"Within 36 hours of confirming a security incident that affects a client\'s data."\n',
        encoding="utf-8",
    )
    yield assistant_over(root, tmp_path_factory, embedder, "repeats-data")


def test_a_library_answer_is_not_followed_by_another_sources_restatement(kb: Assistant) -> None:
    answer = kb.ask(
        Request(question="How quickly are clients notified after a security incident is confirmed?")
    )
    assert answer.status is Status.ANSWERED
    assert answer.citations[0].source == "rfp-answers/library.csv", "the approved answer leads"
    assert answer.answer.count("36 hours") == 1
    assert [c.source for c in answer.citations] == ["rfp-answers/library.csv", "offerings/security.md"], (
        "the sheet that says it too is cited beside it"
    )


def test_the_second_question_does_not_repeat_the_first_ones_paragraph(kb: Assistant) -> None:
    question = (
        "How long is onboarding for a new client? And how many weeks from signature to the first mailing?"
    )
    answer = kb.ask(Request(question=question))
    assert answer.status is Status.ANSWERED
    assert answer.answer.count("8 weeks") == 1
    assert len(re.findall(r"onboarding takes", answer.answer)) == 1
    assert "does not say" not in answer.answer, "the second question is answered, by the paragraph above"
