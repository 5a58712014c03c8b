"""The questionnaire section: peak memory and speed of filling a large RFP workbook, offline composer."""

from __future__ import annotations

import random
import re
from pathlib import Path

import openpyxl

from assistant.questionnaires.phrasing import looks_like_question, looks_like_requirement, question_key
from assistant.retrieval.catalog import Catalog
from assistant.settings import Settings
from assistant.wiring import open_registry
from evals.bench.measuring import Latency
from evals.bench.processes import child_env, run_json_child
from evals.bench.results import BenchResult, Figure, Reference

TEMPLATES = (
    "Describe your approach to {topic}.",
    "What are your commitments on {topic}?",
    "Explain how you handle {topic} for a client of our size.",
    "Do you have a documented process for {topic}?",
    "Provide details of your {topic}.",
    "How do you report on {topic}?",
    "Who owns {topic} on your side of the engagement?",
    "Summarise your experience with {topic} in regulated industries.",
    "What tools and staff support {topic}?",
    "Confirm how {topic} is priced and measured.",
)
_NUMBERING = re.compile(r"^\s*\d+(\.\d+)*\.?\s+")


def rfp_questions(demo: Settings, extra: list[str], count: int, seed: int = 11) -> list[str]:
    """`count` distinct, realistic questions: the answer library's, the eval questions, and section topics."""
    catalog = Catalog(open_registry(demo).resolve("live").catalog, readonly=True)
    try:
        chunks = list(catalog.chunks(catalog.chunk_ids_of(catalog.files())).values())
    finally:
        catalog.close()
    topics = sorted(
        {_NUMBERING.sub("", c.heading_path.split(" > ")[-1]).lower() for c in chunks if c.heading_path}
    )
    candidates = [c.question for c in chunks if c.question] + extra
    candidates += [t.format(topic=topic) for t in TEMPLATES for topic in topics]
    asked = (
        q for q in candidates if looks_like_question(q) or looks_like_requirement(q)
    )  # as a reader sees it
    distinct = list({question_key(q): q for q in asked}.values())
    random.Random(seed).shuffle(distinct)
    if len(distinct) < count:
        raise ValueError(f"only {len(distinct)} distinct questions can be made from this knowledge base")
    return distinct[:count]


def write_workbook(path: Path, questions: list[str]) -> Path:
    """A plain RFP sheet: ID, Question and an empty Response column."""
    wb = openpyxl.Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "Questions"
    sheet.append(["ID", "Question", "Response"])
    for n, question in enumerate(questions, start=1):
        sheet.append([f"Q{n:04d}", question, None])
    wb.save(path)
    return path


def bench_questionnaire(
    result: BenchResult, demo: Settings, work: Path, questions: list[str], ask: Latency
) -> None:
    """Fill a workbook of `questions` in a process of its own; add its peak memory and seconds per 100."""
    work.mkdir(parents=True, exist_ok=True)
    book = write_workbook(work / "rfp.xlsx", questions)
    env = child_env(demo)
    got = run_json_child(
        ["questionnaire", "--file", str(book), "--out", str(work / "rfp-filled.xlsx")],
        env,
        work,
        timeout=1200,
    )
    unique = got["unique"]
    result.add(
        [
            Figure(
                section="memory",
                name=f"peak RSS filling a {got['questions']}-question questionnaire",
                value=got["peak_rss_mib"],
                unit="MiB",
                reference=Reference(
                    name="same process, assistant built, before filling",
                    value=got["rss_ready_mib"],
                    unit="MiB",
                ),
            ),
            Figure(
                section="memory",
                name="questionnaire filling: seconds per 100 questions (offline composer)",
                value=got["seconds"] * 100.0 / unique,
                unit="s",
                reference=Reference(
                    name="100 × in-process offline ask p50 (demo)", value=ask.p50 * 100.0 / 1000.0, unit="s"
                ),
                note=f"{unique} distinct questions drafted, {got['not_found']} marked for an expert",
            ),
        ]
    )
    result.note(
        "memory",
        f"Questionnaire: an .xlsx of {got['questions']} distinct questions (the answer library's questions, "
        "the eval questions and section topics in RFP phrasing) filled by `fill_questions` in a process of "
        "its own over the demo knowledge base; model load and assistant build "
        f"({got['model_load_s']:.1f} s) not counted in the seconds.",
    )
