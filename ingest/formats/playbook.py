"""Reading a deal-desk playbook (`playbook/*.yaml`): one searchable block per clause topic.

The validated topics also travel in the document's metadata (`playbook_topics`), so the reviewer reads
the playbook of the live knowledge-base version: a playbook change is staged, gated and promoted like
any other document.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from assistant.errors import DocumentError, PlaybookError
from assistant.models import Block, ParsedDocument
from assistant.sow_review.playbook import TOPICS_KEY, parse_playbook

from ..limits import DEFAULT_LIMITS, IngestLimits
from .guards import decode_utf8, read_bytes
from .yaml_text import MAX_METADATA_SOURCE_BYTES, load_mapping

PLAYBOOK_FOLDER = "playbook"


def read_playbook(path: Path, source: str, limits: IngestLimits = DEFAULT_LIMITS) -> ParsedDocument:
    """A playbook YAML file as one block per topic; DocumentError names the file and the topic at fault."""
    text = decode_utf8(
        read_bytes(path, source, min(limits.max_file_bytes, MAX_METADATA_SOURCE_BYTES)), source
    )
    if not text.strip():
        return ParsedDocument(title=None, blocks=[])
    if PurePosixPath(source.replace("\\", "/")).parts[:1] != (PLAYBOOK_FOLDER,) and "/" in source:
        raise DocumentError(source, "YAML files are read only under playbook/ (as a deal-desk playbook)")
    try:
        data = load_mapping(text)
        topics = parse_playbook(data, source)
    except ValueError as e:
        raise DocumentError(source, str(e)) from e
    except PlaybookError as e:
        reason = f"topic {e.topic!r}: {e.reason}" if e.topic else e.reason
        raise DocumentError(source, reason) from e
    blocks = []
    for topic in topics:
        lines = [topic.description, f"Playbook position: {topic.position()}."]
        if topic.fallback:
            lines.append(f"Fallback language: {topic.fallback}")
        if topic.owner:
            lines.append(f"Owner: {topic.owner}")
        lines.append("Required in every SOW." if topic.required else "Optional clause.")
        blocks.append(Block(kind="prose", text="\n".join(lines), heading_path=[f"Playbook: {topic.title}"]))
    raw = [t.model_dump(mode="json", exclude={"source"}, exclude_defaults=True) for t in topics]
    title = str(data.get("title") or "") or None
    return ParsedDocument(title=title, blocks=blocks, front_matter={TOPICS_KEY: raw})


__all__ = ["PLAYBOOK_FOLDER", "TOPICS_KEY", "read_playbook"]
