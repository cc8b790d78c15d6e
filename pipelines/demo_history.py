"""The demo company's past, before the replay through the services: the stock story turned
into historical shipped orders and dated ledger moves, written in bulk.

Writing years of history through the services one order at a time would take most of an hour;
the bulk writers take seconds, and `keel check` proves the ledger afterwards. What the bulk
path leaves out (invoices, journal entries and RMAs of the history) is said in README.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from erp_core.adapters.database import Database
from erp_core.services.history import HistoricalLine, HistoricalOrder, load_history
from erp_core.services.injected_anomalies import PlantedOrder, record_injected
from erp_core.services.stock_history import StockFlow, load_stock_history
from pipelines.demo_orders import DemoOrder, OrderMaker
from pipelines.demo_stock import StockStory

Step = Callable[[str, int], None]


@dataclass(frozen=True)
class HistoryFigures:
    orders: int
    moves: int
    planted: int


def write_history(
    db: Database,
    actor: str,
    story: StockStory,
    maker: OrderMaker,
    start: datetime,
    days: int,
    step: Step,
) -> HistoryFigures:
    """Orders shipped day by day from each node, then the ledger moves of the same days."""
    orders = list(_orders(story, maker, days))
    history = [_historical(order) for order in orders]
    report = load_history(db, actor, history, progress=lambda n: step("history orders", n))
    if report.rejected:
        raise RuntimeError(f"the demo history was refused: {report.rejected[:3]}")
    flows = _flows(story, start, days)
    moves = load_stock_history(db, actor, flows, progress=lambda n: step("history moves", n))
    planted = [
        PlantedOrder(o.channel, o.external_id, o.anomaly, {"phase": "history"})
        for o in orders
        if o.anomaly
    ]
    return HistoryFigures(report.orders, moves, record_injected(db, planted))


def history_size(story: StockStory) -> int:
    """Rough work units for a progress bar: shipped SKU-node-days and moves to write."""
    return int(np.count_nonzero(story.shipped) * 2 + len(story.receipts))


def _orders(story: StockStory, maker: OrderMaker, days: int) -> Iterator[DemoOrder]:
    pairs = story.pairs
    for t in range(days):
        shipped = story.shipped[:, t]
        for node, group in pairs[shipped > 0].groupby("node"):
            units = {int(row.sku_index): int(shipped[i]) for i, row in group.iterrows()}
            yield from maker.day(t, units, str(node))


def _historical(order: DemoOrder) -> HistoricalOrder:
    assert order.node is not None, "a historical order ships from a node"
    return HistoricalOrder(
        channel=order.channel,
        external_id=order.external_id,
        ordered_at=order.at,
        location=order.node,
        lines=tuple(
            HistoricalLine(line.sku, line.qty, line.unit_price, line.discount, line.tax)
            for line in order.lines
        ),
        customer=order.customer,
        ship_to=order.ship_to,
        shipped_at=order.at + timedelta(hours=3),
    )


def _flows(story: StockStory, start: datetime, days: int) -> list[StockFlow]:
    pairs: pd.DataFrame = story.pairs
    flows = [
        StockFlow(
            start + timedelta(days=r.day, hours=6),
            pairs["sku"].iat[r.pair],
            pairs["node"].iat[r.pair],
            r.qty,
            "history_receipt",
            f"history-po:{r.ordered_day}:{r.pair}",
            pairs["unit_cost"].iat[r.pair],
        )
        for r in story.receipts
    ]
    for kind, array, sign, hour in (
        ("history_return", story.returned, 1, 6),
        ("history_shipment", story.shipped, -1, 23),
    ):
        for p, t in zip(*np.nonzero(array[:, :days]), strict=True):
            at = start + timedelta(days=int(t), hours=hour)
            flows.append(
                StockFlow(
                    at,
                    pairs["sku"].iat[p],
                    pairs["node"].iat[p],
                    sign * int(array[p, t]),
                    kind,
                    f"history:{at.date().isoformat()}",
                )
            )
    flows.sort(key=lambda flow: flow.at)
    return flows
