"""Blank deal files: a commented YAML and an .xlsx deal sheet with the same fields, ready to fill in.

Required fields are left blank (reading a blank template names the first one); optional fields are at
their defaults or absent.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from assistant.deals.reading import LINE_FIELDS, SCALAR_FIELDS, STAFF_FIELDS
from assistant.errors import DealFileError

__all__ = ["YAML_TEMPLATE", "write_template"]

YAML_TEMPLATE = """\
# Deal file for `deal-assistant deal case`. Blank fields must be filled in; see README "Deal desk".
client:                        # client or prospect name
kind: new                      # new | renewal
start:                         # first day of the contract, YYYY-MM-DD
term_months:                   # contract length in months
discount_rate: 0.08            # annual, for NPV
price_escalator: 0             # unit prices and staff fees rise by this at each contract anniversary
cost_escalator: 0              # unit costs and staff costs rise by this at each anniversary
volume_change: 0               # volumes change by this at each anniversary
lines:                         # one or more priced services
  - {name: , unit: , monthly_volume: , unit_price: , unit_cost: }
staff: []                      # e.g. - {role: On-site operator, fte: 8, annual_cost: 68000, monthly_fee: 0}
one_time:
  transition_fee: 0            # billed in month 1
  transition_cost: 0           # our investment, spent in month 1
# postage: {monthly: 0, prefund_days: 10}       # passed through at cost, never revenue
# sla_credit_cap: 0.15                          # share of monthly fees at risk
# termination_for_convenience: {earliest_month: 13, notice_days: 180, fee: 0}
# current: {annual_revenue: 0, annual_gross_profit: 0}   # renewals only
"""

_XLSX_DEFAULTS = {
    "kind": "new",
    "discount_rate": 0.08,
    "price_escalator": 0,
    "cost_escalator": 0,
    "volume_change": 0,
    "one_time.transition_fee": 0,
    "one_time.transition_cost": 0,
}


def write_template(path: Path) -> Path:
    """Write a blank deal file; its suffix (.yaml, .yml or .xlsx) picks the format. Never overwrites."""
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".xlsx"):
        raise DealFileError(path.name, "a deal template is .yaml, .yml or .xlsx")
    if path.exists():
        raise DealFileError(str(path), "already exists; choose another name")
    if suffix == ".xlsx":
        _write_xlsx(path)
    else:
        path.write_text(YAML_TEMPLATE, encoding="utf-8")
    return path


def _write_xlsx(path: Path) -> None:
    wb = Workbook()
    deal = wb.active
    assert deal is not None
    deal.title = "Deal"
    bold = Font(bold=True)
    deal.append(["field", "value"])
    for key in SCALAR_FIELDS:
        deal.append([key, _XLSX_DEFAULTS.get(key)])
    deal.column_dimensions["A"].width = 44
    for title, fields in (("Lines", LINE_FIELDS), ("Staff", STAFF_FIELDS)):
        ws = wb.create_sheet(title)
        ws.append(list(fields))
        for column in range(1, len(fields) + 1):
            ws.cell(1, column).font = bold
    for cell in deal[1]:
        cell.font = bold
    wb.save(path)
