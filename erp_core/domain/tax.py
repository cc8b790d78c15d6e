"""Sales tax by jurisdiction: the ship-to region an order goes to decides the rate.

A jurisdiction is a country code ("DE") or a region of one ("US-CA"); the most specific one
with a rate wins. A channel that states the tax of a line (marketplaces collect it
themselves) is taken at its word; otherwise the line's tax is the rate times what the line
costs after discount, rounded half up to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Rate:
    jurisdiction: str
    rate: Decimal


def candidates(ship_to: Mapping[str, Any]) -> list[str]:
    """The jurisdictions of an address, most specific first."""
    country = (ship_to.get("country") or "").strip().upper()
    if not country:
        return []
    region = (ship_to.get("region") or "").strip().upper()
    return [f"{country}-{region}", country] if region else [country]


def rates_on(rows: Iterable[tuple[str, Decimal, date]], day: date) -> dict[str, Decimal]:
    """Each jurisdiction's rate in force on `day`: its latest from that day or before."""
    latest: dict[str, tuple[date, Decimal]] = {}
    for jurisdiction, rate, valid_from in rows:
        if valid_from <= day and (
            jurisdiction not in latest or valid_from > latest[jurisdiction][0]
        ):
            latest[jurisdiction] = (valid_from, rate)
    return {jurisdiction: rate for jurisdiction, (_, rate) in latest.items()}


def rate_for(ship_to: Mapping[str, Any], rates: Mapping[str, Decimal]) -> Rate | None:
    """The rate of the most specific jurisdiction of the address that has one."""
    for jurisdiction in candidates(ship_to):
        if jurisdiction in rates:
            return Rate(jurisdiction, rates[jurisdiction])
    return None


def jurisdiction_of(ship_to: Mapping[str, Any], rates: Mapping[str, Decimal]) -> str | None:
    """Where the order's tax is reported: the jurisdiction whose rate applied, else the
    address's most specific one (a channel that states its tax needs no rate here)."""
    found = rate_for(ship_to, rates)
    if found is not None:
        return found.jurisdiction
    return next(iter(candidates(ship_to)), None)


def line_tax(rate: Rate | None, qty: int, unit_price: Decimal, discount: Decimal) -> Decimal:
    if rate is None:
        return Decimal(0)
    return (rate.rate * (unit_price * qty - discount)).quantize(CENT, ROUND_HALF_UP)
