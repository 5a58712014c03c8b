"""Builders of small knowledge files (Markdown, HTML, DOCX, PDF, XLSX, CSV) for tests.

Documents are described once as a list of parts; each writer renders the same parts in its own format,
so a Title becomes the document title and Heading(level=n) the n-th element of every block's heading path.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docx
import openpyxl
import yaml
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Title:
    text: str


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: Sequence[str]


@dataclass(frozen=True)
class Grid:
    """A table; the first row is its header. `merges` are (row, col, last_row, last_col) spans (DOCX only)."""

    rows: Sequence[Sequence[str]]
    merges: Sequence[tuple[int, int, int, int]] = field(default_factory=tuple)
    header: bool = True


@dataclass(frozen=True)
class PageBreak:
    """A new page (PDF only; ignored elsewhere)."""


Part = Title | Heading | Para | Bullets | Grid | PageBreak


def write_markdown(
    path: Path, parts: Sequence[Part], front_matter: Mapping[str, Any] | str | None = None
) -> Path:
    """A Markdown file: Title -> "# ", Heading(n) -> n+1 hashes; `front_matter` as a mapping or raw YAML."""
    out: list[str] = []
    if front_matter is not None:
        raw = front_matter if isinstance(front_matter, str) else yaml.safe_dump(dict(front_matter))
        out += ["---", raw.rstrip("\n"), "---", ""]
    for part in parts:
        if isinstance(part, Title):
            out += [f"# {part.text}", ""]
        elif isinstance(part, Heading):
            out += [f"{'#' * (part.level + 1)} {part.text}", ""]
        elif isinstance(part, Para):
            out += [part.text, ""]
        elif isinstance(part, Bullets):
            out += [*(f"- {item}" for item in part.items), ""]
        elif isinstance(part, Grid):
            header, *body = part.rows
            out.append("| " + " | ".join(header) + " |")
            out.append("|" + "---|" * len(header))
            out += ["| " + " | ".join(row) + " |" for row in body]
            out.append("")
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def write_html(path: Path, parts: Sequence[Part], title: str | None = None, extra_body: str = "") -> Path:
    """An HTML page: Title -> <h1>, Heading(n) -> <h{n+1}>, Grid -> <table> with <th> headers."""
    esc = html.escape
    body: list[str] = []
    for part in parts:
        if isinstance(part, Title):
            body.append(f"<h1>{esc(part.text)}</h1>")
        elif isinstance(part, Heading):
            body.append(f"<h{part.level + 1}>{esc(part.text)}</h{part.level + 1}>")
        elif isinstance(part, Para):
            body.append(f"<p>{esc(part.text)}</p>")
        elif isinstance(part, Bullets):
            body.append("<ul>" + "".join(f"<li>{esc(item)}</li>" for item in part.items) + "</ul>")
        elif isinstance(part, Grid):
            body.append(_html_table(part))
    head = f"<head><title>{esc(title)}</title></head>" if title else "<head></head>"
    page = f"<!DOCTYPE html>\n<html>{head}<body>\n" + "\n".join(body) + extra_body + "\n</body></html>\n"
    path.write_text(page, encoding="utf-8")
    return path


def _html_table(grid: Grid) -> str:
    rows = []
    for i, row in enumerate(grid.rows):
        tag = "th" if i == 0 and grid.header else "td"
        rows.append("<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in row) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def write_docx(path: Path, parts: Sequence[Part], core_title: str | None = None) -> Path:
    """A .docx: Title style, "Heading n" styles, "List Bullet" items, tables with a bold header row."""
    document = docx.Document()
    if core_title is not None:
        document.core_properties.title = core_title
    for part in parts:
        if isinstance(part, Title):
            document.add_paragraph(part.text, style="Title")
        elif isinstance(part, Heading):
            document.add_heading(part.text, level=part.level)
        elif isinstance(part, Para):
            document.add_paragraph(part.text)
        elif isinstance(part, Bullets):
            for item in part.items:
                document.add_paragraph(item, style="List Bullet")
        elif isinstance(part, Grid):
            _docx_table(document, part)
    document.save(str(path))
    return path


def _docx_table(document: Any, grid: Grid) -> None:
    table = document.add_table(rows=len(grid.rows), cols=max(len(r) for r in grid.rows))
    for r, row in enumerate(grid.rows):
        for c, text in enumerate(row):
            if text:
                run = table.cell(r, c).paragraphs[0].add_run(text)
                run.bold = grid.header and r == 0
    for r0, c0, r1, c1 in grid.merges:
        table.cell(r0, c0).merge(table.cell(r1, c1))


class _FooterPdf(FPDF):
    """Prints the same footer line and the page number at the bottom of every page."""

    footer_text = ""

    def footer(self) -> None:
        if self.footer_text:
            self.set_y(-20)
            self.set_font("Helvetica", "I", 8)
            self.cell(0, 5, self.footer_text, new_x="LMARGIN", new_y="NEXT")
            self.cell(0, 5, f"Page {self.page_no()}")


def write_pdf(
    path: Path,
    parts: Sequence[Part],
    title: str | None = None,
    footer: str = "",
    uniform: bool = False,
    tables: bool = False,
) -> Path:
    """A PDF with a text layer (fpdf2, Helvetica: Latin-1 text only); `title` goes to the metadata.

    With `footer`, every page ends with that line and "Page N", like a running footer. Titles and
    headings are set in larger bold type, or with `uniform` in the body's type (as a plain-text export).
    A Grid is one line per row, its cells spaced out; with `tables`, a drawn table (fpdf2's table, cells
    wrapped to their column and centred in their row, as word processors set them).
    """
    pdf = _FooterPdf()
    pdf.footer_text = footer
    if title is not None:
        pdf.set_title(title)
    pdf.add_page()
    for part in parts:
        if isinstance(part, PageBreak):
            pdf.add_page()
        elif isinstance(part, Title | Heading):
            size = 18 if isinstance(part, Title) else 16 - 2 * part.level
            _pdf_line(pdf, part.text, "" if uniform else "B", 11 if uniform else size)
        elif isinstance(part, Para):
            _pdf_line(pdf, part.text, "", 11)
        elif isinstance(part, Bullets):
            for item in part.items:
                _pdf_line(pdf, f"- {item}", "", 11)
        elif isinstance(part, Grid):
            _pdf_grid(pdf, part, drawn=tables)
    pdf.output(str(path))
    return path


def _pdf_grid(pdf: FPDF, grid: Grid, drawn: bool) -> None:
    if not drawn:
        for cells in grid.rows:
            _pdf_line(pdf, "   ".join(cells), "", 11)
        return
    pdf.set_font("Helvetica", "", 9)
    with pdf.table(text_align="LEFT", v_align="MIDDLE", first_row_as_headings=False) as table:
        for cells in grid.rows:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.ln(4)


def _pdf_line(pdf: FPDF, text: str, style: str, size: int) -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.multi_cell(0, size * 0.6, text, new_x="LMARGIN", new_y="NEXT")


def write_encrypted_pdf(path: Path, parts: Sequence[Part], password: str = "secret") -> Path:
    """A PDF that needs `password` to open (encrypted with pypdf's writer)."""
    plain = write_pdf(path.with_name(path.stem + "-plain.pdf"), parts)
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=password)
    writer.write(path)
    plain.unlink()
    return path


def write_image_only_pdf(path: Path) -> Path:
    """A PDF whose pages hold only drawings, like a scan: no text layer at all."""
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    pdf.output(str(path))
    return path


def write_xlsx(path: Path, sheets: Mapping[str, Sequence[Sequence[Any]]], title: str | None = None) -> Path:
    """A workbook with one worksheet per entry; rows[0] is spreadsheet row 1, None/"" cells stay blank."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    if title is not None:
        workbook.properties.title = title
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value not in (None, ""):
                    sheet.cell(row=r, column=c, value=value)
    workbook.save(path)
    return path


def write_csv(
    path: Path, rows: Sequence[Sequence[Any]], encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    """A CSV file in `encoding` (e.g. "utf-8-sig" for a BOM, "cp1252" for a non-UTF-8 file)."""
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def write_cfb(path: Path) -> Path:
    """An OLE compound file header, as Office writes for a password-protected .docx/.xlsx."""
    path.write_bytes(CFB_MAGIC + b"\x00" * 504)
    return path


def answer_library_rows(reviewed: dt.date = dt.date(2025, 3, 1)) -> list[list[Any]]:
    """A small answer-library sheet: header row plus three answered questions."""
    return [
        ["Question", "Answer", "Tags", "Last Reviewed", "Owner"],
        [
            "Do you encrypt data at rest?",
            "Yes, AES-256 on all volumes.",
            "security, encryption",
            reviewed,
            "Sam",
        ],
        ["Where is data hosted?", "In EU data centres (Frankfurt, Dublin).", "hosting", reviewed, "Ana"],
        ["Do you have SOC 2?", "Yes, SOC 2 Type II, renewed yearly.", "compliance", reviewed, "Sam"],
    ]


# ---- hostile files (small, crafted to trip the ingest limits) -------------------------------------------


def rewrite_zip(path: Path, edit: Any, extra: Mapping[str, bytes] | None = None) -> Path:
    """Rewrite the Office package at `path`: edit(name, data) -> data for each member, plus new members."""
    import zipfile

    with zipfile.ZipFile(path) as src:
        members = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in members:
            out.writestr(info.filename, edit(info.filename, data), zipfile.ZIP_DEFLATED)
        for name, data in (extra or {}).items():
            out.writestr(name, data, zipfile.ZIP_DEFLATED)
    return path


def write_xlsx_declaring_whole_grid(path: Path, rows: Sequence[Sequence[Any]], far_cell: str = "") -> Path:
    """A workbook whose sheet declares its used range as A1:XFD1048576 (the whole grid).

    `far_cell` adds a cell at XFD1048576: an empty styled one ("empty") or one holding text ("text").
    """
    import re

    write_xlsx(path, {"Library": rows})
    cell = {
        "": b"",
        "empty": b'<c r="XFD1048576" s="0"/>',
        "text": b'<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>',
    }[far_cell]

    def edit(name: str, data: bytes) -> bytes:
        if not name.startswith("xl/worksheets/sheet"):
            return data
        data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
        if cell:
            data = data.replace(b"</sheetData>", b'<row r="1048576">' + cell + b"</row></sheetData>")
        return data

    return rewrite_zip(path, edit)


def write_docx_bomb(path: Path, expanded_bytes: int = 4 * 1024 * 1024) -> Path:
    """A valid .docx carrying a member of zeros that compresses about a thousand times."""
    write_docx(path, [Title("Bomb"), Para("A document with a very compressible part.")])
    return rewrite_zip(path, lambda name, data: data, {"word/media/filler.bin": bytes(expanded_bytes)})


def write_alias_bomb_sidecar(path: Path, levels: int = 9) -> Path:
    """A sidecar of nested YAML anchors: a few hundred bytes that expand to 10**levels strings."""
    lines = ['a0: &a0 "lol"']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    path.write_text("title: Bomb\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_xlsx_formulas_only(path: Path) -> Path:
    """An answer library whose answers are formulas saved without cached values (as openpyxl writes them)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Question", "Answer"])
    sheet.append(["Do you print in colour?", '=CONCAT("Yes, ", "in colour")'])
    sheet.append(["Do you mail overseas?", '=CONCAT("Yes, ", "to 40 countries")'])
    workbook.save(path)
    return path
