"""Chunking that follows the document's structure: sections, tables and Q&A rows, never blind windows.

Consecutive prose blocks under the same heading are merged up to a size the embedding model reads whole
(all-MiniLM-L6-v2 truncates at 256 word pieces); longer sections split at paragraph, then sentence
boundaries. Tables split between rows; each answer-library row is a chunk of its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from assistant.models import Block, Chunk, DocType, DocumentMeta
from assistant.text import sentences_of

MAX_CHARS = 900
KEYWORD_EXTRA_VALUE_CHARS = 80  # an unknown metadata value longer than this is prose, not an identifier
KEYWORD_EXTRA_CHARS = 400  # unknown metadata values added to each chunk's keyword text, at most


@dataclass(frozen=True)
class ChunkDraft:
    """A chunk before it gets its id: text plus where it came from."""

    text: str
    block: Block


def split_text(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Split text into pieces of at most `limit` chars: at paragraphs first, then sentences, then words.

    Only a unit that is itself too long is split further, so one run-on sentence (a flattened PDF table,
    say) is cut at words without cutting every other sentence of its paragraph mid-way.
    """
    if len(text) <= limit:
        return [text]
    for sep, units in (
        ("\n", text.split("\n")),
        (" ", sentences_of(text)),
        (" ", text.split(" ")),
    ):
        if len(units) <= 1:
            continue
        out: list[str] = []
        run: list[str] = []
        for unit in units:
            if len(unit) <= limit:
                run.append(unit)
                continue
            out += _pack(run, sep, limit)
            run = []
            out += split_text(unit, limit)
        return out + _pack(run, sep, limit)
    # A single word longer than the limit (e.g. a URL): cut hard.
    return [text[i : i + limit] for i in range(0, len(text), limit)]


def _pack(units: list[str], sep: str, limit: int) -> list[str]:
    out: list[str] = []
    current = ""
    for unit in (u.strip() for u in units):
        if not unit:
            continue
        candidate = f"{current}{sep}{unit}" if current else unit
        if len(candidate) <= limit:
            current = candidate
        else:
            if current:
                out.append(current)
            current = unit
    if current:
        out.append(current)
    return out


def draft_chunks(blocks: list[Block]) -> list[ChunkDraft]:
    """Group and split blocks into chunk-sized pieces, keeping each piece within one section."""
    drafts: list[ChunkDraft] = []
    pending: list[Block] = []

    def flush() -> None:
        if not pending:
            return
        joined = "\n".join(b.text for b in pending)
        for piece in split_text(joined):
            drafts.append(ChunkDraft(piece, pending[0]))
        pending.clear()

    for block in blocks:
        if block.kind == "qa":
            flush()
            drafts.append(ChunkDraft(block.text, block))
        elif block.kind == "table":
            flush()
            drafts += [ChunkDraft(piece, block) for piece in split_text(block.text)]
        else:
            if pending and (
                pending[0].heading_path != block.heading_path
                or len("\n".join(b.text for b in pending)) + len(block.text) > MAX_CHARS
            ):
                flush()
            pending.append(block)
    flush()
    return drafts


def chunk_id(source: str, position: int, text: str) -> str:
    """Deterministic id from the source path, the position in the document and the content hash."""
    path_hash = hashlib.sha1(source.encode("utf-8")).hexdigest()[:10]
    content_hash = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    return f"{path_hash}-{position:05d}-{content_hash}"


def build_chunks(source: str, doc_type: DocType, meta: DocumentMeta, blocks: list[Block]) -> list[Chunk]:
    """The chunks of one document, in document order."""
    chunks = []
    for position, draft in enumerate(draft_chunks(blocks)):
        block = draft.block
        chunks.append(
            Chunk(
                id=chunk_id(source, position, draft.text),
                source=source,
                doc_type=doc_type,
                position=position,
                text=draft.text,
                heading_path=" > ".join(h for h in block.heading_path if h),
                kind=block.kind,
                question=block.question,
                sheet=block.sheet,
                row=block.row,
                page=block.page,
                meta=meta,
            )
        )
    return chunks


def embedding_text(chunk: Chunk) -> str:
    """What the model reads: the text with its document title and section, so short chunks keep context."""
    if chunk.kind == "qa":
        return chunk.text
    header = " > ".join(p for p in (chunk.meta.title, chunk.heading_path) if p)
    return f"{header}\n{chunk.text}" if header else chunk.text


def keyword_text(chunk: Chunk) -> str:
    """What the keyword index reads: title, section, text, and the metadata people search by.

    Metadata values (client, offering, vertical, SOW or contract numbers in unknown keys) make a query such
    as "CCDR-2024-117 termination" find the document even when the number only lives in its sidecar.
    Only short scalar values of unknown keys are repeated (identifiers, not prose), at most
    KEYWORD_EXTRA_CHARS per chunk: every chunk of the file carries them.
    """
    meta = chunk.meta
    tags: list[str] = []
    budget = KEYWORD_EXTRA_CHARS
    for value in meta.extra.values():
        text = str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else ""
        if text and len(text) <= KEYWORD_EXTRA_VALUE_CHARS and len(text) <= budget:
            tags.append(text)
            budget -= len(text)
    parts = [meta.title, chunk.heading_path, chunk.text, meta.client, meta.offering, meta.vertical, *tags]
    return "\n".join(p for p in parts if p)
