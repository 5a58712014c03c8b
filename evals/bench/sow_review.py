"""Benchmark: reviewing a 15-page draft SOW with the model loaded, beside ingesting the same file.

Run once: `python -m evals.bench.sow_review`. The draft is the labelled standard draft padded with
realistic sections (scope, volumes, staffing, assumptions) to about 15 pages of Word text; the knowledge
base is the demo `knowledge/` ingested into a temporary folder, so the review includes the history from
its past SOWs. Both figures come from the same process and model, so their ratio means something.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import docx

from assistant.settings import Settings
from assistant.wiring import build_sow_reviewer, run_ingest, shared_embedder

ROOT = Path(__file__).resolve().parents[2]
DRAFT = ROOT / "evals" / "sow" / "drafts" / "standard.md"
WORDS_PER_PAGE = 500
_FILLER = (
    "Meridian will operate the services from its secure print and mail centers under the controls described "
    "in its SOC 2 Type II report, with daily production reports, weekly operations calls during transition "
    "and a monthly service review afterwards. The client supplies data files by SFTP in the agreed layout, "
    "approves proofs within two business days and keeps its contact list current. Assumptions about "
    "volumes, paper stock, inserts and envelopes are listed in the appendix and priced accordingly."
)


def build_long_draft(path: Path, pages: int = 15) -> Path:
    """A Word draft of about `pages` pages: the standard clauses spread among padding sections."""
    document = docx.Document()
    sections: list[tuple[str, list[str]]] = []
    heading = "Preamble"
    body: list[str] = []
    for line in DRAFT.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            sections.append((heading, body))
            heading, body = line[3:], []
        elif line.strip() and not line.startswith("# "):
            body.append(line.strip())
    sections.append((heading, body))
    words_needed = pages * WORDS_PER_PAGE
    per_section = max(1, words_needed // (len(sections) * len(_FILLER.split())))
    document.add_heading("Statement of Work: Harbor Mutual Policy Communications", level=0)
    for n, (title, lines) in enumerate(sections, start=1):
        document.add_heading(f"{n}. {title}", level=1)
        for i in range(per_section):
            document.add_paragraph(f"{n}.{i + 1} {_FILLER}")
        for line in lines:
            document.add_paragraph(line)
    document.save(str(path))
    return path


def main() -> None:
    embedder = shared_embedder()
    embedder.embed(["warm up the model"])
    with tempfile.TemporaryDirectory(prefix="deal-bench-sow-") as scratch:
        work = Path(scratch)
        draft = build_long_draft(work / "long-draft.docx")
        words = sum(len(p.text.split()) for p in docx.Document(str(draft)).paragraphs)

        single = work / "single" / "sows"
        single.mkdir(parents=True)
        shutil.copy(draft, single / draft.name)
        settings = Settings(_env_file=None, data_dir=work / "data-single", knowledge_dir=single.parent)  # type: ignore[call-arg]
        started = time.perf_counter()
        report = run_ingest(settings, load_embedder=lambda: embedder)
        ingest_seconds = time.perf_counter() - started
        chunks = sum(r.chunks for r in report.files) if hasattr(report, "files") else None

        demo = Settings(_env_file=None, data_dir=work / "data-demo", knowledge_dir=ROOT / "knowledge")  # type: ignore[call-arg]
        run_ingest(demo, load_embedder=lambda: embedder)
        started = time.perf_counter()
        reviewer = build_sow_reviewer(demo, embedder=embedder)
        review = reviewer.review_file(draft, client="Harbor Mutual")
        first = time.perf_counter() - started
        started = time.perf_counter()
        reviewer.review_file(draft, client="Harbor Mutual")
        again = time.perf_counter() - started
        clauses = len(review.findings)

    print(f"draft: {words:,} words (~{words / WORDS_PER_PAGE:.0f} pages), {clauses} playbook topics")
    print(
        f"ingest of the same file (read, chunk, embed, new version): {ingest_seconds:.2f} s"
        + (f" ({chunks} chunks)" if chunks else "")
    )
    print(
        f"review, model loaded, reviewer built per review (playbook + history of 4 past SOWs): {first:.2f} s"
    )
    print(f"review again with the same reviewer (history cached): {again:.2f} s")
    print("target: review < 10 s")


if __name__ == "__main__":
    main()
