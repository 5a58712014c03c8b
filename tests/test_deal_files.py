"""Deal files: every validation error names its field, the .xlsx deal sheet reads as the YAML does,
templates are blank but complete, and the CLI turns a bad file into one line and exit 1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.deals import read_deal, write_template
from assistant.deals.reading import SCALAR_FIELDS, deal_from_mapping, read_deal_bytes
from assistant.errors import DealFileError
from tests.conftest import ROOT

GOOD: dict[str, Any] = {
    "client": "Harbor Mutual Insurance",
    "kind": "new",
    "start": "2027-01-01",
    "term_months": 36,
    "discount_rate": 0.08,
    "lines": [
        {"name": "Print", "unit": "image", "monthly_volume": 1000, "unit_price": 0.05, "unit_cost": 0.03}
    ],
}


def with_(**changes: Any) -> dict[str, Any]:
    raw = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    return raw


def line(**changes: Any) -> list[dict[str, Any]]:
    return [{**GOOD["lines"][0], **changes}]


ERRORS = {
    "unknown top-level field": (with_(discount=0.1), "discount: unknown field"),
    "typo in a line": (with_(lines=[{**GOOD["lines"][0], "unit_prise": 1}]), "lines[0].unit_prise: unknown field"),  # noqa: E501
    "missing client": (with_(client=None), "client: is required"),
    "blank client": (with_(client="  "), "client: string should have at least 1 character"),
    "unknown kind": (with_(kind="extension"), "kind: should be 'new' or 'renewal' (got 'extension')"),
    "bad start": (with_(start="next spring"), "start: should be a valid date"),
    "zero term": (with_(term_months=0), "term_months: should be greater than or equal to 1 (got 0)"),
    "fractional term": (with_(term_months=12.5), "term_months: should be a valid integer"),
    "discount as words": (with_(discount_rate="eight percent"), "discount_rate: should be a valid decimal"),
    "escalator of -100%": (with_(price_escalator=-1), "price_escalator: should be greater than -1"),
    "no lines": (with_(lines=[]), "lines: list should have at least 1 item"),
    "negative price": (with_(lines=line(unit_price=-0.01)), "lines[0].unit_price: should be greater than or equal to 0"),  # noqa: E501
    "missing unit cost": (with_(lines=[{k: v for k, v in GOOD["lines"][0].items() if k != "unit_cost"}]),
                          "lines[0].unit_cost: is required"),
    "volume as text": (with_(lines=line(monthly_volume="lots")), "lines[0].monthly_volume: should be a valid decimal"),  # noqa: E501
    "negative FTE": (with_(staff=[{"role": "Op", "fte": -1, "annual_cost": 1}]), "staff[0].fte: should be greater"),  # noqa: E501
    "unknown one-time item": (with_(one_time={"setup_fee": 5}), "one_time.setup_fee: unknown field"),
    "postage without amount": (with_(postage={"prefund_days": 2}), "postage.monthly: is required"),
    "SLA cap over 100%": (with_(sla_credit_cap=1.5), "sla_credit_cap: should be less than or equal to 1"),
    "termination after the term": (with_(termination_for_convenience={"earliest_month": 40}),
                                   "termination_for_convenience.earliest_month: 40 is after the last month"),
    "renewal without current": (with_(kind="renewal"), "current: a renewal needs current.annual_revenue"),
    "current on a new deal": (with_(current={"annual_revenue": 1, "annual_gross_profit": 1}),
                              "current: only a renewal has a current contract"),
    "zero current revenue": (with_(kind="renewal", current={"annual_revenue": 0, "annual_gross_profit": 1}),
                             "current.annual_revenue: should be greater than 0"),
    "not a mapping": ([1, 2], "a deal file is a mapping"),
}  # fmt: skip


@pytest.mark.parametrize("raw, message", list(ERRORS.values()), ids=list(ERRORS))
def test_each_validation_error_names_the_field_and_the_problem(raw: Any, message: str) -> None:
    with pytest.raises(DealFileError) as caught:
        deal_from_mapping(raw, "deal.yaml")
    text = str(caught.value)
    assert text.startswith("deal.yaml: ") and message in text, text
    assert "\n" not in text


@pytest.mark.parametrize(
    "content, message",
    [
        (b"client: [unclosed\n", "is not valid YAML at line"),
        (b"base: &b {name: x}\nlines: [*b]\n", "aliases (*name) are not allowed"),
        (b"\xff\xfe not text", "is not UTF-8 text"),
    ],
    ids=["syntax", "alias", "encoding"],
)
def test_unreadable_yaml_is_one_line(content: bytes, message: str) -> None:
    with pytest.raises(DealFileError, match=r"^deal\.yaml: ") as caught:
        read_deal_bytes(content, "deal.yaml")
    assert message in str(caught.value)


def test_unsupported_suffix_and_corrupt_workbook_are_refused() -> None:
    with pytest.raises(DealFileError, match=r"is \.yaml, \.yml or \.xlsx"):
        read_deal_bytes(b"{}", "deal.json")
    with pytest.raises(DealFileError, match=r"not a readable \.xlsx workbook"):
        read_deal_bytes(b"PK\x03\x04 broken", "deal.xlsx")


def fill_xlsx_template(
    path: Path, scalars: dict[str, Any], lines: list[list[Any]], staff: list[list[Any]]
) -> None:
    wb = openpyxl.load_workbook(path)
    for row in wb["Deal"].iter_rows(min_row=2):
        if row[0].value in scalars:
            row[1].value = scalars[row[0].value]
    for values in lines:
        wb["Lines"].append(values)
    for values in staff:
        wb["Staff"].append(values)
    wb.save(path)


def test_xlsx_deal_sheet_reads_as_the_same_deal_as_the_yaml(tmp_path: Path) -> None:
    yaml_deal = read_deal(ROOT / "deals" / "harbor-mutual-prospect.yaml")
    sheet = write_template(tmp_path / "harbor.xlsx")
    raw = yaml.safe_load((ROOT / "deals" / "harbor-mutual-prospect.yaml").read_text())
    scalars = {k: v for k, v in raw.items() if not isinstance(v, dict | list)}
    for block in ("one_time", "postage", "termination_for_convenience"):
        scalars.update({f"{block}.{k}": v for k, v in raw[block].items()})
    fill_xlsx_template(
        sheet,
        scalars,
        [
            [li["name"], li["unit"], li["monthly_volume"], li["unit_price"], li["unit_cost"]]
            for li in raw["lines"]
        ],
        [[s["role"], s["fte"], s["annual_cost"], s["monthly_fee"]] for s in raw["staff"]],
    )
    assert read_deal(sheet) == yaml_deal


def test_xlsx_deal_sheet_errors_name_the_field(tmp_path: Path) -> None:
    sheet = write_template(tmp_path / "deal.xlsx")
    fill_xlsx_template(
        sheet,
        {"client": "X", "start": "2027-01-01", "term_months": 12},
        [["Print", "image", 10, 1, 0.5]],
        [],
    )
    wb = openpyxl.load_workbook(sheet)
    wb["Deal"].append(["one_time.transition_fe", 5])
    wb.save(sheet)
    with pytest.raises(DealFileError, match=r"deal.xlsx: one_time.transition_fe: unknown field"):
        read_deal(sheet)
    del wb["Lines"]
    wb.save(sheet)
    with pytest.raises(DealFileError, match='a "Deal" sheet and a "Lines" sheet'):
        read_deal(sheet)


@pytest.mark.parametrize("name", ["deal.yaml", "deal.xlsx"])
def test_blank_template_names_its_first_blank_field(tmp_path: Path, name: str) -> None:
    path = write_template(tmp_path / name)
    with pytest.raises(DealFileError, match=r": client: is (blank|required)"):
        read_deal(path)
    with pytest.raises(DealFileError, match="already exists"):
        write_template(path)


def test_templates_list_the_same_fields(tmp_path: Path) -> None:
    text = write_template(tmp_path / "deal.yaml").read_text()
    uncommented = "\n".join(
        line.removeprefix("# ") for line in text.splitlines() if not line.startswith("# Deal")
    )
    raw = yaml.safe_load(uncommented)
    yaml_fields = set()
    for key, value in raw.items():
        if isinstance(value, dict):
            yaml_fields |= {f"{key}.{k}" for k in value}
        elif key not in ("lines", "staff"):
            yaml_fields.add(key)
    assert yaml_fields == set(SCALAR_FIELDS)


runner = CliRunner()


def test_cli_bad_deal_file_is_one_line_naming_the_field_and_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "deal.yaml"
    bad.write_text(yaml.safe_dump(with_(lines=line(unit_price=-1))))
    result = runner.invoke(app, ["deal", "case", str(bad)])
    assert result.exit_code == 1
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "lines[0].unit_price" in lines[0], result.output


def test_cli_case_json_and_chart(tmp_path: Path) -> None:
    chart = tmp_path / "case.png"
    result = runner.invoke(
        app,
        [
            "deal",
            "case",
            str(ROOT / "deals" / "pinecrest-health-renewal.yaml"),
            "--json",
            "--chart",
            str(chart),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["retention"]["gross_profit"] < 0.9
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_template_writes_a_blank_deal_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["deal", "template", str(tmp_path / "deal.yaml")])
    assert result.exit_code == 0 and (tmp_path / "deal.yaml").exists()
