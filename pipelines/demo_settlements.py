"""Marketplace settlement files, as marketplaces pay out: every two weeks a CSV per marketplace
with what it collected for each order it settled, the fee it kept on it, and what it paid back
for refunds, in the format `keel settle import` reads (erp_core/domain/settlements.py). Only
invoiced orders are settled: the history has no invoices, so nothing to match them with.

A few rows are wrong on purpose so the matching has real mismatches to find. Of each
marketplace's orders, 0.4% (at least one) for each kind of mistake: a fee above the agreed
rate (fee_mismatch), an order paid twice (duplicate_payment), an order never paid (no row at
all, so no exception either); and every file pays an order id the seller never had, with its
fee (two missing_order exceptions).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import Invoice
from erp_core.adapters.order_tables import Order
from erp_core.adapters.returns_tables import Refund, ReturnAuthorization
from erp_core.adapters.tables import Channel
from erp_core.domain.refunds import RefundStatus
from erp_core.domain.settlement_files import COLUMNS
from erp_core.domain.settlements import expected_fee
from pipelines.demo_company import CHANNELS

PERIOD_DAYS = 14
WRONG_SHARE = 0.004  # of a marketplace's settled orders, each kind of mistake
ABOVE_RATE = Decimal("0.03")  # what a wrong fee adds to the agreed rate
Row = list[object]


def write_settlements(db: Database, folder: Path, rng: np.random.Generator) -> list[Path]:
    """One file per marketplace and fortnight of invoices and refunds; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for channel in (c for c in CHANNELS if c.kind == "marketplace"):
        periods = _channel_rows(db, channel.code, Decimal(channel.fee_rate), rng)
        for end, rows in sorted(periods.items()):
            settlement = f"{channel.code}-{end:%Y%m%d}"
            unknown = f"UNKNOWN-{end:%Y%m%d}"
            rows += [
                [unknown, "order", "Order payment", Decimal("25.00")],
                [unknown, "fee", "Referral fee", Decimal("-3.75")],
            ]
            path = folder / f"{settlement}.csv"
            with path.open("w", newline="") as handle:
                out = csv.writer(handle)
                out.writerow(COLUMNS)
                out.writerows([settlement, end.isoformat(), channel.code, *row] for row in rows)
            written.append(path)
    return written


def _channel_rows(
    db: Database, channel: str, rate: Decimal, rng: np.random.Generator
) -> dict[date, list[Row]]:
    """Rows (order id, type, description, amount) per fortnight's end, mistakes planted."""
    orders = _invoiced_orders(db, channel)
    wrong = max(1, round(len(orders) * WRONG_SHARE))
    picked = rng.choice(len(orders), size=min(3 * wrong, len(orders)), replace=False)
    never_paid = {orders[i][0] for i in picked[:wrong]}
    fee_above = {orders[i][0] for i in picked[wrong : 2 * wrong]}
    paid_twice = {orders[i][0] for i in picked[2 * wrong :]}
    periods: dict[date, list[Row]] = defaultdict(list)
    for external_id, invoiced, first_invoiced in orders:
        if external_id in never_paid or not invoiced:
            continue
        paid: Row = [external_id, "order", "Order payment", invoiced]
        fee = expected_fee(rate + ABOVE_RATE if external_id in fee_above else rate, invoiced)
        rows = periods[_period_end(first_invoiced.date())]
        rows += [paid, [external_id, "fee", "Referral fee", fee]] if fee else [paid]
        if external_id in paid_twice:
            rows.append(paid)
    for external_id, total, posted_at in _posted_refunds(db, channel):
        if external_id not in never_paid and total and posted_at is not None:
            periods[_period_end(posted_at.date())].append([external_id, "refund", "Refund", -total])
    return periods


def _invoiced_orders(db: Database, channel: str) -> list[tuple[str, Decimal, datetime]]:
    query = (
        select(Order.external_id, func.sum(Invoice.total), func.min(Invoice.issued_at))
        .join(Channel, Channel.id == Order.channel_id)
        .join(Invoice, Invoice.order_id == Order.id)
        .where(Channel.code == channel)
        .group_by(Order.id, Order.external_id)
        .order_by(Order.id)
    )
    return db.read(lambda s: [(ref, total, at) for ref, total, at in s.execute(query)])


def _posted_refunds(db: Database, channel: str) -> list[tuple[str, Decimal, datetime | None]]:
    query = (
        select(Order.external_id, Refund.total, Refund.posted_at)
        .join(ReturnAuthorization, ReturnAuthorization.order_id == Order.id)
        .join(Refund, Refund.return_id == ReturnAuthorization.id)
        .join(Channel, Channel.id == Order.channel_id)
        .where(Channel.code == channel, Refund.status == RefundStatus.POSTED)
        .order_by(Refund.id)
    )
    return db.read(lambda s: [(ref, total, at) for ref, total, at in s.execute(query)])


def _period_end(day: date) -> date:
    epoch = date(2020, 1, 5)  # a Sunday: fortnights end on Sundays
    return epoch + timedelta(days=((day - epoch).days // PERIOD_DAYS + 1) * PERIOD_DAYS)
