"""The format readers: blocks, heading paths, tables, titles and Q&A rows from real files, and bad inputs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter

from assistant.errors import DocumentError
from assistant.models import Block, ParsedDocument
from ingest.formats import SUPPORTED_SUFFIXES, read_document
from ingest.formats.blocks import ROWS_PER_TABLE_BLOCK
from tests.docbuilders import (
    Bullets,
    Grid,
    Heading,
    PageBreak,
    Para,
    Part,
    Title,
    answer_library_rows,
    write_cfb,
    write_csv,
    write_docx,
    write_encrypted_pdf,
    write_html,
    write_image_only_pdf,
    write_markdown,
    write_pdf,
    write_xlsx,
)

OFFERING: list[Part] = [
    Title("Managed Security Offering"),
    Para("An always-on   security operations service\tfor mid-size companies."),
    Heading("Service Levels"),
    Para("We respond to incidents around the clock."),
    Heading("Turnaround", 2),
    Para("Critical incidents get a first response within 15 minutes."),
    Bullets(["Critical: 15 minutes", "High: 1 hour"]),
    Heading("Pricing"),
    Grid([["Tier", "Price", "Seats"], ["Gold", "5000 EUR", "100"], ["Silver", "3000 EUR", "50"]]),
]

EXPECTED_OFFERING_BLOCKS = [
    ("prose", [], "An always-on security operations service for mid-size companies."),
    ("prose", ["Service Levels"], "We respond to incidents around the clock."),
    ("prose", ["Service Levels", "Turnaround"], "Critical incidents get a first response within 15 minutes."),
    ("prose", ["Service Levels", "Turnaround"], "- Critical: 15 minutes\n- High: 1 hour"),
    (
        "table",
        ["Pricing"],
        "Tier: Gold | Price: 5000 EUR | Seats: 100\nTier: Silver | Price: 3000 EUR | Seats: 50",
    ),
]

Writer = Callable[[Path, Sequence[Part]], Path]


def read(path: Path) -> ParsedDocument:
    return read_document(path, f"offerings/{path.name}")


def shape(blocks: list[Block]) -> list[tuple[str, list[str], str]]:
    return [(b.kind, b.heading_path, b.text) for b in blocks]


def reason_for(path: Path) -> str:
    """The DocumentError reason for reading `path`; the message must be a single line naming the source."""
    with pytest.raises(DocumentError) as info:
        read_document(path, f"sows/{path.name}")
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(f"sows/{path.name}: ")
    return info.value.reason


# --- the same document in every structured format -------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "writer"),
    [(".md", write_markdown), (".html", write_html), (".docx", write_docx)],
)
def test_structured_formats_give_title_heading_paths_lists_and_tables(
    tmp_path: Path, suffix: str, writer: Writer
) -> None:
    parsed = read(writer(tmp_path / f"offering{suffix}", OFFERING))
    assert parsed.title == "Managed Security Offering"
    assert shape(parsed.blocks) == EXPECTED_OFFERING_BLOCKS


@pytest.mark.parametrize("name", ["offering.MD", "offering.Docx", "offering.HTM"])
def test_suffix_is_matched_case_insensitively(tmp_path: Path, name: str) -> None:
    writers: dict[str, Writer] = {".md": write_markdown, ".docx": write_docx, ".htm": write_html}
    parsed = read(writers[Path(name).suffix.lower()](tmp_path / name, OFFERING))
    assert parsed.title == "Managed Security Offering"


def test_supported_suffixes_cover_every_format() -> None:
    expected = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx", ".xlsx", ".csv"}
    expected |= {".yaml", ".yml"}  # playbook/ only
    assert expected == SUPPORTED_SUFFIXES


# --- Markdown and plain text -----------------------------------------------------------------------


def test_markdown_front_matter_is_parsed_with_dates_kept_as_text(tmp_path: Path) -> None:
    path = write_markdown(
        tmp_path / "a.md", OFFERING, front_matter="client: Acme\neffective_date: 2025-01-31\ntags: [a, b]\n"
    )
    parsed = read(path)
    assert parsed.front_matter == {"client": "Acme", "effective_date": "2025-01-31", "tags": ["a", "b"]}
    assert parsed.blocks[0].text.startswith("An always-on")


def test_markdown_front_matter_that_is_not_a_mapping_is_rejected(tmp_path: Path) -> None:
    path = write_markdown(tmp_path / "a.md", OFFERING, front_matter="- just\n- a list\n")
    assert reason_for(path) == "front matter: expected a mapping of keys to values, got a list"


def test_markdown_front_matter_with_a_yaml_error_names_the_problem_and_line(tmp_path: Path) -> None:
    path = write_markdown(tmp_path / "a.md", OFFERING, front_matter="client: Acme\nvertical: [unclosed\n")
    reason = reason_for(path)
    assert reason.startswith("front matter: invalid YAML")
    assert "line" in reason


def test_markdown_front_matter_without_closing_line_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\nclient: Acme\n\n# Title\n\nBody.\n", encoding="utf-8")
    assert reason_for(tmp_path / "a.md") == "front matter: no closing '---' line"


def test_markdown_without_h1_has_no_title_and_h2_starts_the_heading_path(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("## Scope\n\nAll servers.\n\n### Out of scope\n\nLaptops.\n")
    parsed = read(tmp_path / "a.md")
    assert parsed.title is None
    assert shape(parsed.blocks) == [
        ("prose", ["Scope"], "All servers."),
        ("prose", ["Scope", "Out of scope"], "Laptops."),
    ]


def test_markdown_later_h1_opens_a_new_top_level_section(tmp_path: Path) -> None:
    text = "# Doc\n\n## A\n\nIn A.\n\n# Appendix\n\nIn appendix.\n\n## Rates\n\nIn rates.\n"
    (tmp_path / "a.md").write_text(text)
    parsed = read(tmp_path / "a.md")
    assert parsed.title == "Doc"
    assert [b.heading_path for b in parsed.blocks] == [["A"], ["Appendix"], ["Appendix", "Rates"]]


def test_markdown_hashes_inside_code_fences_are_not_headings(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "# Doc\n\n## Setup\n\n```bash\n# install the agent\nrun it\n```\n\nDone.\n"
    )
    parsed = read(tmp_path / "a.md")
    assert shape(parsed.blocks) == [
        ("prose", ["Setup"], "# install the agent\nrun it"),
        ("prose", ["Setup"], "Done."),
    ]


def test_markdown_soft_wrapped_paragraph_is_one_block_and_a_loose_list_stays_together(tmp_path: Path) -> None:
    text = "# Doc\n\nFirst line\nsecond line.\n\n- one\n\n- two\n  continued\n1. three\n\nAfter.\n"
    (tmp_path / "a.md").write_text(text)
    assert [b.text for b in read(tmp_path / "a.md").blocks] == [
        "First line second line.",
        "- one\n- two continued\n1. three",
        "After.",
    ]


def test_markdown_big_table_is_split_into_blocks_whose_rows_keep_their_headers(tmp_path: Path) -> None:
    rows = [["Service", "Hours"]] + [
        [f"Service {i}", f"{i}h"] for i in range(1, 2 * ROWS_PER_TABLE_BLOCK + 2)
    ]
    parsed = read(write_markdown(tmp_path / "a.md", [Title("Rates"), Heading("Hours"), Grid(rows)]))
    assert [b.kind for b in parsed.blocks] == ["table"] * 3
    assert [len(b.text.splitlines()) for b in parsed.blocks] == [
        ROWS_PER_TABLE_BLOCK,
        ROWS_PER_TABLE_BLOCK,
        1,
    ]
    assert parsed.blocks[2].text == f"Service: Service {2 * ROWS_PER_TABLE_BLOCK + 1} | Hours: 31h"
    assert all(b.heading_path == ["Hours"] for b in parsed.blocks)


def test_markdown_table_cells_may_contain_escaped_pipes_and_be_empty(tmp_path: Path) -> None:
    text = "# T\n\n| Plan | Note | Price |\n|:--|:-:|--:|\n| Basic | a \\| b |  |\n"
    (tmp_path / "a.md").write_text(text)
    assert read(tmp_path / "a.md").blocks[0].text == "Plan: Basic | Note: a | b"


def test_markdown_line_with_a_pipe_above_a_rule_is_not_a_table(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# T\n\nPrice | on request\n---\n\nNext.\n")
    assert shape(read(tmp_path / "a.md").blocks) == [
        ("prose", [], "Price | on request"),
        ("prose", [], "Next."),
    ]


def test_plain_text_is_read_as_paragraphs_without_title(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("# not a heading\nline two\n\n\n  Second   paragraph.  \n")
    parsed = read(tmp_path / "notes.txt")
    assert parsed.title is None
    assert shape(parsed.blocks) == [
        ("prose", [], "# not a heading\nline two"),
        ("prose", [], "Second paragraph."),
    ]


@pytest.mark.parametrize("name", ["notes.txt", "notes.md", "notes.csv"])
def test_text_files_that_are_not_utf8_are_rejected(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes("Caf\u00e9 prices, question, answer".encode("cp1252"))
    assert reason_for(tmp_path / name).startswith("not UTF-8 text")


# --- HTML ------------------------------------------------------------------------------------------


def test_html_ignores_scripts_styles_navigation_and_footers(tmp_path: Path) -> None:
    extra = (
        "<script>var secret = 1;</script><style>p {color: red}</style>"
        "<nav><a href='/'>Home</a></nav><footer>Copyright Acme</footer>"
    )
    path = write_html(tmp_path / "a.html", [Title("Doc"), Para("Kept.")], extra_body=extra)
    assert [b.text for b in read(path).blocks] == ["Kept."]


def test_html_title_element_wins_over_the_first_h1(tmp_path: Path) -> None:
    parsed = read(write_html(tmp_path / "a.html", OFFERING, title="Acme | Managed Security"))
    assert parsed.title == "Acme | Managed Security"
    assert shape(parsed.blocks) == EXPECTED_OFFERING_BLOCKS


def test_html_loose_text_line_breaks_definition_lists_and_headerless_tables(tmp_path: Path) -> None:
    page = (
        "<html><body><h2>Contacts</h2><div>Support desk<br>+44 20 0000</div>"
        "<dl><dt>SLA</dt><dd>Service level agreement</dd></dl>"
        "<table><tr><td>Region</td><td>EU</td></tr><tr><td colspan='2'>All data stays in the EU</td></tr>"
        "</table></body></html>"
    )
    (tmp_path / "a.html").write_text(page)
    parsed = read(tmp_path / "a.html")
    assert parsed.title is None
    assert shape(parsed.blocks) == [
        ("prose", ["Contacts"], "Support desk\n+44 20 0000"),
        ("prose", ["Contacts"], "SLA: Service level agreement"),
        ("table", ["Contacts"], "Region | EU\nAll data stays in the EU"),
    ]


def test_html_with_no_text_is_empty(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(
        "<html><head><title>T</title></head><body><script>x()</script></body></html>"
    )
    assert reason_for(tmp_path / "a.html") == "empty"


# --- PDF -------------------------------------------------------------------------------------------

SOW_PDF: list[Part] = [
    Title("Statement of Work"),
    Heading("1. Scope"),
    Para("The supplier monitors all production servers of the client."),
    Heading("2. Service Levels"),
    Para("Service levels apply from the start date."),
    Heading("2.1 Turnaround", 2),
    Para("Critical incidents get a response within 15 minutes."),
    PageBreak(),
    Para("High incidents get a response within one hour."),
    Heading("3. Fees"),
    Para("Fees are invoiced monthly in arrears."),
]


def test_pdf_numbered_headings_nest_and_blocks_carry_their_page(tmp_path: Path) -> None:
    parsed = read(write_pdf(tmp_path / "sow.pdf", SOW_PDF))
    assert parsed.title == "Statement of Work"
    assert [(b.heading_path, b.page, b.text) for b in parsed.blocks] == [
        (["1. Scope"], 1, "The supplier monitors all production servers of the client."),
        (["2. Service Levels"], 1, "Service levels apply from the start date."),
        (["2. Service Levels", "2.1 Turnaround"], 1, "Critical incidents get a response within 15 minutes."),
        (["2. Service Levels", "2.1 Turnaround"], 2, "High incidents get a response within one hour."),
        (["3. Fees"], 2, "Fees are invoiced monthly in arrears."),
    ]


def test_pdf_title_case_headings_are_found_without_numbers(tmp_path: Path) -> None:
    parts: list[Part] = [
        Title("Offering Sheet"),
        Para("Short intro sentence."),
        Heading("Service Levels"),
        Para("We answer within 15 minutes, around the clock."),
        Bullets(["Critical: 15 minutes", "High: 1 hour"]),
        Heading("Pricing Model"),
        Para("Per seat per month."),
    ]
    parsed = read(write_pdf(tmp_path / "a.pdf", parts))
    assert [(b.heading_path, b.text) for b in parsed.blocks] == [
        ([], "Short intro sentence."),
        (
            ["Service Levels"],
            "We answer within 15 minutes, around the clock.\n- Critical: 15 minutes\n- High: 1 hour",
        ),
        (["Pricing Model"], "Per seat per month."),
    ]


def test_pdf_headings_in_body_type_are_found_by_their_shape(tmp_path: Path) -> None:
    parts: list[Part] = [
        Title("Offering Sheet"),
        Para("Short intro sentence."),
        Heading("Service Levels"),
        Para("We answer within 15 minutes, around the clock."),
        Heading("3. Fees"),
        Para("Per seat per month."),
    ]
    parsed = read(write_pdf(tmp_path / "a.pdf", parts, uniform=True))
    assert [(b.heading_path, b.text) for b in parsed.blocks] == [
        ([], "Short intro sentence."),
        (["Service Levels"], "We answer within 15 minutes, around the clock."),
        (["3. Fees"], "Per seat per month."),
    ]


def test_pdf_sentence_case_headings_in_larger_type_are_headings(tmp_path: Path) -> None:
    parts: list[Part] = [
        Title("Utility Billing"),
        Heading("The bill is the relationship"),
        Para("Every customer receives the bill every month."),
        Heading("Moving customers to paperless"),
        Para("Paper bills are expensive and customers know it."),
        Heading("Getting there", 2),
        Para("A QR code enrols the customer in two taps."),
        Heading(LONG_HEADING),
        Para("Every plant is staffed by our own people."),
    ]
    parsed = read(write_pdf(tmp_path / "a.pdf", parts))
    assert [(b.heading_path, b.text) for b in parsed.blocks] == [
        (["The bill is the relationship"], "Every customer receives the bill every month."),
        (["Moving customers to paperless"], "Paper bills are expensive and customers know it."),
        (["Moving customers to paperless", "Getting there"], "A QR code enrols the customer in two taps."),
        ([LONG_HEADING], "Every plant is staffed by our own people."),  # set over two lines, read as one
    ]


LONG_HEADING = (
    "Production print and mail outsourcing from three plants in two countries, run by our own staff"
)


def test_pdf_title_case_line_in_body_type_is_text_where_type_marks_the_headings(tmp_path: Path) -> None:
    parts: list[Part] = [
        Title("Offering Sheet"),
        Heading("Service levels"),
        Para("Targets apply every month."),
        Grid([["Measure", "Target"], ["Uptime", "99.9%"]]),
    ]
    parsed = read(write_pdf(tmp_path / "a.pdf", parts))
    assert [(b.heading_path, b.text) for b in parsed.blocks] == [
        (["Service levels"], "Targets apply every month. Measure Target Uptime 99.9%"),
    ]
    # By shape alone (one type size throughout) the header row would pass for a heading.
    uniform = read(write_pdf(tmp_path / "b.pdf", parts, uniform=True))
    assert ["Measure Target"] in [b.heading_path[-1:] for b in uniform.blocks]


def test_pdf_wrapped_line_ending_in_capitalised_words_is_not_a_heading(tmp_path: Path) -> None:
    parts: list[Part] = [
        Title("Doc"),
        Para("We provide this service to"),
        Para("Acme Corp"),
        Para("and others."),
    ]
    parsed = read(write_pdf(tmp_path / "a.pdf", parts))
    assert shape(parsed.blocks) == [("prose", [], "We provide this service to Acme Corp and others.")]


def test_pdf_metadata_title_is_preferred_and_not_repeated_as_text(tmp_path: Path) -> None:
    parsed = read(write_pdf(tmp_path / "a.pdf", SOW_PDF, title="Statement of Work"))
    assert parsed.title == "Statement of Work"
    assert all("Statement of Work" not in b.text for b in parsed.blocks)
    other = read(write_pdf(tmp_path / "b.pdf", SOW_PDF, title="Acme SOW 2025"))
    assert other.title == "Acme SOW 2025"


def test_pdf_running_footer_and_page_numbers_are_dropped(tmp_path: Path) -> None:
    parsed = read(write_pdf(tmp_path / "sow.pdf", SOW_PDF, footer="Acme Ltd - Confidential"))
    assert all("Confidential" not in b.text and "Page" not in b.text for b in parsed.blocks)
    assert [b.heading_path[-1] for b in parsed.blocks] == [
        "1. Scope",
        "2. Service Levels",
        "2.1 Turnaround",
        "2.1 Turnaround",
        "3. Fees",
    ]


SERVICE_LEVELS = Grid(
    [
        ["Ref", "Service", "Target", "Credit"],
        [
            "S-1",
            "Member ID cards",
            "Mailed within 3 business days of the enrolment file; 99.5%",
            "5% of the fee",
        ],
        [
            "S-2",
            "Adverse determination letters",
            "Files accepted by 10:30 a.m. mailed the same day",
            "5%",
        ],
    ]
)


def test_pdf_drawn_table_is_read_row_by_row_with_wrapped_cells_kept_whole(tmp_path: Path) -> None:
    parts: list[Part] = [
        Title("Statement of Work"),
        Heading("Service levels"),
        Para("The service levels below apply from go-live."),
        SERVICE_LEVELS,
        Para("In any month, credits are capped at 14% of the month's fees."),
        Heading("Contacts"),
        Para("Account lead: Dana Reyes."),
    ]
    parsed = read(write_pdf(tmp_path / "sow.pdf", parts, tables=True))
    # The target cells wrap over several lines and sit centred beside their row's other cells.
    assert shape(parsed.blocks) == [
        ("prose", ["Service levels"], "The service levels below apply from go-live."),
        (
            "table",
            ["Service levels"],
            "Ref: S-1 | Service: Member ID cards | Target: Mailed within 3 business days of the enrolment "
            "file; 99.5% | Credit: 5% of the fee\n"
            "Ref: S-2 | Service: Adverse determination letters | Target: Files accepted by 10:30 a.m. "
            "mailed the same day | Credit: 5%",
        ),
        ("prose", ["Service levels"], "In any month, credits are capped at 14% of the month's fees."),
        ("prose", ["Contacts"], "Account lead: Dana Reyes."),
    ]


def test_pdf_cells_spaced_out_on_one_line_and_label_value_lines_stay_text(tmp_path: Path) -> None:
    # One run per line (a plain-text export of a table) is not a drawn table: its text is kept as it was.
    spaced = read(write_pdf(tmp_path / "spaced.pdf", [Title("SOW"), Heading("Fees"), SERVICE_LEVELS]))
    assert [b.kind for b in spaced.blocks] == ["prose"]
    assert "S-1 Member ID cards" in spaced.blocks[0].text
    # A label and its value drawn apart on one line, then prose: no table, nothing lost or reordered.
    pairs = Grid([["Client", "Acme Ltd"]])
    form = [Title("SOW"), Heading("Parties"), pairs, Para("Acme Ltd buys print and mail services from us.")]
    parsed = read(write_pdf(tmp_path / "form.pdf", form, tables=True))
    assert [b.kind for b in parsed.blocks] == ["prose"]
    assert parsed.blocks[0].text == "Client Acme Ltd Acme Ltd buys print and mail services from us."


def test_pdf_encrypted_with_a_password_is_rejected(tmp_path: Path) -> None:
    path = write_encrypted_pdf(tmp_path / "locked.pdf", SOW_PDF)
    assert reason_for(path) == "encrypted/password-protected"


def test_pdf_with_only_an_owner_password_is_read(tmp_path: Path) -> None:
    plain = write_pdf(tmp_path / "plain.pdf", SOW_PDF)
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="", owner_password="owner")
    writer.write(tmp_path / "restricted.pdf")
    assert read(tmp_path / "restricted.pdf").blocks[0].text.startswith("The supplier monitors")


def test_pdf_without_a_text_layer_is_reported_as_probably_scanned(tmp_path: Path) -> None:
    assert reason_for(write_image_only_pdf(tmp_path / "scan.pdf")) == "no extractable text (scanned image?)"


def test_corrupt_pdf_is_reported_as_unreadable(tmp_path: Path) -> None:
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.7\nthis is not really a pdf")
    assert reason_for(tmp_path / "bad.pdf").startswith("unreadable PDF: ")


# --- DOCX ------------------------------------------------------------------------------------------


def test_docx_tables_stay_in_place_between_paragraphs(tmp_path: Path) -> None:
    parts: list[Part] = [
        Title("SOW"),
        Heading("Fees"),
        Para("Before the table."),
        Grid([["Item", "Amount", "Due"], ["Setup", "2000", "May"]]),
        Para("After the table."),
    ]
    parsed = read(write_docx(tmp_path / "a.docx", parts))
    assert shape(parsed.blocks) == [
        ("prose", ["Fees"], "Before the table."),
        ("table", ["Fees"], "Item: Setup | Amount: 2000 | Due: May"),
        ("prose", ["Fees"], "After the table."),
    ]


def test_docx_merged_cells_are_not_duplicated_within_a_row(tmp_path: Path) -> None:
    grid = Grid(
        [["Item", "Q1", "Q2"], ["Setup", "1000", "500"], ["Total for the year", "", "1500"]],
        merges=[(2, 0, 2, 1)],
    )
    parsed = read(write_docx(tmp_path / "a.docx", [Title("T"), grid]))
    assert parsed.blocks[0].text == "Item: Setup | Q1: 1000 | Q2: 500\nItem: Total for the year | Q2: 1500"


def test_docx_vertically_merged_cell_labels_each_row_it_spans(tmp_path: Path) -> None:
    grid = Grid(
        [["Region", "Site", "Tier"], ["EU", "Dublin", "Gold"], ["", "Frankfurt", "Silver"]],
        merges=[(1, 0, 2, 0)],
    )
    parsed = read(write_docx(tmp_path / "a.docx", [Title("T"), grid]))
    assert parsed.blocks[0].text.splitlines() == [
        "Region: EU | Site: Dublin | Tier: Gold",
        "Region: EU | Site: Frankfurt | Tier: Silver",
    ]


def test_docx_two_column_table_without_header_row_is_read_as_key_value_lines(tmp_path: Path) -> None:
    grid = Grid([["Client", "Acme Ltd"], ["Start date", "1 May 2025"]], header=False)
    parsed = read(write_docx(tmp_path / "a.docx", [Title("T"), grid]))
    assert parsed.blocks[0].text == "Client | Acme Ltd\nStart date | 1 May 2025"


def test_docx_without_title_style_falls_back_to_core_properties_title(tmp_path: Path) -> None:
    parsed = read(
        write_docx(tmp_path / "a.docx", [Heading("Scope"), Para("All servers.")], core_title="Acme SOW")
    )
    assert parsed.title == "Acme SOW"
    assert shape(parsed.blocks) == [("prose", ["Scope"], "All servers.")]
    untitled = read(write_docx(tmp_path / "b.docx", [Para("Text.")]))
    assert untitled.title is None


def test_docx_stored_as_ole_file_is_reported_as_protected_or_legacy(tmp_path: Path) -> None:
    assert reason_for(write_cfb(tmp_path / "locked.docx")).startswith("password-protected or legacy .doc")


def test_corrupt_docx_is_reported_as_unreadable(tmp_path: Path) -> None:
    (tmp_path / "bad.docx").write_bytes(b"PK\x03\x04 truncated zip")
    assert reason_for(tmp_path / "bad.docx").startswith("unreadable DOCX: ")


# --- XLSX and CSV answer libraries -----------------------------------------------------------------


def test_xlsx_answer_library_rows_become_qa_blocks_with_sheet_row_and_extras(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "answers.xlsx", {"Security": answer_library_rows(dt.date(2025, 3, 1))})
    parsed = read(path)
    first = parsed.blocks[0]
    assert first == Block(
        kind="qa",
        text="Q: Do you encrypt data at rest?\nA: Yes, AES-256 on all volumes.",
        heading_path=["Security"],
        question="Do you encrypt data at rest?",
        answer="Yes, AES-256 on all volumes.",
        sheet="Security",
        row=2,
        extra={"tags": ["security", "encryption"], "last_reviewed": "2025-03-01", "owner": "Sam"},
    )
    assert [b.row for b in parsed.blocks] == [2, 3, 4]


def test_xlsx_reads_every_sheet_and_matches_headers_case_insensitively_after_caption_rows(
    tmp_path: Path,
) -> None:
    sheets: dict[str, list[list[Any]]] = {
        "Security": answer_library_rows(),
        "Commercial": [
            ["Commercial answers (internal)"],
            [],
            ["  QUESTION ", "answer", "last_reviewed", "OWNER"],
            ["What are your payment terms?", "30 days net.", "2024-11-05", "Finance"],
            [],
            ["Do you offer discounts?", "", "2024-11-05", "Finance"],
            ["Can we pay quarterly?", "Yes, on request.", None, None],
        ],
    }
    parsed = read(write_xlsx(tmp_path / "answers.xlsx", sheets))
    commercial = [b for b in parsed.blocks if b.sheet == "Commercial"]
    assert len(parsed.blocks) == 5
    assert [(b.question, b.row, b.extra) for b in commercial] == [
        ("What are your payment terms?", 4, {"last_reviewed": "2024-11-05", "owner": "Finance"}),
        ("Can we pay quarterly?", 7, {}),
    ]
    assert all(b.kind == "qa" and b.heading_path == ["Commercial"] for b in commercial)


def test_xlsx_sheet_without_question_and_answer_columns_is_read_as_a_table(tmp_path: Path) -> None:
    sheets: dict[str, list[list[Any]]] = {
        "Answers": answer_library_rows(),
        "Rates": [["Rate card 2025"], ["Role", "Day rate"], ["Architect", 1200], [], ["Engineer", 950.0]],
    }
    parsed = read(write_xlsx(tmp_path / "answers.xlsx", sheets, title="Answer Library"))
    assert parsed.title == "Answer Library"
    rates = [b for b in parsed.blocks if b.sheet == "Rates"]
    assert [(b.kind, b.heading_path, b.row, b.text) for b in rates] == [
        (
            "table",
            ["Rates"],
            1,
            "Rate card 2025\nRole: Architect | Day rate: 1200\nRole: Engineer | Day rate: 950",
        ),
    ]


def test_xlsx_last_reviewed_that_is_not_a_date_names_sheet_and_row(tmp_path: Path) -> None:
    rows = [
        ["Question", "Answer", "Last reviewed"],
        ["Q one?", "A one.", "2024-01-01"],
        ["Q two?", "A two.", "soon"],
    ]
    path = write_xlsx(tmp_path / "answers.xlsx", {"Main": rows})
    assert reason_for(path) == "sheet 'Main' row 3: last_reviewed: 'soon' is not a date (expected YYYY-MM-DD)"


def test_xlsx_stored_as_ole_file_is_reported_as_password_protected(tmp_path: Path) -> None:
    assert reason_for(write_cfb(tmp_path / "locked.xlsx")).startswith("password-protected")


def test_corrupt_xlsx_is_reported_as_unreadable(tmp_path: Path) -> None:
    (tmp_path / "bad.xlsx").write_bytes(b"this is not a zip file at all")
    assert reason_for(tmp_path / "bad.xlsx").startswith("unreadable spreadsheet: ")


def test_xlsx_without_any_values_is_empty(tmp_path: Path) -> None:
    assert reason_for(write_xlsx(tmp_path / "blank.xlsx", {"Sheet1": [], "Sheet2": [[None]]})) == "empty"


def test_csv_answer_library_has_no_sheet_and_counts_records_from_one(tmp_path: Path) -> None:
    rows = [
        ["question", "Answer", "tags"],
        ["Do you support SSO?", "Yes, SAML 2.0 and OIDC.\nSCIM too.", "identity; sso"],
        ["", "", ""],
        ["Is there an SLA?", "99.9% monthly.", ""],
    ]
    parsed = read(write_csv(tmp_path / "answers.csv", rows, encoding="utf-8-sig"))
    assert [(b.kind, b.sheet, b.row, b.heading_path, b.extra) for b in parsed.blocks] == [
        ("qa", None, 2, [], {"tags": ["identity", "sso"]}),
        ("qa", None, 4, [], {}),
    ]
    assert parsed.blocks[0].text == "Q: Do you support SSO?\nA: Yes, SAML 2.0 and OIDC.\nSCIM too."


def test_csv_with_semicolons_is_read_as_a_plain_table(tmp_path: Path) -> None:
    rows = [["Country", "Data centre"], ["Ireland", "Dublin"], ["Germany", "Frankfurt"]]
    parsed = read(write_csv(tmp_path / "sites.csv", rows, delimiter=";"))
    assert shape(parsed.blocks) == [
        ("table", [], "Country: Ireland | Data centre: Dublin\nCountry: Germany | Data centre: Frankfurt")
    ]
    assert parsed.blocks[0].row == 2


# --- inputs every reader refuses ---------------------------------------------------------------------


@pytest.mark.parametrize("suffix", sorted(SUPPORTED_SUFFIXES))
def test_zero_byte_file_is_empty_in_every_format(tmp_path: Path, suffix: str) -> None:
    (tmp_path / f"blank{suffix}").write_bytes(b"")
    assert reason_for(tmp_path / f"blank{suffix}") == "empty"


@pytest.mark.parametrize("name", ["blank.md", "blank.txt", "blank.csv"])
def test_whitespace_only_text_file_is_empty(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("\n   \n\t\n")
    assert reason_for(tmp_path / name) == "empty"


def test_markdown_with_only_front_matter_is_empty(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: Nothing here\n---\n\n")
    assert reason_for(tmp_path / "a.md") == "empty"


@pytest.mark.parametrize(("name", "shown"), [("deck.pptx", "'.pptx'"), ("README", "(no extension)")])
def test_unsupported_file_type_is_rejected(tmp_path: Path, name: str, shown: str) -> None:
    (tmp_path / name).write_text("something")
    assert reason_for(tmp_path / name) == f"unsupported file type {shown}"


def test_two_megabytes_of_loose_list_parse_into_one_list_block(tmp_path: Path) -> None:
    # Regression for a quadratic scan ahead on every blank line (2 MB took 8-18 s); linear now.
    items = [f"- item {n} about envelopes and inserts" for n in range(50_000)]
    path = tmp_path / "loose.md"
    path.write_text("# Loose\n\n" + "\n\n".join(items) + "\n", encoding="utf-8")
    assert path.stat().st_size > 2_000_000
    parsed = read_document(path, "offerings/loose.md")
    assert [b.kind for b in parsed.blocks] == ["prose"]
    lines = parsed.blocks[0].text.splitlines()
    assert lines[0] == "- item 0 about envelopes and inserts" and len(lines) == 50_000


def test_loose_list_items_keep_their_continuation_lines(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_text("# L\n\n- first\n  continued\n\n- second\n\nAfter.\n", encoding="utf-8")
    texts = [b.text for b in read_document(path, "offerings/list.md").blocks]
    assert texts == ["- first continued\n- second", "After."]


def test_html_nested_lists_are_read_without_recursion(tmp_path: Path) -> None:
    nested = "<ul>" + "<li>level<ul>" * 150 + "<li>deepest</li>" + "</ul></li>" * 150 + "</ul>"
    path = write_html(tmp_path / "n.html", [Title("Doc")], extra_body=nested)
    lines = read_document(path, "offerings/n.html").blocks[-1].text.splitlines()
    assert len(lines) == 151 and lines[-1] == "- deepest"
