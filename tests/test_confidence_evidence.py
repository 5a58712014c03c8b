"""Confidence from evidence that predicts correctness.

High needs sources that agree: another document states the same thing (cited beside it, "[1][2]"), not
merely a second document cited for something else. Medium or high needs a decisive lead: the sources an
answer cites must outrank every retrieved source it left out; a document the answer did not use,
retrieved as strongly as the one it did, means retrieval could not tell which of the two answers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.composing import Composition, Sentence
from assistant.answering.core import decisive
from assistant.models import Confidence, Request, ScoredChunk, Status
from assistant.retrieval.embedding import Embedder
from tests.conftest import assistant_over, offering_chunk

MAILROOM = "Envelopes received before noon are in your queue by 8:00 p.m. the same day."
SAME_IN_OTHER_WORDS = "Envelopes received by noon are in your queue by 8:00 p.m. that same day."
ANOTHER_VALUE = "Files received before noon are mailed in envelopes by the next business day."
QUESTION = "envelopes received before noon: when are they done?"


def _sheet(root: Path, name: str, title: str, heading: str, text: str) -> None:
    path = root / "offerings" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    front = f"---\ntitle: {title}\nconfidentiality: public\neffective_date: 2025-01-01\n---\n"
    path.write_text(f"{front}# {heading}\n\n{text}\n", encoding="utf-8")


def _asked(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, second: str) -> tuple[str, str]:
    root = tmp_path_factory.mktemp("sheets")
    _sheet(root, "mailroom.md", "Inbound Mailroom", "How an envelope is handled", MAILROOM)
    _sheet(root, "other.md", "Another Sheet", "Service levels", second)
    answer = assistant_over(root, tmp_path_factory, embedder).ask(Request(question=QUESTION))
    assert answer.status is Status.ANSWERED
    assert answer.confidence is not None
    return answer.confidence.value, answer.answer


def test_two_documents_stating_the_same_value_make_a_high_answer(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> None:
    confidence, text = _asked(tmp_path_factory, embedder, SAME_IN_OTHER_WORDS)
    assert "[1][2]" in text  # said once, both sources cited
    assert confidence == Confidence.HIGH.value


def test_two_documents_stating_different_values_are_not_high(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> None:
    confidence, text = _asked(tmp_path_factory, embedder, ANOTHER_VALUE)
    assert "[1]" in text and "[2]" in text  # both cited, each for its own statement
    assert confidence != Confidence.HIGH.value


MARGIN = 0.03


def at(source: str, score: float, position: int = 0) -> ScoredChunk:
    chunk = offering_chunk(source, f"Text of {source} part {position}.", position=position)
    return chunk.model_copy(update={"score": score})


def citing(*chunks: ScoredChunk) -> Composition:
    return Composition([Sentence(c.chunk.text, c, 0) for c in chunks])


def test_a_cited_source_well_ahead_of_the_rest_is_decisive() -> None:
    mailroom, plant = at("offerings/mailroom.md", 0.84), at("offerings/print-plant.md", 0.70)
    assert decisive([mailroom, plant], citing(mailroom), {}, MARGIN)


def test_an_unused_source_retrieved_as_strongly_is_not() -> None:
    mailroom, plant = at("offerings/mailroom.md", 0.835), at("offerings/print-plant.md", 0.831)
    assert not decisive([mailroom, plant], citing(mailroom), {}, MARGIN)
    # Citing both, the answer used every strong source: nothing was left out.
    assert decisive([mailroom, plant], citing(mailroom, plant), {}, MARGIN)


def test_the_lead_is_the_cited_sources_best_chunk_whatever_chunk_is_cited() -> None:
    best, weaker = at("offerings/mailroom.md", 0.9, 0), at("offerings/mailroom.md", 0.5, 1)
    rival = at("offerings/print-plant.md", 0.8)
    assert decisive([best, rival, weaker], citing(weaker), {}, MARGIN)


def test_an_older_chunk_that_gave_way_counts_where_its_successor_is_cited() -> None:
    older = at("offerings/print-2024.md", 0.83)  # its statement is made again by the newer guide
    newer = at("offerings/service-guide.md", 0.45)
    other = at("offerings/mailroom.md", 0.70)
    assert decisive([older, other, newer], citing(newer), {older.chunk.id: newer}, MARGIN)
    # When the answer cites something else, the older chunk is a rival like any other source.
    assert not decisive([other, older, newer], citing(other), {older.chunk.id: newer}, MARGIN)


def test_nothing_else_retrieved_is_decisive() -> None:
    only = at("offerings/mailroom.md", 0.4)
    assert decisive([only], citing(only), {}, MARGIN)
