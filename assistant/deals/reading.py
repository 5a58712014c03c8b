"""Reading a deal file (.yaml/.yml or an .xlsx deal sheet) into a `Deal`, with one-line errors.

The .xlsx deal sheet holds the same fields as the YAML: a "Deal" sheet of `field | value` rows (nested
fields dotted: `one_time.transition_fee`), a "Lines" sheet and an optional "Staff" sheet, each with a
header row of field names. Both are turned into the same mapping and validated by the same model, so a
field is named the same way in an error whichever format it came from.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from assistant.deals.model import Deal
from assistant.errors import DealFileError
from assistant.sizes import MIB, describe_size

__all__ = [
    "DEAL_SUFFIXES",
    "LINE_FIELDS",
    "MAX_DEAL_BYTES",
    "SCALAR_FIELDS",
    "STAFF_FIELDS",
    "deal_from_mapping",
    "read_deal",
    "read_deal_bytes",
]

DEAL_SUFFIXES = (".yaml", ".yml", ".xlsx")
MAX_DEAL_BYTES = 5 * MIB
MAX_SHEET_ROWS = 2_000

# The Deal sheet's rows, in the order a template lists them.
SCALAR_FIELDS = (
    "client",
    "kind",
    "start",
    "term_months",
    "discount_rate",
    "price_escalator",
    "cost_escalator",
    "volume_change",
    "one_time.transition_fee",
    "one_time.transition_cost",
    "postage.monthly",
    "postage.prefund_days",
    "sla_credit_cap",
    "termination_for_convenience.earliest_month",
    "termination_for_convenience.notice_days",
    "termination_for_convenience.fee",
    "current.annual_revenue",
    "current.annual_gross_profit",
)
LINE_FIELDS = ("name", "unit", "monthly_volume", "unit_price", "unit_cost")
STAFF_FIELDS = ("role", "fte", "annual_cost", "monthly_fee")


def read_deal(path: Path) -> Deal:
    """The deal in a .yaml/.yml or .xlsx file; DealFileError names the field and the problem."""
    try:
        size = path.stat().st_size
        if size > MAX_DEAL_BYTES:
            raise DealFileError(path.name, _too_large(size))
        data = path.read_bytes()
    except OSError as e:
        raise DealFileError(str(path), f"cannot be read: {e.strerror or e}") from e
    return read_deal_bytes(data, path.name)


def _too_large(size: int) -> str:
    return f"is {describe_size(size)}; a deal file may be at most {describe_size(MAX_DEAL_BYTES)}"


def read_deal_bytes(data: bytes, name: str) -> Deal:
    """The deal in a file's content; `name` decides the format and labels errors."""
    suffix = Path(name).suffix.lower()
    if suffix not in DEAL_SUFFIXES:
        raise DealFileError(name, "a deal file is .yaml, .yml or .xlsx")
    if len(data) > MAX_DEAL_BYTES:
        raise DealFileError(name, _too_large(len(data)))
    raw = _xlsx_mapping(data, name) if suffix == ".xlsx" else _yaml_mapping(data, name)
    return deal_from_mapping(raw, name)


def deal_from_mapping(raw: Any, name: str = "deal") -> Deal:
    """Validate a mapping as a deal; the first problem becomes a DealFileError naming its field."""
    if not isinstance(raw, dict):
        raise DealFileError(name, "a deal file is a mapping of fields (client, kind, start, ...)")
    try:
        return Deal.model_validate(raw)
    except ValidationError as e:
        raise DealFileError(name, describe_error(e.errors()[0])) from None


def describe_error(error: ErrorDetails) -> str:
    """`lines[0].unit_price: must be >= 0 (got -1)` from one pydantic error."""
    field = _location(error["loc"])
    kind, message, value = error["type"], error["msg"], error.get("input")
    if kind == "value_error":  # our own cross-field checks carry their field in the message
        return str(message).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return f"{field}: unknown field (a typo? see `deal-assistant deal template`)"
    if kind == "missing":
        return f"{field}: is required"
    if value is None:
        return f"{field}: is blank"
    return f"{field}: {_lower_first(str(message))} (got {_shown(value)})"


def _location(loc: Iterable[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "deal"


def _lower_first(text: str) -> str:
    text = text.replace("Input should be", "should be")
    return text[:1].lower() + text[1:]


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- YAML ------------------------------------------------------------------------------------------


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases (a few bytes of aliases can expand to gigabytes)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases (*name) are not allowed in a deal file")
        return super().compose_node(parent, index)


def _yaml_mapping(data: bytes, name: str) -> Any:
    try:
        return yaml.load(data.decode("utf-8"), Loader=_NoAliasLoader)
    except UnicodeDecodeError:
        raise DealFileError(name, "is not UTF-8 text") from None
    except yaml.YAMLError as e:
        where = getattr(e, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise DealFileError(name, f"is not valid YAML{line}: {problem}") from None


# -- .xlsx deal sheet ------------------------------------------------------------------------------


def _xlsx_mapping(data: bytes, name: str) -> dict[str, Any]:
    import io

    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise DealFileError(name, f"is not a readable .xlsx workbook ({type(e).__name__})") from None
    try:
        sheets = {ws.title.strip().lower(): ws for ws in wb.worksheets}
        if "deal" not in sheets or "lines" not in sheets:
            raise DealFileError(name, 'a deal sheet has a "Deal" sheet and a "Lines" sheet')
        raw = _scalars(_rows(sheets["deal"]), name)
        raw["lines"] = _records(_rows(sheets["lines"]), "lines", name)
        if "staff" in sheets:
            staff = _records(_rows(sheets["staff"]), "staff", name)
            if staff:
                raw["staff"] = staff
        return raw
    finally:
        wb.close()


def _rows(ws: Any) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for row in ws.iter_rows(values_only=True):
        if len(rows) >= MAX_SHEET_ROWS:
            break
        rows.append([_cell(v) for v in row])
    return rows


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return value.strip() or None
    return value


def _scalars(rows: list[list[Any]], name: str) -> dict[str, Any]:
    """`field | value` rows into a nested mapping; a first row `field | value` is a header."""
    raw: dict[str, Any] = {}
    for row in rows:
        if not row or row[0] is None:
            continue
        key, value = str(row[0]).strip(), row[1] if len(row) > 1 else None
        if key.lower() == "field" or value is None:
            continue
        target = raw
        *parents, leaf = key.split(".")
        for parent in parents:
            child = target.setdefault(parent, {})
            if not isinstance(child, dict):
                raise DealFileError(name, f"Deal sheet: {key} repeats the field {parent}")
            target = child
        if leaf in target:
            raise DealFileError(name, f"Deal sheet: {key} is given twice")
        target[leaf] = value
    return raw


def _records(rows: list[list[Any]], sheet: str, name: str) -> list[dict[str, Any]]:
    """A header row of field names, then one record per non-empty row (empty cells left out)."""
    filled = [r for r in rows if any(v is not None for v in r)]
    if not filled:
        return []
    header = [str(v).strip() if v is not None else "" for v in filled[0]]
    records = []
    for row in filled[1:]:
        record: dict[str, Any] = {}
        for i, value in enumerate(row):
            if value is None:
                continue
            label = header[i] if i < len(header) else ""
            if not label:
                raise DealFileError(name, f"{sheet.title()} sheet: a value in a column without a field name")
            record[label] = value
        records.append(record)
    return records
