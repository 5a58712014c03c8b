"""A sentence that names a row of its document's table by label brings the row (a small knowledge base
written here, not the demo).

Contracts and service guides number their commitments ("NW-2", "SL-01") and refer to them in prose
("The cut-off in NW-2 is earlier than ..."). Shown alone, such a sentence leaves out the value the
question asks for; the row it names follows it, cited to the same document.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.answering.composing import Sentence, with_referenced_rows
from assistant.answering.core import Assistant
from assistant.models import Request, ScoredChunk, Status
from assistant.retrieval.embedding import Embedder
from tests.conftest import assistant_over
from tests.conftest import offering_chunk as part_of

GUIDE = "offerings/service-guide.md"
ROWS = (
    "| Ref. | Service level | Target |\n|---|---|---|\n"
    "| NW-1 | Regular bills | Files accepted by 4:00 p.m. mailed the next business day |\n"
    "| NW-2 | Shut-off notices | Notice files accepted by 9:00 a.m. mailed the same business day |\n"
)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Assistant]:
    root = tmp_path_factory.mktemp("rows-kb")
    path = root / GUIDE
    path.parent.mkdir(parents=True)
    path.write_text(
        "---\ntitle: Northwind Service Guide\nconfidentiality: public\neffective_date: 2026-01-01\n---\n"
        f"# Service levels\n\n{ROWS}\n"
        "# Why shut-off notices are different\n\n"
        "The shut-off notice cut-off in NW-2 is earlier than our standard cut-off because state rules "
        "require notices to reach customers ten days before service ends.\n\n"
        "# Plants\n\nOur plants are in Tulsa and Reno.\n",
        encoding="utf-8",
    )
    yield assistant_over(root, tmp_path_factory, embedder, "rows-data")


def test_the_row_a_shown_sentence_names_follows_it(kb: Assistant) -> None:
    answer = kb.ask(
        Request(question="Why is the cut-off for shut-off notices earlier than our standard one?")
    )
    assert answer.status is Status.ANSWERED
    assert "earlier than our standard cut-off" in answer.answer
    assert "9:00 a.m." in answer.answer, "the row NW-2 names is shown with the sentence that names it"
    assert "Regular bills" not in answer.answer, "only the row named"
    kinds = {s.chunk.id: s.chunk.kind for s in answer.retrieved}
    assert "table" in {kinds[c.chunk_id] for c in answer.citations}, "the row is cited"


def test_rows_are_brought_in_the_order_named_up_to_the_limit_and_never_twice() -> None:
    rows = [
        "Ref.: NW-1 | Service level: Regular bills | Target: next business day",
        "Ref.: NW-2 | Service level: Shut-off notices | Target: same business day",
    ]
    table = part_of(GUIDE, "\n".join(rows), "table")
    prose = part_of(GUIDE, "NW-2 is earlier than NW-1 and than SL-9.", "prose", position=1)
    sentence = Sentence(prose.chunk.text, prose, 0)

    def document(source: str) -> list[ScoredChunk]:
        assert source == GUIDE, "rows are looked up in the sentence's own document"
        return [table]

    assert [s.text for s in with_referenced_rows([sentence], document, most=1)] == [sentence.text, rows[1]]
    both = with_referenced_rows([sentence], document, most=5)
    assert [s.text for s in both] == [sentence.text, rows[1], rows[0]], "SL-9 names no row: nothing added"
    already = with_referenced_rows([sentence, both[1]], document, most=5)
    assert [s.text for s in already] == [sentence.text, rows[0], rows[1]], "a row shown already stays put"
