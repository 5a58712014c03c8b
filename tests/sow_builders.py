"""Draft SOWs for the SOW review tests: the labelled eval drafts (Markdown) rebuilt as Word and PDF files."""

from __future__ import annotations

from pathlib import Path

from tests.docbuilders import Heading, Para, Part, Title, write_docx, write_pdf

ROOT = Path(__file__).resolve().parent.parent
DRAFTS = ROOT / "evals" / "sow" / "drafts"
PLAYBOOK = ROOT / "knowledge" / "playbook"


def draft_parts(name: str) -> list[Part]:
    """The parts of an eval draft: "#" a title, "##" a heading, every other non-blank line a paragraph."""
    parts: list[Part] = []
    for line in (DRAFTS / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            parts.append(Heading(line[3:], level=1))
        elif line.startswith("# "):
            parts.append(Title(line[2:]))
        elif line.strip():
            parts.append(Para(line.strip()))
    return parts


def draft_as(name: str, folder: Path, suffix: str) -> Path:
    """The eval draft `name` written as .docx, .pdf or .md into `folder`."""
    path = folder / (Path(name).stem + suffix)
    if suffix == ".docx":
        return write_docx(path, draft_parts(name))
    if suffix == ".pdf":
        return write_pdf(path, draft_parts(name))
    path.write_text((DRAFTS / name).read_text(encoding="utf-8"), encoding="utf-8")
    return path
