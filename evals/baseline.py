"""The peer baseline: the plain LangChain tutorial RAG pipeline, answering in our Answer shape.

RecursiveCharacterTextSplitter(1000, 200) over each document's text, the same MiniLM model, Chroma
similarity search top-5, and the top chunk's text as the answer with the sources listed. It never
refuses and knows nothing of confidentiality or freshness: that is what the tutorial pipeline does.
LangChain and Chroma types stay inside this module.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Literal

import chromadb.config
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.errors import DocumentError
from assistant.models import (
    Answer,
    Chunk,
    Citation,
    Confidentiality,
    DocumentMeta,
    Request,
    ScoredChunk,
    Status,
)
from assistant.retrieval.embedding import Embedder
from ingest.formats import read_document
from ingest.metadata import doc_type_for
from ingest.pipeline import scan_tree

log = logging.getLogger(__name__)

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 5
COLLECTION = "tutorial_baseline"


class EmbedderEmbeddings(Embeddings):
    """LangChain's Embeddings interface over our Embedder, so both systems share one loaded model."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in row] for row in self._embedder.embed(texts)]

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in self._embedder.embed_one(text)]


def load_documents(root: Path) -> list[Document]:
    """Each readable knowledge file (as ingest finds them) as one Document of its blocks' text joined."""
    documents = []
    for source, scanned in scan_tree(root, log.info).items():
        try:
            parsed = read_document(scanned.path, source)
        except DocumentError as e:
            log.info("baseline skips %s", e)
            continue
        text = "\n\n".join(b.text for b in parsed.blocks if b.text.strip())
        if text:
            title = str(parsed.front_matter.get("title") or parsed.title or scanned.path.stem)
            documents.append(Document(page_content=text, metadata={"source": source, "title": title}))
    return documents


class TutorialBaseline:
    """Answers with the tutorial pipeline over a Chroma collection built from a knowledge folder."""

    name = "baseline"

    def __init__(self, store: Chroma, k: int = TOP_K) -> None:
        self._store = store
        self._k = k

    @classmethod
    def build(cls, root: Path, embedder: Embedder, workdir: Path) -> TutorialBaseline:
        """Split and index every document under `root` into a Chroma database in `workdir`."""
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
        )
        splits = splitter.split_documents(load_documents(root))
        store = Chroma(
            collection_name=COLLECTION,
            embedding_function=EmbedderEmbeddings(embedder),
            persist_directory=str(workdir),
            client_settings=chromadb.config.Settings(anonymized_telemetry=False),
        )
        if splits:
            positions: dict[str, int] = {}
            ids = []
            for split in splits:
                source = split.metadata["source"]
                position = positions.get(source, 0)
                positions[source] = position + 1
                split.metadata["position"] = position
                ids.append(f"{source}#{position}")
            store.add_documents(splits, ids=ids)
        return cls(store)

    def ask(self, request: Request) -> Answer:
        return self._answer(request, "ask")

    def draft(self, request: Request) -> Answer:
        return self._answer(request, "draft")

    def _answer(self, request: Request, mode: Literal["ask", "draft"]) -> Answer:
        found = self._store.similarity_search_with_score(request.question, k=self._k)
        retrieved = [
            _scored_chunk(doc, distance, rank) for rank, (doc, distance) in enumerate(found, start=1)
        ]
        citations: list[Citation] = []
        for scored in retrieved:
            chunk = scored.chunk
            if all(c.source != chunk.source for c in citations):
                citations.append(
                    Citation(
                        number=len(citations) + 1, source=chunk.source, title=chunk.title, chunk_id=chunk.id
                    )
                )
        return Answer(
            mode=mode,
            question=request.question,
            status=Status.ANSWERED,
            answer=retrieved[0].chunk.text if retrieved else "",
            citations=citations,
            retrieved=retrieved,
            audience=request.audience,
            client=request.client,
            composer="langchain-tutorial",
        )


def _scored_chunk(doc: Document, distance: float, rank: int) -> ScoredChunk:
    # Chroma's default space is squared L2; on unit vectors that is 2 - 2·cosine.
    similarity = min(1.0, max(0.0, 1.0 - distance / 2.0))
    source = str(doc.metadata["source"])
    position = int(doc.metadata.get("position", 0))
    chunk = Chunk(
        id=doc.id or f"{source}#{position}",
        source=source,
        doc_type=doc_type_for(source),
        position=position,
        text=doc.page_content,
        meta=DocumentMeta(
            title=str(doc.metadata.get("title", source)), confidentiality=Confidentiality.INTERNAL
        ),
    )
    return ScoredChunk(chunk=chunk, score=similarity, similarity=similarity, rank=rank)


@contextmanager
def tutorial_baseline(root: Path, embedder: Embedder) -> Iterator[TutorialBaseline]:
    """A TutorialBaseline over `root`, indexed in a temporary directory removed afterwards."""
    with TemporaryDirectory(prefix="deal-eval-baseline-") as workdir:
        yield TutorialBaseline.build(root, embedder, Path(workdir))
