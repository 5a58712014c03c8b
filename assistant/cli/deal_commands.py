"""CLI commands `deal template`, `deal case` and `deal comparables`: the deal desk for people and machines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from assistant.cli.context import console, err_console, fail, settings_of, user_errors
from assistant.errors import DealAssistantError
from assistant.models import Audience

if TYPE_CHECKING:
    from assistant.deals import ComparableSet, DealReview, PriceCheck
    from assistant.settings import Settings

deal_app = typer.Typer(help="Deal desk: business cases and pricing comparables.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `deal ...` to the root app."""
    app.add_typer(deal_app, name="deal")


@deal_app.command("template")
def template(
    out: Annotated[
        Path, typer.Argument(metavar="OUT", help="deal.yaml or deal.xlsx to write (never overwritten).")
    ],
) -> None:
    """Write a blank deal file (YAML or an .xlsx deal sheet with the same fields)."""
    from assistant.deals import write_template

    with user_errors():
        write_template(out)
    err_console.print(f"Wrote {out}: fill in the blank fields, then `deal-assistant deal case {out}`.")


@deal_app.command("case")
def case(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(metavar="FILE", help="The deal file (.yaml, .yml or .xlsx).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the case as JSON only.")] = False,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="Write the workbook (live formulas) to this .xlsx file.")
    ] = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Write a PNG: gross profit by year and the tornado.")
    ] = None,
) -> None:
    """Compute a deal's business case: ACV, TCV, yearly P&L, payback, NPV, sensitivity and risks."""
    from assistant.deals import read_deal, review_deal
    from assistant.wiring import deal_policy

    settings = settings_of(ctx)
    for out, suffix in ((xlsx, ".xlsx"), (chart, ".png")):
        if out is not None and out.suffix.lower() != suffix:
            fail(f"{out} should end in {suffix}")
    with user_errors():
        review = review_deal(read_deal(path), deal_policy(settings))
        if xlsx is not None:
            from assistant.deals.workbook import write_workbook

            write_workbook(review.case, review.sensitivity, review.risks, xlsx, review.policy)
        if chart is not None:
            from assistant.deals.charting import case_chart

            chart.write_bytes(case_chart(review.case, review.sensitivity))
    if as_json:
        typer.echo(json.dumps(review.json(), indent=2))
    else:
        _print_review(review)
        _print_price_checks(settings, review)
    for written in (xlsx, chart):
        if written is not None:
            err_console.print(f"Wrote {written}", highlight=False)


@deal_app.command("comparables")
def comparables(
    ctx: typer.Context,
    unit: Annotated[str, typer.Argument(metavar="UNIT", help='The unit priced, e.g. "per image".')],
    client: Annotated[
        str | None, typer.Option("--client", help="Only this client's documents and rate cards.")
    ] = None,
    audience: Annotated[
        Audience, typer.Option("--audience", case_sensitive=False, help="internal (default) or external.")
    ] = Audience.INTERNAL,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparables as JSON.")] = False,
) -> None:
    """Unit prices past SOWs and rate cards used for UNIT, with client, date, volume and source."""
    from assistant.deals import find_comparables
    from assistant.wiring import open_catalog

    settings = settings_of(ctx)
    with user_errors():
        catalog = open_catalog(settings)
        try:
            found = find_comparables(catalog, unit, audience=audience, client=client)
        finally:
            catalog.close()
    if as_json:
        typer.echo(json.dumps(comparables_json(found), indent=2))
        return
    _print_comparables(found)


def comparables_json(found: ComparableSet) -> dict[str, object]:
    """The comparables of a unit for machines: each price with its provenance, and min/median/max."""
    return {
        "unit": found.unit,
        "min": _num(found.low),
        "median": _num(found.median),
        "max": _num(found.high),
        "comparables": [
            {
                "service": c.service,
                "unit": c.unit,
                "price": float(c.price),
                "client": c.client,
                "date": c.date.isoformat() if c.date else None,
                "monthly_volume": _num(c.monthly_volume),
                "source": c.source,
                "section": c.section,
            }
            for c in found.comparables
        ],
    }


def _num(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _print_review(review: DealReview) -> None:
    from assistant.deals.money import money_text, percent_text

    case = review.case
    deal = case.deal
    summary = Table(
        title=f"{escape(deal.client)}: {deal.kind} deal, {deal.term_months} months from {deal.start}"
    )
    summary.add_column("Figure")
    summary.add_column("Value", justify="right")
    rows = [
        ("ACV year 1", money_text(case.acv_year1)),
        ("ACV average", money_text(case.acv_average)),
        ("Total contract value", money_text(case.tcv)),
        ("Gross profit (term)", money_text(case.gross_profit)),
        ("Margin (term)", percent_text(case.margin)),
        ("Investment", money_text(case.investment)),
        ("Payback month", str(case.payback_month) if case.payback_month else "never"),
        ("NPV", money_text(case.npv)),
    ]
    if case.retention is not None:
        r = case.retention
        rows.append(
            ("Retention: revenue", percent_text(r.revenue) + (" ⚠ below floor" if r.revenue_flagged else ""))
        )
        rows.append(
            (
                "Retention: gross profit",
                percent_text(r.gross_profit) + (" ⚠ below floor" if r.gross_profit_flagged else ""),
            )
        )
    for label, value in rows:
        summary.add_row(label, value)
    console.print(summary)
    if case.business_case_required:
        console.print(
            f"[bold yellow]Formal business case required:[/] contract life value {money_text(case.tcv)}"
            f" exceeds {money_text(case.business_case_threshold)}.",
            highlight=False,
        )
    years = Table(title="Contract years")
    for column in ("Year", "Months", "Revenue", "Cost", "Gross profit", "Margin"):
        years.add_column(column, justify="right")
    for y in case.years:
        years.add_row(
            str(y.year), str(y.months), money_text(y.revenue), money_text(y.cost),
            money_text(y.gross_profit), percent_text(y.margin),
        )  # fmt: skip
    console.print(years)
    sens = Table(title="Sensitivity (gross profit and margin over the term)")
    for column in ("Scenario", "ACV year 1", "Gross profit", "Change", "Margin"):
        sens.add_column(column, justify="left" if column == "Scenario" else "right")
    for s in review.sensitivity.scenarios:
        sens.add_row(
            escape(s.label), money_text(s.acv_year1), money_text(s.gross_profit),
            money_text(s.gross_profit_change), percent_text(s.margin),
        )  # fmt: skip
    be = review.sensitivity.break_even
    sens.add_row(
        "break-even volume",
        "",
        "",
        "",
        "none" if be.volume_factor is None else f"{percent_text(be.volume_factor)} of planned volume",
    )
    console.print(sens)
    risks = Table(title="Risk register")
    for column in ("", "Risk", "Behind it"):
        risks.add_column(column)
    for risk in review.risks:
        risks.add_row(
            "[red]⚑[/]" if risk.flagged else "[green]ok[/]", escape(risk.title), escape(risk.detail)
        )
    console.print(risks)


def _print_price_checks(settings: Settings, review: DealReview) -> None:
    from assistant.deals import check_prices
    from assistant.wiring import open_catalog

    try:
        catalog = open_catalog(settings)
        try:
            checks = check_prices(review.case.deal, catalog, audience=Audience.INTERNAL, client=None)
        finally:
            catalog.close()
    except (DealAssistantError, OSError) as e:
        err_console.print(f"[dim]pricing comparables skipped: {escape(str(e))}[/]", highlight=False)
        return
    console.print(price_check_table(checks))


def price_check_table(checks: list[PriceCheck]) -> Table:
    """Each line's price beside the min/median/max seen for its unit, flagged when outside."""
    table = Table(title="Prices against the knowledge base's comparables")
    for column in ("Line", "Unit", "Price", "Seen min", "Median", "Max", "Seen", ""):
        table.add_column(column, justify="left" if column in ("Line", "Unit", "") else "right")
    for c in checks:
        found = c.comparables
        mark = {"below": "[yellow]below range[/]", "above": "[yellow]above range[/]", "within": "within"}
        table.add_row(
            escape(c.line), escape(c.unit), _price(c.price), _price(found.low), _price(found.median),
            _price(found.high), str(len(found.comparables)), mark.get(c.position or "", "no comparables"),
        )  # fmt: skip
    return table


def _price(value: object) -> str:
    return "—" if value is None else f"${value:,.4f}".rstrip("0").rstrip(".")


def _print_comparables(found: ComparableSet) -> None:
    table = Table(title=f"Prices per {escape(found.unit)} in the knowledge base")
    for column in ("Price", "Service", "Client", "Date", "Monthly volume", "Source"):
        table.add_column(column, justify="right" if column in ("Price", "Monthly volume") else "left")
    for c in found.comparables:
        table.add_row(
            _price(c.price), escape(c.service), escape(c.client or "rate card"),
            c.date.isoformat() if c.date else "—",
            f"{c.monthly_volume:,.0f}" if c.monthly_volume is not None else "—", escape(c.source),
        )  # fmt: skip
    console.print(table)
    if not found.comparables:
        console.print(
            f"No prices per {escape(found.unit)} in the documents this request may read.", highlight=False
        )
        return
    console.print(
        f"min {_price(found.low)}  median {_price(found.median)}  max {_price(found.high)}"
        f"  ({len(found.comparables)} prices)",
        highlight=False,
    )
