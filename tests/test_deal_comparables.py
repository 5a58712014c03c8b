"""Pricing comparables from the demo knowledge base's SOW pricing tables, and who may see them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.deals import check_prices, find_comparables, normal_unit
from assistant.deals.reading import deal_from_mapping
from assistant.errors import RestrictedError
from assistant.models import Audience
from assistant.retrieval.catalog import Catalog
from assistant.settings import Settings
from assistant.wiring import open_catalog

D = Decimal


@pytest.fixture
def catalog(demo_settings: Settings) -> Iterator[Catalog]:
    opened = open_catalog(demo_settings)
    yield opened
    opened.close()


def test_per_image_prices_come_from_the_sows_with_client_date_volume_and_source(catalog: Catalog) -> None:
    found = find_comparables(catalog, "per image", audience=Audience.INTERNAL, client=None)
    rows = {(c.client, c.price): c for c in found.comparables}
    # knowledge/sows: Pinecrest scans at $0.038 per image; Cobalt Ridge prints at $0.029 (B&W) and $0.064 (color).  # noqa: E501
    assert set(rows) == {("Pinecrest Health", D("0.038")), ("Cobalt Ridge Insurance", D("0.029")),
                         ("Cobalt Ridge Insurance", D("0.064"))}  # fmt: skip
    pinecrest = rows[("Pinecrest Health", D("0.038"))]
    assert pinecrest.monthly_volume == D(1150000), "from the SOW's volume table"
    assert pinecrest.date == dt.date(2025, 7, 1)
    assert pinecrest.source == "sows/pinecrest-health-digital-mailroom-sow.md"
    assert "Scanning" in pinecrest.service
    assert rows[("Cobalt Ridge Insurance", D("0.029"))].monthly_volume is None, (
        "its volumes are per mail piece"
    )
    assert (found.low, found.median, found.high) == (D("0.029"), D("0.038"), D("0.064"))


def test_units_match_whatever_way_they_are_written(catalog: Catalog) -> None:
    assert normal_unit("per Images") == normal_unit("image") == "image"
    statements = find_comparables(catalog, "statements", audience=Audience.INTERNAL, client=None)
    assert [(c.price, c.monthly_volume) for c in statements.comparables] == [(D("0.061"), D(38500))]
    assert find_comparables(catalog, "per widget", audience=Audience.INTERNAL, client=None).comparables == ()


def test_external_audience_never_sees_comparables(catalog: Catalog) -> None:
    with pytest.raises(RestrictedError, match="internal audiences only"):
        find_comparables(catalog, "per image", audience=Audience.EXTERNAL, client=None)
    with pytest.raises(RestrictedError):
        find_comparables(catalog, "per image", audience=Audience.EXTERNAL, client="Pinecrest Health")


def test_request_scoped_to_a_client_sees_only_its_own_prices(catalog: Catalog) -> None:
    pinecrest = find_comparables(catalog, "per image", audience=Audience.INTERNAL, client="Pinecrest Health")
    assert {c.client for c in pinecrest.comparables} == {"Pinecrest Health"}
    prospect = find_comparables(catalog, "per image", audience=Audience.INTERNAL, client="Harbor Mutual")
    assert prospect.comparables == (), "a prospect's request sees no other client's prices"


def test_case_flags_a_line_priced_outside_the_seen_range(catalog: Catalog) -> None:
    deal = deal_from_mapping(
        {
            "client": "Harbor Mutual Insurance",
            "kind": "new",
            "start": "2027-01-01",
            "term_months": 12,
            "discount_rate": 0.08,
            "lines": [
                {
                    "name": "Print",
                    "unit": "image",
                    "monthly_volume": 1,
                    "unit_price": "0.0365",
                    "unit_cost": 0.02,
                },
                {
                    "name": "Cheap checks",
                    "unit": "check",
                    "monthly_volume": 1,
                    "unit_price": "0.05",
                    "unit_cost": 0.04,
                },
                {"name": "Widgets", "unit": "widget", "monthly_volume": 1, "unit_price": 1, "unit_cost": 0.5},
            ],
        }
    )
    checks = {c.line: c for c in check_prices(deal, catalog, audience=Audience.INTERNAL, client=None)}
    assert checks["Print"].position == "within" and not checks["Print"].flagged
    # Checks: Pinecrest $0.29 and Cobalt Ridge $0.112 per check; $0.05 is below both.
    assert checks["Cheap checks"].position == "below" and checks["Cheap checks"].flagged
    assert checks["Cheap checks"].comparables.low == D("0.112")
    assert checks["Widgets"].position is None


runner = CliRunner()


def test_cli_comparables_json_and_external_refusal(demo_settings: Settings, tmp_path: Path) -> None:
    env = {"DEAL_DATA_DIR": str(demo_settings.data_dir)}
    result = runner.invoke(app, ["deal", "comparables", "per image", "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["min"], data["median"], data["max"]) == (0.029, 0.038, 0.064)
    refused = runner.invoke(app, ["deal", "comparables", "per image", "--audience", "external"], env=env)
    assert refused.exit_code == 1 and "internal audiences only" in refused.output
    assert "0.038" not in refused.output
