"""Two composition rules over small hand-built inputs: library answers are read from their start, and
chunking splits only the unit that is too long (never a knowledge base's wording)."""

from __future__ import annotations

from assistant.answering.composing import Selecting, select_sentences
from assistant.models import Chunk, Confidentiality, DocType, DocumentMeta, ScoredChunk
from assistant.retrieval.embedding import Embedder
from ingest.chunking import split_text

META = DocumentMeta(title="Answer library", confidentiality=Confidentiality.INTERNAL)


def qa_chunk(cid: str, question: str, answer: str, similarity: float) -> ScoredChunk:
    chunk = Chunk(
        id=cid,
        source="rfp-answers/library.csv",
        doc_type=DocType.RFP_ANSWER,
        position=0,
        text=f"Q: {question}\nA: {answer}",
        kind="qa",
        question=question,
        meta=META,
    )
    return ScoredChunk(chunk=chunk, score=similarity, similarity=similarity)


def only_the_best(chunk: ScoredChunk, question: str, embedder: Embedder) -> list[str]:
    """What is selected when only the single best sentence qualifies by score."""
    how = Selecting(limit=1, section_margin=0.0, other_margin=0.0, list_items=0)
    selection = select_sentences(question, embedder.embed_one(question), [chunk], embedder.embed_cached, how)
    return [s.text for s in selection.sentences]


def test_a_later_sentence_of_a_library_answer_brings_the_opening_before_it(embedder: Embedder) -> None:
    question = "Do you print postage meter marks on the envelopes yourselves?"
    row = qa_chunk(
        "row-1",
        "Can you print postage indicia?",
        "No, that is outside the standard service. We print postage meter marks on every envelope we mail.",
        0.6,
    )
    texts = only_the_best(row, question, embedder)  # the opening must still come with the best one
    assert texts == ["No, that is outside the standard service.", texts[-1]]
    assert "meter marks" in texts[-1]


def test_the_opening_rule_leaves_prose_sections_alone(embedder: Embedder) -> None:
    question = "Do you print postage meter marks on the envelopes yourselves?"
    prose = qa_chunk(
        "prose-1",
        "",
        "Our plants run around the clock. We print postage meter marks on every envelope we mail.",
        0.6,
    )
    prose = prose.model_copy(
        update={"chunk": prose.chunk.model_copy(update={"kind": "prose", "text": prose.chunk.text[7:]})}
    )
    best = "We print postage meter marks on every envelope we mail."
    assert only_the_best(prose, question, embedder) == [best]


def test_a_run_on_sentence_is_cut_at_words_without_cutting_the_sentences_around_it() -> None:
    before = "The first sentence is short. The second one too."
    run_on = "Credit " + " ".join(["cell"] * 80)  # a flattened table: 406 characters, no sentence end
    after = "In any month, credits are capped at 14% of the fees. The cap excludes postage."
    pieces = split_text(f"{before} {run_on}. {after}", limit=200)
    assert all(len(p) <= 200 for p in pieces)
    assert pieces[0] == before
    assert pieces[-1] == after  # whole sentences, not a piece starting "any month, ..."
    assert " ".join(pieces).split() == f"{before} {run_on}. {after}".split()  # nothing lost or added
