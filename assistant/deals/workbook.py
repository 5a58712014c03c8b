"""The auditable workbook of a business case: every figure a live Excel formula over an Inputs sheet.

Sheets: Inputs (the deal's fields, the line and staff tables, the policy thresholds), Months (one row per
month, the definitions of assistant.deals.computing as formulas), Case (the summary and the contract
years), Sensitivity (each scenario in closed form over the Months factor columns, plus break-even volume)
and Risks (each figure and its flag). A reviewer who changes a volume, price, cost, escalator, rate or
threshold sees the whole case move; the term is the number of rows on Months.

`write_workbook` returns the address of every figure, so a test can recompute the file with an
independent formula engine and compare each one with the Python computation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from assistant.deals.computing import BusinessCase
from assistant.deals.policy import DealPolicy
from assistant.deals.risks import Risk
from assistant.deals.sensitivity import Sensitivity, staffing_role

__all__ = ["WorkbookLayout", "write_workbook"]

_BOLD = Font(bold=True)
_INPUT = PatternFill("solid", fgColor="FFF2CC")  # the cells a reviewer may change
_MONEY = "#,##0.00;[Red]-#,##0.00"
_RATIO = "0.00%"
_PRICE = "0.0000"
_NEVER = 9999  # the "not paid back" marker of Months!O (above any term)


@dataclass
class WorkbookLayout:
    """Where each figure lives: 'Sheet!A1' addresses by figure name."""

    summary: dict[str, str] = field(default_factory=dict)  # acv_year1, tcv, npv, ...
    years: list[dict[str, str]] = field(default_factory=list)  # per year: revenue, cost, ...
    sensitivity: list[dict[str, str]] = field(default_factory=list)  # per scenario, in order
    break_even: dict[str, str] = field(default_factory=dict)
    risks: dict[str, dict[str, str]] = field(default_factory=dict)  # key -> figure, flagged


# Inputs!B rows of the deal's scalar fields and the policy.
_SCALARS = (
    ("client", "Client"),
    ("kind", "Kind (new or renewal)"),
    ("start", "Start date"),
    ("term_months", "Term (months)"),
    ("discount_rate", "Discount rate (annual)"),
    ("price_escalator", "Price escalator (each anniversary)"),
    ("cost_escalator", "Cost escalator (each anniversary)"),
    ("volume_change", "Volume change (each anniversary)"),
    ("transition_fee", "Transition fee (revenue, month 1)"),
    ("transition_cost", "Transition cost (investment, month 1)"),
    ("sla_credit_cap", "SLA credit cap (share of monthly fees)"),
    ("tfc_month", "Termination for convenience: earliest month"),
    ("tfc_fee", "Termination for convenience: fee"),
    ("current_revenue", "Current contract: annual revenue"),
    ("current_gp", "Current contract: annual gross profit"),
    ("postage_monthly", "Postage a month (pass-through, not revenue)"),
    ("postage_prefund_days", "Postage prefunded (days)"),
    ("threshold", "Policy: business case above this contract life value"),
    ("retention_floor", "Policy: renewal retention floor"),
    ("margin_floor", "Policy: margin floor"),
    ("payback_limit", "Policy: latest payback month"),
    ("concentration_limit", "Policy: largest line's share of revenue"),
    ("sla_limit", "Policy: SLA credits as share of annual GP"),
)
_FIRST_SCALAR_ROW = 3
IN = {key: f"Inputs!$B${_FIRST_SCALAR_ROW + i}" for i, (key, _) in enumerate(_SCALARS)}


def write_workbook(
    case: BusinessCase,
    sensitivity: Sensitivity,
    risks: list[Risk],
    path: Path,
    policy: DealPolicy | None = None,
) -> WorkbookLayout:
    """Write the case's workbook to `path` and return where each figure is."""
    policy = policy or DealPolicy()
    wb = Workbook()
    inputs = wb.active
    assert inputs is not None
    inputs.title = "Inputs"
    layout = WorkbookLayout()
    refs = _write_inputs(inputs, case, policy)
    months_ws = wb.create_sheet("Months")
    last = _write_months(months_ws, case.deal.term_months, refs)
    _write_case(wb.create_sheet("Case"), case, refs, last, layout)
    _write_sensitivity(wb.create_sheet("Sensitivity"), case, sensitivity, refs, last, layout)
    _write_risks(wb.create_sheet("Risks"), risks, refs, last, layout)
    wb.calculation.fullCalcOnLoad = True  # Excel and LibreOffice compute on open: no cached values here
    wb.save(path)
    return layout


def _number(value: Decimal | int | None) -> Decimal | int:
    return 0 if value is None else value


def _write_inputs(ws: Worksheet, case: BusinessCase, policy: DealPolicy) -> dict[str, str]:
    deal = case.deal
    tfc, current, postage = deal.termination_for_convenience, deal.current, deal.postage
    values: dict[str, Any] = {
        "client": deal.client,
        "kind": deal.kind,
        "start": deal.start,
        "term_months": deal.term_months,
        "discount_rate": deal.discount_rate,
        "price_escalator": deal.price_escalator,
        "cost_escalator": deal.cost_escalator,
        "volume_change": deal.volume_change,
        "transition_fee": deal.one_time.transition_fee,
        "transition_cost": deal.one_time.transition_cost,
        "sla_credit_cap": _number(deal.sla_credit_cap),
        "tfc_month": tfc.earliest_month if tfc else None,
        "tfc_fee": tfc.fee if tfc else 0,
        "current_revenue": current.annual_revenue if current else None,
        "current_gp": current.annual_gross_profit if current else None,
        "postage_monthly": postage.monthly if postage else 0,
        "postage_prefund_days": postage.prefund_days if postage else 0,
        "threshold": policy.business_case_threshold,
        "retention_floor": policy.retention_floor,
        "margin_floor": policy.margin_floor,
        "payback_limit": policy.payback_limit_months,
        "concentration_limit": policy.concentration_limit,
        "sla_limit": policy.sla_gp_share_limit,
    }
    ws["A1"] = f"Deal inputs: {deal.client} ({deal.kind}). Yellow cells are inputs; everything else follows."
    ws["A1"].font = _BOLD
    for i, (key, label) in enumerate(_SCALARS):
        row = _FIRST_SCALAR_ROW + i
        ws.cell(row, 1, label)
        cell = ws.cell(row, 2, values[key])
        cell.fill = _INPUT
        if key == "start":
            cell.number_format = "yyyy-mm-dd"
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 16

    refs = dict(IN)
    top = _FIRST_SCALAR_ROW + len(_SCALARS) + 2
    ws.cell(top, 1, "Service lines").font = _BOLD
    header = ("name", "unit", "monthly_volume", "unit_price", "unit_cost", "monthly revenue", "monthly cost")
    for c, h in enumerate(header, start=1):
        ws.cell(top + 1, c, h).font = _BOLD
    first = top + 2
    for i, li in enumerate(deal.lines):
        r = first + i
        for c, v in enumerate((li.name, li.unit, li.monthly_volume, li.unit_price, li.unit_cost), start=1):
            ws.cell(r, c, v).fill = _INPUT
        ws.cell(r, 4).number_format = _PRICE
        ws.cell(r, 5).number_format = _PRICE
        ws.cell(r, 6, f"=C{r}*D{r}").number_format = _MONEY
        ws.cell(r, 7, f"=C{r}*E{r}").number_format = _MONEY
    end = first + len(deal.lines) - 1
    total = end + 1
    ws.cell(total, 1, "Total").font = _BOLD
    ws.cell(total, 3, f"=SUM(C{first}:C{end})")
    ws.cell(total, 6, f"=SUM(F{first}:F{end})").number_format = _MONEY
    ws.cell(total, 7, f"=SUM(G{first}:G{end})").number_format = _MONEY
    refs.update(
        line_revenue=f"Inputs!$F${total}",
        line_cost=f"Inputs!$G${total}",
        units=f"Inputs!$C${total}",
        line_revenues=f"Inputs!$F${first}:$F${end}",
    )

    top = total + 3
    ws.cell(top, 1, "Staff").font = _BOLD
    for c, h in enumerate(("role", "fte", "annual_cost", "monthly_fee", "monthly fees", "monthly cost"), 1):
        ws.cell(top + 1, c, h).font = _BOLD
    first = top + 2
    staff = deal.staff or []
    none: list[tuple[str, Any, Any, Any]] = [("(none)", 0, 0, 0)]
    rows = [(s.role, s.fte, s.annual_cost, s.monthly_fee) for s in staff] or none
    for i, values_row in enumerate(rows):
        r = first + i
        for c, v in enumerate(values_row, start=1):
            ws.cell(r, c, v).fill = _INPUT
        ws.cell(r, 5, f"=B{r}*D{r}").number_format = _MONEY
        ws.cell(r, 6, f"=B{r}*C{r}/12").number_format = _MONEY
    end = first + len(rows) - 1
    total = end + 1
    ws.cell(total, 1, "Total").font = _BOLD
    ws.cell(total, 5, f"=SUM(E{first}:E{end})").number_format = _MONEY
    ws.cell(total, 6, f"=SUM(F{first}:F{end})").number_format = _MONEY
    refs.update(staff_revenue=f"Inputs!$E${total}", staff_cost=f"Inputs!$F${total}")
    role = staffing_role(deal)
    if role is not None:
        r = first + deal.staff.index(role)
        refs.update(role_fte=f"Inputs!$B${r}", role_cost=f"Inputs!$C${r}", role_fee=f"Inputs!$D${r}")
    return refs


_MONTH_COLUMNS = (
    "Month", "Year", "Line revenue", "Staff fees", "One-time revenue", "Revenue", "Line cost", "Staff cost",
    "One-time cost", "Cost", "Gross profit", "Cumulative GP", "Discount factor", "PV of GP",
    "Paid back (month)", "Line revenue factor", "Line cost factor", "Staff fee factor", "Staff cost factor",
)  # fmt: skip


def _write_months(ws: Worksheet, term: int, refs: dict[str, str]) -> int:
    """One row per month (rows 2..term+1); returns the last row."""
    for c, h in enumerate(_MONTH_COLUMNS, start=1):
        ws.cell(1, c, h).font = _BOLD
    rate = "Case!$B$3"
    vc, pe, ce = refs["volume_change"], refs["price_escalator"], refs["cost_escalator"]
    for m in range(1, term + 1):
        r = m + 1
        formulas = {
            "A": m,
            "B": f"=INT((A{r}-1)/12)+1",
            "C": f"={refs['line_revenue']}*P{r}",
            "D": f"={refs['staff_revenue']}*R{r}",
            "E": f"=IF(A{r}=1,{refs['transition_fee']},0)",
            "F": f"=C{r}+D{r}+E{r}",
            "G": f"={refs['line_cost']}*Q{r}",
            "H": f"={refs['staff_cost']}*S{r}",
            "I": f"=IF(A{r}=1,{refs['transition_cost']},0)",
            "J": f"=G{r}+H{r}+I{r}",
            "K": f"=F{r}-J{r}",
            "L": f"=K{r}" if m == 1 else f"=L{r - 1}+K{r}",
            "M": f"=1/(1+{rate})^A{r}",
            "N": f"=K{r}*M{r}",
            "O": f"=IF(L{r}>=0,A{r},{_NEVER})",
            "P": f"=((1+{vc})*(1+{pe}))^(B{r}-1)",
            "Q": f"=((1+{vc})*(1+{ce}))^(B{r}-1)",
            "R": f"=(1+{pe})^(B{r}-1)",
            "S": f"=(1+{ce})^(B{r}-1)",
        }
        for column, value in formulas.items():
            cell = ws[f"{column}{r}"]
            cell.value = value
            if column in "CDEFGHIJKLN":
                cell.number_format = _MONEY
    ws.freeze_panes = "C2"
    return term + 1


def _col(column: str, last: int) -> str:
    return f"Months!${column}$2:${column}${last}"


def _write_case(
    ws: Worksheet, case: BusinessCase, refs: dict[str, str], last: int, layout: WorkbookLayout
) -> None:
    ws["A1"] = f"Business case: {case.deal.client}"
    ws["A1"].font = _BOLD
    lr, sr, lc, sc = refs["line_revenue"], refs["staff_revenue"], refs["line_cost"], refs["staff_cost"]
    term, paid = refs["term_months"], _col("O", last)
    revenue_now, gp_now = refs["current_revenue"], refs["current_gp"]
    recurring = f"SUM({_col('C', last)})+SUM({_col('D', last)})"
    rate = f"=(1+{refs['discount_rate']})^(1/12)-1"
    rows: list[tuple[str, str, str, str]] = [  # key, label, formula, format
        ("monthly_rate", "Monthly discount rate", rate, "0.000000%"),
        ("acv_year1", "ACV year 1 (12 x recurring monthly revenue)", f"=12*({lr}+{sr})", _MONEY),
        ("acv_average", "ACV average over the term", f"=({recurring})*12/{term}", _MONEY),
        ("tcv", "Total contract value (all revenue)", f"=SUM({_col('F', last)})", _MONEY),
        ("total_cost", "Total cost", f"=SUM({_col('J', last)})", _MONEY),
        ("gross_profit", "Gross profit", "=B6-B7", _MONEY),
        ("margin", "Margin", '=IF(B6=0,"",B8/B6)', _RATIO),
        ("investment", "Investment (transition cost)", f"={refs['transition_cost']}", _MONEY),
        ("payback_month", "Payback month", f'=IF(MIN({paid})>{term},"never",MIN({paid}))', "0"),
        ("npv", "NPV of monthly gross profit", f"=SUM({_col('N', last)})", _MONEY),
        ("business_case_required", "Formal business case required", f"=B6>{refs['threshold']}", "General"),
        ("year1_gp", "Year-1 recurring gross profit (annualised)", f"=12*({lr}+{sr}-{lc}-{sc})", _MONEY),
        (
            "retention_revenue",
            "Retention: revenue",
            f'=IF(ISNUMBER({revenue_now}),B4/{revenue_now},"")',
            _RATIO,
        ),
        (
            "retention_gross_profit",
            "Retention: gross profit",
            f'=IF(ISNUMBER({gp_now}),B14/{gp_now},"")',
            _RATIO,
        ),
    ]
    for i, (key, label, formula, fmt) in enumerate(rows):
        r = 3 + i
        ws.cell(r, 1, label)
        ws.cell(r, 2, formula).number_format = fmt
        layout.summary[key] = f"Case!B{r}"
    assert layout.summary["monthly_rate"] == "Case!B3" and layout.summary["tcv"] == "Case!B6"
    top = 3 + len(rows) + 2
    for c, h in enumerate(("Year", "Months", "Revenue", "Cost", "Gross profit", "Margin"), start=1):
        ws.cell(top, c, h).font = _BOLD
    year_col = _col("B", last)
    for i, year in enumerate(case.years):
        r = top + 1 + i
        ws.cell(r, 1, year.year)
        ws.cell(r, 2, f"=COUNTIF({year_col},A{r})")
        ws.cell(r, 3, f"=SUMIF({year_col},A{r},{_col('F', last)})").number_format = _MONEY
        ws.cell(r, 4, f"=SUMIF({year_col},A{r},{_col('J', last)})").number_format = _MONEY
        ws.cell(r, 5, f"=C{r}-D{r}").number_format = _MONEY
        ws.cell(r, 6, f'=IF(C{r}=0,"",E{r}/C{r})').number_format = _RATIO
        layout.years.append(
            {k: f"Case!{c}{r}" for k, c in (("months", "B"), ("revenue", "C"), ("cost", "D"),
                                              ("gross_profit", "E"), ("margin", "F"))}
        )  # fmt: skip
    refs["margins"] = f"Case!$F${top + 1}:$F${top + len(case.years)}"
    ws.column_dimensions["A"].width = 46
    ws.column_dimensions["B"].width = 18


_SENS_HEADER = (
    "Driver", "Scenario", "Volume factor", "Price factor", "Cost factor", "Staff fees +/- a month",
    "Staff cost +/- a month", "ACV year 1", "Revenue", "Cost", "Gross profit", "Margin", "GP change",
)  # fmt: skip


def _write_sensitivity(
    ws: Worksheet,
    case: BusinessCase,
    sensitivity: Sensitivity,
    refs: dict[str, str],
    last: int,
    layout: WorkbookLayout,
) -> None:
    ws["A1"] = "Sensitivity: one driver at a time, term totals in closed form over the Months factors"
    ws["A1"].font = _BOLD
    constants = (
        ("Line revenue a month, year 1", f"={refs['line_revenue']}"),
        ("Line cost a month, year 1", f"={refs['line_cost']}"),
        ("Staff fees a month, year 1", f"={refs['staff_revenue']}"),
        ("Staff cost a month, year 1", f"={refs['staff_cost']}"),
        ("Sum of line revenue factors", f"=SUM({_col('P', last)})"),
        ("Sum of line cost factors", f"=SUM({_col('Q', last)})"),
        ("Sum of staff fee factors", f"=SUM({_col('R', last)})"),
        ("Sum of staff cost factors", f"=SUM({_col('S', last)})"),
        ("One-time revenue", f"={refs['transition_fee']}"),
        ("One-time cost", f"={refs['transition_cost']}"),
        ("Base gross profit", "=Case!$B$8"),
    )
    for i, (label, formula) in enumerate(constants):
        ws.cell(3 + i, 1, label)
        ws.cell(3 + i, 2, formula)
    lr, lc, sf, sc, fr, fc, fs, fsc, tf, tc, base = (f"$B${3 + i}" for i in range(len(constants)))
    top = 3 + len(constants) + 1
    for c, h in enumerate(_SENS_HEADER, start=1):
        ws.cell(top, c, h).font = _BOLD
    for i, s in enumerate(sensitivity.scenarios):
        r = top + 1 + i
        kv = f"={1 + s.change}" if s.driver == "volume" else 1
        kp = f"={1 + s.change}" if s.driver == "unit price" else 1
        kc = f"={1 + s.change}" if s.driver == "unit cost" else 1
        df: str | int = 0
        dc: str | int = 0
        if s.driver == "staffing":
            delta = f"(MAX(0,{refs['role_fte']}+({s.change}))-{refs['role_fte']})"
            df, dc = f"={delta}*{refs['role_fee']}", f"={delta}*{refs['role_cost']}/12"
        for c, v in enumerate((s.driver, s.label, kv, kp, kc, df, dc), start=1):
            ws.cell(r, c, v)
        ws.cell(r, 8, f"=12*(C{r}*D{r}*{lr}+{sf}+F{r})")
        ws.cell(r, 9, f"=C{r}*D{r}*{lr}*{fr}+({sf}+F{r})*{fs}+{tf}")
        ws.cell(r, 10, f"=C{r}*E{r}*{lc}*{fc}+({sc}+G{r})*{fsc}+{tc}")
        ws.cell(r, 11, f"=I{r}-J{r}")
        ws.cell(r, 12, f'=IF(I{r}=0,"",K{r}/I{r})').number_format = _RATIO
        ws.cell(r, 13, f"=K{r}-{base}")
        for c in (8, 9, 10, 11, 13):
            ws.cell(r, c).number_format = _MONEY
        layout.sensitivity.append(
            {"acv_year1": f"Sensitivity!H{r}", "gross_profit": f"Sensitivity!K{r}",
             "margin": f"Sensitivity!L{r}", "gross_profit_change": f"Sensitivity!M{r}"}
        )  # fmt: skip
    r = top + 2 + len(sensitivity.scenarios)
    slope, offset = f"({lr}*{fr}-{lc}*{fc})", f"({sf}*{fs}-{sc}*{fsc}+{tf}-{tc})"
    ws.cell(r, 1, "Break-even volume")
    ws.cell(r, 2, "factor of planned volume")
    ws.cell(r, 3, f'=IF({slope}<=0,IF({offset}>=0,0,"none"),MAX(0,-{offset}/{slope}))').number_format = _RATIO
    ws.cell(r + 1, 2, "units a month, year 1 (all lines)")
    ws.cell(r + 1, 3, f'=IF(ISNUMBER(C{r}),C{r}*{refs["units"]},"none")').number_format = "#,##0"
    layout.break_even = {"volume_factor": f"Sensitivity!C{r}", "monthly_units": f"Sensitivity!C{r + 1}"}
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 36


def _write_risks(
    ws: Worksheet, risks: list[Risk], refs: dict[str, str], last: int, layout: WorkbookLayout
) -> None:
    for c, h in enumerate(("Risk", "Title", "Figure", "Limit", "Flagged", "At computation"), start=1):
        ws.cell(1, c, h).font = _BOLD
    served_gp = f'SUMIF({_col("A", last)},"<"&{refs["tfc_month"]},{_col("K", last)})'
    payback = "Case!$B$11"
    figures = {
        "margin": (f"=MIN({refs['margins']})", f"={refs['margin_floor']}", "=C{r}<D{r}", _RATIO),
        "sla_credits": (
            f"={refs['sla_credit_cap']}*Case!$B$4/Case!$B$14",
            f"={refs['sla_limit']}",
            "=C{r}>D{r}",
            _RATIO,
        ),
        "termination_exposure": (f"=MAX(0,-({served_gp}+{refs['tfc_fee']}))", 0, "=C{r}>D{r}", _MONEY),
        "concentration": (
            f"=MAX({refs['line_revenues']})/({refs['line_revenue']}+{refs['staff_revenue']})",
            f"={refs['concentration_limit']}",
            "=C{r}>D{r}",
            _RATIO,
        ),
        "payback": (f"={payback}", f"={refs['payback_limit']}", "=IF(ISNUMBER(C{r}),C{r}>D{r},TRUE)", "0"),
        "postage_float": (
            f"=IF({refs['postage_prefund_days']}=0,{refs['postage_monthly']},0)",
            0,
            "=C{r}>D{r}",
            _MONEY,
        ),
    }
    for i, risk in enumerate(risks):
        r = 2 + i
        figure, limit, flagged, fmt = figures[risk.key]
        ws.cell(r, 1, risk.key)
        ws.cell(r, 2, risk.title)
        ws.cell(r, 3, figure).number_format = fmt
        ws.cell(r, 4, limit).number_format = fmt
        ws.cell(r, 5, flagged.format(r=r))
        ws.cell(r, 6, risk.detail)
        layout.risks[risk.key] = {"figure": f"Risks!C{r}", "flagged": f"Risks!E{r}"}
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["F"].width = 90
