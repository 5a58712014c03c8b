"""Hostile knowledge files through the real ingest: each fails alone with one line naming it and why,
the rest of the run goes on, and what the store held for a failed file stays as it was."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from assistant.retrieval.catalog import ROW_STORE_KEY, Catalog
from assistant.retrieval.embedding import Embedder
from assistant.wiring import open_registry, run_ingest
from ingest.pipeline import IngestReport
from tests.conftest import make_settings
from tests.docbuilders import (
    answer_library_rows,
    write_alias_bomb_sidecar,
    write_docx_bomb,
    write_xlsx,
    write_xlsx_declaring_whole_grid,
    write_xlsx_formulas_only,
)

GOOD = "# Envelopes\n\nWe print window envelopes in three sizes.\n"


def write(root: Path, rel: str, content: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def ingest(tmp_path: Path, root: Path, embedder: Embedder, **settings: Any) -> IngestReport:
    return run_ingest(
        make_settings(tmp_path / "data", root, **settings), root, load_embedder=lambda: embedder
    )


def catalog_of(tmp_path: Path, root: Path) -> Catalog:
    return Catalog(
        open_registry(make_settings(tmp_path / "data", root)).resolve("live").catalog, readonly=True
    )


def reasons(report: IngestReport) -> dict[str, str]:
    return {r.source: r.reason or "" for r in report.failed}


def chunk_texts(catalog: Catalog, source: str) -> list[str]:
    return [c.text for c in catalog.chunks(catalog.chunk_ids_of([source])).values()]


# ---- item 3: a spreadsheet declaring the whole grid as its used range ----------------------------------


def test_xlsx_declaring_a_whole_grid_used_range_is_read_by_its_real_cells(
    tmp_path: Path, embedder: Embedder
) -> None:
    root = tmp_path / "kb"
    write_xlsx_declaring_whole_grid(
        write(root, "rfp-answers/library.xlsx", b"x"), answer_library_rows(), "empty"
    )
    report = ingest(tmp_path, root, embedder)
    assert not report.failed, report.failed
    texts = chunk_texts(catalog_of(tmp_path, root), "rfp-answers/library.xlsx")
    assert len(texts) == len(answer_library_rows()) - 1


def test_xlsx_with_a_value_in_column_xfd_fails_over_the_column_limit(
    tmp_path: Path, embedder: Embedder
) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/envelopes.md", GOOD)
    write_xlsx_declaring_whole_grid(
        write(root, "rfp-answers/library.xlsx", b"x"), answer_library_rows(), "text"
    )
    report = ingest(tmp_path, root, embedder)
    reason = "too large: sheet 'Library' row 1048576 uses 16,384 columns (the limit is 1,000)"
    assert reasons(report) == {"rfp-answers/library.xlsx": reason}
    assert report.count("added") == 1


def test_spreadsheet_over_the_row_limit_fails_and_keeps_what_the_store_held(
    tmp_path: Path, embedder: Embedder
) -> None:
    root = tmp_path / "kb"
    rows = answer_library_rows()
    library = write_xlsx(write(root, "rfp-answers/library.xlsx", b"x"), {"Library": rows})
    ingest(tmp_path, root, embedder, max_rows=len(rows))
    before = catalog_of(tmp_path, root).files()["rfp-answers/library.xlsx"]
    write_xlsx(library, {"Library": [*rows, *rows[1:]]})
    write(root, "offerings/envelopes.md", GOOD)
    report = ingest(tmp_path, root, embedder, max_rows=len(rows))
    assert reasons(report)["rfp-answers/library.xlsx"].startswith(f"too large: more than {len(rows):,} rows")
    assert report.count("added") == 1
    assert catalog_of(tmp_path, root).files()["rfp-answers/library.xlsx"] == before


def test_csv_over_the_row_limit_fails(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "rfp-answers/big.csv", "Question,Answer\n" + "Do you print?,Yes.\n" * 30)
    report = ingest(tmp_path, root, embedder, max_rows=20)
    assert reasons(report) == {"rfp-answers/big.csv": "too large: more than 20 rows (at the file row 21)"}


# ---- item 4: zip bombs, YAML alias bombs, and the worker's memory budget --------------------------------


def test_docx_bomb_fails_alone_before_it_is_parsed(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/envelopes.md", GOOD)
    write_docx_bomb(write(root, "offerings/bomb.docx", b"x"))
    report = ingest(tmp_path, root, embedder)
    reason = reasons(report)["offerings/bomb.docx"]
    assert reason.startswith("too large: archive member 'word/media/filler.bin' expands")
    assert "the limit is 100 times" in reason
    assert report.count("added") == 1


def test_package_over_the_configured_expanded_size_fails(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write_xlsx(write(root, "rfp-answers/library.xlsx", b"x"), {"Library": answer_library_rows()})
    report = ingest(tmp_path, root, embedder, max_expanded_mb=0.001)
    reason = reasons(report)["rfp-answers/library.xlsx"]
    assert reason.startswith("too large: expands to ") and reason.endswith("(the limit is 1.02 KiB)")


def test_yaml_alias_bomb_in_a_sidecar_fails_naming_the_sidecar(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/envelopes.md", GOOD)
    write(root, "offerings/notes.txt", "Notes about inserts.\n")
    write_alias_bomb_sidecar(root / "offerings/notes.txt.meta.yaml")
    report = ingest(tmp_path, root, embedder)
    reason = reasons(report)["offerings/notes.txt"]
    assert reason.startswith("notes.txt.meta.yaml: invalid YAML (aliases (*name) are not allowed in metadata")
    assert report.count("added") == 1


def test_yaml_aliases_in_front_matter_are_refused(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/a.md", "---\nbase: &b {region: emea}\ncopy: *b\n---\n# A\n\nText.\n")
    report = ingest(tmp_path, root, embedder)
    assert "aliases (*name) are not allowed" in reasons(report)["offerings/a.md"]


def test_file_over_the_parsing_memory_budget_fails_as_too_large(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/envelopes.md", GOOD)
    write(root, "offerings/huge.txt", ("Envelopes and inserts. " * 40 + "\n\n") * 30_000)  # ~26 MiB
    report = ingest(tmp_path, root, embedder, ingest_worker_mb=48)
    assert reasons(report) == {"offerings/huge.txt": "too large: reading it exhausted the parser's memory"}
    assert report.count("added") == 1


def test_file_over_the_parsing_time_budget_fails_as_too_large(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/envelopes.md", GOOD)
    write(root, "offerings/slow.txt", ("Envelopes and inserts. " * 40 + "\n\n") * 40_000)  # ~35 MiB, seconds
    report = ingest(tmp_path, root, embedder, ingest_file_seconds=1)
    assert reasons(report) == {"offerings/slow.txt": "too large: reading it took longer than 1 s"}
    assert report.count("added") == 1


def test_cli_ingest_prints_one_failed_line_per_bad_file_and_exits_1(
    tmp_path: Path, embedder: Embedder
) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/envelopes.md", GOOD)
    write_docx_bomb(write(root, "offerings/bomb.docx", b"x"))
    write(root, "offerings/bad\nname.txt", b"")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEAL_", "SLACK_"))}
    env.update(DEAL_DATA_DIR=str(tmp_path / "data"), DEAL_KNOWLEDGE_DIR=str(root), COLUMNS="300")
    cli = Path(sys.executable).with_name("deal-assistant")
    done = subprocess.run(
        [str(cli), "ingest"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 1, done.stdout + done.stderr
    failed = [line for line in done.stderr.splitlines() if line.startswith("failed:")]
    assert failed[0].startswith("failed: offerings/bad\\nname.txt: empty")
    assert failed[1].startswith("failed: offerings/bomb.docx: too large: archive member")
    assert len(failed) == 2
    assert "Traceback" not in done.stderr


# ---- item 5: links and special files ---------------------------------------------------------------------


def test_symlinks_and_special_files_are_skipped_with_a_warning(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/envelopes.md", GOOD)
    secret = write(tmp_path, "outside/secret.txt", "SECRET_TOKEN=hunter2\n")
    (root / "offerings/env.txt").symlink_to("/proc/self/environ")
    (root / "offerings/secret.txt").symlink_to(secret)
    (root / "offerings/gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (root / "linked").symlink_to(secret.parent, target_is_directory=True)
    os.mkfifo(root / "offerings/pipe.txt")
    report = ingest(tmp_path, root, embedder)
    assert not report.failed
    assert [r.source for r in report.results] == ["offerings/envelopes.md"]
    warnings = "\n".join(report.warnings)
    assert "offerings/env.txt: symbolic link, skipped" in warnings
    assert "offerings/secret.txt: symbolic link, skipped" in warnings
    assert "offerings/gone.txt: dangling symbolic link, skipped" in warnings
    assert "linked: symlinked folder, not followed" in warnings
    assert "offerings/pipe.txt: not a regular file" in warnings
    body = "\n".join(chunk_texts(catalog_of(tmp_path, root), "offerings/envelopes.md"))
    assert "hunter2" not in body


def test_symlinked_sidecar_is_not_followed(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/notes.txt", "Notes about inserts.\n")
    secret = write(tmp_path, "outside/secret.yaml", "token: hunter2\n")
    (root / "offerings/notes.txt.meta.yaml").symlink_to(secret)
    report = ingest(tmp_path, root, embedder)
    assert reasons(report) == {
        "offerings/notes.txt": "notes.txt.meta.yaml: cannot read file: a symbolic link, not followed"
    }


# ---- item 12: metadata size, stored once per file ---------------------------------------------------------


def test_metadata_over_the_limit_fails_naming_the_file(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/envelopes.md", GOOD)
    write(root, "offerings/fat.md", f"---\nnotes: {'x' * 20_000}\n---\n# Fat\n\nText.\n")
    report = ingest(tmp_path, root, embedder)
    reason = reasons(report)["offerings/fat.md"]
    assert reason.startswith("metadata: too large (") and reason.endswith("the limit is 16,384 bytes)")
    assert report.count("added") == 1


def test_unknown_metadata_is_stored_once_per_file_and_short_ids_stay_searchable(
    tmp_path: Path, embedder: Embedder
) -> None:
    root = tmp_path / "kb"
    long_note = "Negotiated terms. " * 200
    sidecar = f"contract_number: CCDR-2024-117\nnotes: {long_note}\n"
    write(
        root,
        "sows/calder.md",
        "# Calder SOW\n\n"
        + "\n\n".join(f"Clause {n}: " + "the vendor prints and mails. " * 20 for n in range(8)),
    )
    write(root, "sows/calder.md.meta.yaml", sidecar)
    assert not ingest(tmp_path, root, embedder).failed
    catalog = catalog_of(tmp_path, root)
    assert catalog.files()["sows/calder.md"].meta["extra"]["contract_number"] == "CCDR-2024-117"
    with sqlite3.connect(catalog.path) as db:  # the version's catalog names the shared row store
        (stored,) = db.execute("SELECT value FROM info WHERE key = ?", (ROW_STORE_KEY,)).fetchone()
        db.execute("ATTACH DATABASE ? AS store", (str(catalog.path.parent / json.loads(stored)),))
        data = [row[0] for row in db.execute("SELECT data FROM store.chunks")]
        bodies = [row[0] for row in db.execute("SELECT body FROM store.chunks_fts")]
    assert len(data) > 1 and not any("CCDR" in d or "Negotiated" in d for d in data)
    assert not any("Negotiated" in b for b in bodies)
    assert catalog.keyword_search("CCDR-2024-117", k=3)


# ---- item 13: per-file size and chunk limits ---------------------------------------------------------------


def test_file_over_the_size_limit_fails_without_being_read(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/envelopes.md", GOOD)
    write(root, "offerings/big.md", "# Big\n\n" + "Words about envelopes. " * 60_000)
    report = ingest(tmp_path, root, embedder, max_file_mb=1)
    assert reasons(report)["offerings/big.md"].startswith("too large (1.32 MiB; the limit is 1 MiB)")
    assert report.count("added") == 1


def test_file_over_the_chunk_limit_fails(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(
        root, "offerings/long.md", "# Long\n\n" + "\n\n".join(f"## S{n}\n\nSection {n}." for n in range(30))
    )
    report = ingest(tmp_path, root, embedder, max_chunks=10)
    assert reasons(report) == {"offerings/long.md": "too large: 30 chunks (the limit is 10 per file)"}


# ---- item 22: names, control characters, uncached formulas, deep HTML -------------------------------------


def test_control_characters_are_stripped_from_indexed_text(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/notes.txt", b"Envel\x00opes\x07 ship \x1b[2Jdaily.\tAlways.\n")
    assert not ingest(tmp_path, root, embedder).failed
    assert chunk_texts(catalog_of(tmp_path, root), "offerings/notes.txt") == [
        "Envelopes ship [2Jdaily. Always."
    ]


def test_xlsx_of_uncached_formulas_says_why_it_is_empty(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write_xlsx_formulas_only(write(root, "rfp-answers/formulas.xlsx", b"x"))
    report = ingest(tmp_path, root, embedder)
    assert reasons(report) == {
        "rfp-answers/formulas.xlsx": "empty: formulas without cached values; open and save it in Excel"
    }


@pytest.mark.parametrize("depth", [400, 10_000])
def test_deeply_nested_html_is_read_or_fails_with_its_depth(
    tmp_path: Path, embedder: Embedder, depth: int
) -> None:
    root = tmp_path / "kb"
    page = (
        "<html><body><h2>Deep</h2>"
        + "<div>" * depth
        + "<p>Bottom text.</p>"
        + "</div>" * depth
        + "</body></html>"
    )
    write(root, "offerings/deep.html", page)
    report = ingest(tmp_path, root, embedder)
    if depth < 500:
        assert not report.failed
        assert chunk_texts(catalog_of(tmp_path, root), "offerings/deep.html") == ["Bottom text."]
    else:
        assert reasons(report) == {
            "offerings/deep.html": f"elements nested {depth + 3:,} levels deep (the limit is 500)"
        }
