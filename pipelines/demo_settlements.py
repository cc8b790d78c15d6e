"""Marketplace settlement files, as marketplaces pay out: every two weeks a CSV of the orders
they settled, the gross, their fee and the net paid. A few lines are wrong on purpose (a fee
charged above the agreed rate, an order paid twice, an order never paid, an order id the
seller never had) so the finance issue's matching has real mismatches to find.

Columns: settlement_id, posted_date, order_id (the channel's external id), gross, fee, net.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
from sqlalchemy import select

from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import Shipment
from erp_core.adapters.order_tables import Order
from erp_core.adapters.tables import Channel
from pipelines.demo_company import CHANNELS

PERIOD_DAYS = 14
WRONG_SHARE = 0.004  # of settled lines, each kind of mistake
CENT = Decimal("0.01")


def write_settlements(db: Database, folder: Path, rng: np.random.Generator) -> list[Path]:
    """One file per marketplace and fortnight of shipments; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for channel in (c for c in CHANNELS if c.kind == "marketplace"):
        periods: dict[date, list[tuple[str, Decimal]]] = defaultdict(list)
        for external_id, total, shipped in _shipped_orders(db, channel.code):
            periods[_period_end(shipped)].append((external_id, Decimal(total)))
        for end, orders in sorted(periods.items()):
            path = folder / f"{channel.code}-{end.isoformat()}.csv"
            _write(
                path, f"{channel.code}-{end:%Y%m%d}", end, orders, Decimal(channel.fee_rate), rng
            )
            written.append(path)
    return written


def _shipped_orders(db: Database, channel: str) -> list[tuple[str, Decimal, date]]:
    query = (
        select(Order.external_id, Order.total, Shipment.shipped_at)
        .join(Channel, Channel.id == Order.channel_id)
        .join(Shipment, Shipment.order_id == Order.id)
        .where(Channel.code == channel)
        .order_by(Shipment.shipped_at)
    )
    rows = db.read(lambda s: list(s.execute(query)))
    seen: dict[str, tuple[str, Decimal, date]] = {}
    for external_id, total, shipped_at in rows:
        seen.setdefault(external_id, (external_id, total, shipped_at.date()))
    return list(seen.values())


def _period_end(day: date) -> date:
    epoch = date(2020, 1, 5)  # a Sunday: fortnights end on Sundays
    return epoch + timedelta(days=((day - epoch).days // PERIOD_DAYS + 1) * PERIOD_DAYS)


def _write(
    path: Path,
    settlement: str,
    end: date,
    orders: list[tuple[str, Decimal]],
    rate: Decimal,
    rng: np.random.Generator,
) -> None:
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["settlement_id", "posted_date", "order_id", "gross", "fee", "net"])
        for external_id, gross in orders:
            mistake = rng.random()
            if mistake < WRONG_SHARE:
                continue  # never paid
            fee = (gross * rate).quantize(CENT)
            if mistake < 2 * WRONG_SHARE:
                fee = (gross * (rate + Decimal("0.03"))).quantize(CENT)  # above the agreed rate
            row = [settlement, end.isoformat(), external_id, gross, fee, gross - fee]
            out.writerow(row)
            if 2 * WRONG_SHARE <= mistake < 3 * WRONG_SHARE:
                out.writerow(row)  # paid twice
        if rng.random() < 0.5:
            out.writerow(
                [settlement, end.isoformat(), f"UNKNOWN-{end:%Y%m%d}", "25.00", "3.75", "21.25"]
            )
