"""Pricing comparables: the unit prices past SOWs and rate cards in the knowledge base used for a unit.

Read from the pricing tables ingest already keeps (table chunks, one row a line: "Fee: Scanning |
Price: $0.038 per image", or "Service: X | Unit: per image | Price: $0.038"). The volume comes from the
same document's volume table when one of its rows names the unit ("Images scanned | Expected monthly
volume: 1,150,000"). Internal audiences only: an external request is refused outright, and a request
for one client reads that client's documents and those of no client (rate cards), never another
client's; the same scope as answers (assistant.answering.access), checked again on every row.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from assistant.answering.access import scope_for
from assistant.deals.model import Deal
from assistant.errors import RestrictedError
from assistant.models import Audience, Chunk, Request
from assistant.retrieval.catalog import Catalog
from assistant.text import client_key

__all__ = [
    "Comparable",
    "ComparableSet",
    "PriceCheck",
    "check_prices",
    "find_comparables",
    "normal_unit",
]

_PRICE = re.compile(
    r"\$\s?(?P<amount>\d[\d,]*(?:\.\d+)?)\s*(?:(?:per|/)\s*(?P<unit>[a-z][a-z .-]*?))?"
    r"\s*(?=$|[,;(]|\splus\b)",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"^(?P<number>\d[\d,]*(?:\.\d+)?)\s*(?P<rest>.*)$")
_MONTHLY = {"", "per month", "a month", "monthly", "/month", "each month"}


@dataclass(frozen=True)
class Comparable:
    """One price a past document used for the unit."""

    service: str
    unit: str
    price: Decimal
    client: str | None  # None: a rate card or offering sheet, no client
    date: dt.date | None  # the document's effective date
    monthly_volume: Decimal | None  # the document's stated monthly volume of that unit, if any
    source: str
    section: str


@dataclass(frozen=True)
class ComparableSet:
    unit: str
    comparables: tuple[Comparable, ...]

    @property
    def prices(self) -> list[Decimal]:
        return [c.price for c in self.comparables]

    @property
    def low(self) -> Decimal | None:
        return min(self.prices, default=None)

    @property
    def median(self) -> Decimal | None:
        return Decimal(statistics.median(self.prices)) if self.prices else None

    @property
    def high(self) -> Decimal | None:
        return max(self.prices, default=None)


@dataclass(frozen=True)
class PriceCheck:
    """A deal line's year-1 unit price beside the comparables for its unit."""

    line: str
    unit: str
    price: Decimal
    comparables: ComparableSet
    position: Literal["below", "within", "above"] | None  # None: nothing to compare with

    @property
    def flagged(self) -> bool:
        return self.position in ("below", "above")


def normal_unit(unit: str) -> str:
    """ "per Images" -> "image": lower case, no leading "per", each word singular."""
    words = re.sub(r"[^a-z0-9 -]+", " ", unit.lower()).split()
    if words and words[0] in ("per", "a", "each"):
        words = words[1:]
    return " ".join(_singular(w) for w in words)


def find_comparables(catalog: Catalog, unit: str, *, audience: Audience, client: str | None) -> ComparableSet:
    """The comparables for `unit` this audience may see; RestrictedError for an external audience."""
    if audience is not Audience.INTERNAL:
        raise RestrictedError("pricing comparables are for internal audiences only")
    wanted = normal_unit(unit)
    if not wanted:
        raise RestrictedError("name a unit, e.g. `per image`")
    scope = scope_for(Request(question=unit, audience=audience, client=client))
    chunks = catalog.table_chunks(scope.confidentiality, scope.client_keys)
    allowed = None if scope.client_keys is None else set(scope.client_keys)
    by_source: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        if allowed is not None and client_key(chunk.meta.client) not in allowed:
            continue  # never another client's, whatever the catalog's index says
        by_source.setdefault(chunk.source, []).append(chunk)
    found: dict[tuple[str, str, Decimal], Comparable] = {}
    for source, source_chunks in by_source.items():
        volume = _stated_volume(source_chunks, wanted)
        for chunk in source_chunks:
            for service, price_unit, price in _priced_rows(chunk.text):
                if normal_unit(price_unit) != wanted:
                    continue
                found.setdefault(
                    (source, service, price),
                    Comparable(
                        service=service,
                        unit=price_unit,
                        price=price,
                        client=chunk.meta.client,
                        date=chunk.meta.effective_date,
                        monthly_volume=volume,
                        source=source,
                        section=chunk.heading_path,
                    ),
                )
    ordered = sorted(found.values(), key=lambda c: (c.price, c.source))
    return ComparableSet(unit=wanted, comparables=tuple(ordered))


def check_prices(deal: Deal, catalog: Catalog, *, audience: Audience, client: str | None) -> list[PriceCheck]:
    """Each line's price beside the comparables for its unit (looked up once per unit)."""
    sets: dict[str, ComparableSet] = {}
    checks = []
    for line in deal.lines:
        unit = normal_unit(line.unit)
        if unit not in sets:
            sets[unit] = find_comparables(catalog, line.unit, audience=audience, client=client)
        found = sets[unit]
        position: Literal["below", "within", "above"] | None = None
        if found.low is not None and found.high is not None:
            position = (
                "below"
                if line.unit_price < found.low
                else "above"
                if line.unit_price > found.high
                else "within"
            )
        checks.append(PriceCheck(line.name, unit, line.unit_price, found, position))
    return checks


def _priced_rows(text: str) -> Iterable[tuple[str, str, Decimal]]:
    """(service, unit, price) of each table line that states a unit price."""
    for line in text.splitlines():
        cells = [_cell(part) for part in line.split(" | ") if part.strip()]
        if not cells:
            continue
        labelled_unit = next((v for label, v in cells if label.lower() == "unit"), None)
        for i, (_, value) in enumerate(cells):
            m = _PRICE.search(value)
            if not m:
                continue
            unit = m.group("unit") or labelled_unit
            if not unit:
                continue
            others = [v for j, (label, v) in enumerate(cells) if j != i and label.lower() != "unit"]
            service = others[0] if others else value
            yield service, unit.strip(), Decimal(m.group("amount").replace(",", ""))
            break


def _stated_volume(chunks: list[Chunk], unit: str) -> Decimal | None:
    """The document's monthly volume of `unit`, from a volume table row that names it."""
    for chunk in chunks:
        for line in chunk.text.splitlines():
            cells = [_cell(part) for part in line.split(" | ") if part.strip()]
            volume = [(label, v) for label, v in cells if "volume" in label.lower()]
            if len(cells) < 2 or not volume:
                continue
            item = normal_unit(cells[0][1])
            if "average" in item or " per " in f" {item} " or not re.search(rf"\b{re.escape(unit)}\b", item):
                continue
            label, value = volume[0]
            m = _NUMBER.match(value)
            if not m:
                continue
            rest = m.group("rest").strip().lower()
            monthly = rest in _MONTHLY or normal_unit(rest) == unit
            if monthly or ("monthly" in label.lower() and not rest):
                return Decimal(m.group("number").replace(",", ""))
    return None


def _cell(part: str) -> tuple[str, str]:
    label, sep, value = part.partition(": ")
    return (label.strip(), value.strip()) if sep else ("", part.strip())


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
