"""The demo's buyer in the live weeks: the history's reorder-point rule on the ERP's own free
stock plus what is on order, purchase orders created, approved and sent through the services,
and each received on the day its supplier really delivers (late when the supplier slips)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select

from erp_core.adapters.database import Database
from erp_core.adapters.tables import Item, Location, StockBalance
from erp_core.clock import replaying_at
from erp_core.domain.stock import StockStatus
from erp_core.services.purchasing import (
    PoCommand,
    PoLineCommand,
    approve_purchase_order,
    create_purchase_order,
    send_purchase_order,
)
from erp_core.services.receiving import ReceiptCommand, ReceivedLine, receive_purchase_order
from pipelines.demo_company import supplier
from pipelines.demo_stock import (
    REVIEW_WINDOW,
    SECOND_NODE_SHARE,
    Receipt,
    lead_time,
    mean_lead_times,
    reorders,
)

PLANNER = "demo:planner"
BUYER_LEAD = "demo:head-of-buying"


@dataclass
class OpenPo:
    po_id: int
    arrive: int
    lines: dict[int, int]  # line_no -> qty
    pairs: dict[int, int]  # pair -> qty still due


class Buyer:
    def __init__(
        self,
        db: Database,
        pairs: pd.DataFrame,
        demand: np.ndarray,
        at: Callable[[int, float], datetime],
        rng: np.random.Generator,
    ) -> None:
        self.db, self.pairs, self.demand, self.at, self.rng = db, pairs, demand, at, rng
        self.open_pos: list[OpenPo] = []
        self.purchase_orders = 0
        self.lead = mean_lead_times(pairs)
        self.receipts = 0
        # What part of a SKU's demand each of its nodes serves, as in the history.
        rank = pairs["rank"].to_numpy()
        two_nodes = pairs.groupby("sku_index")["rank"].transform("max").to_numpy() == 1
        self.share = np.where(
            rank == 1, SECOND_NODE_SHARE, np.where(two_nodes, 1 - SECOND_NODE_SHARE, 1.0)
        )

    def carry_over(self, in_flight: list[Receipt], first_day: int) -> None:
        """Orders the history placed that have not arrived become real purchase orders."""
        by_day: dict[int, list[Receipt]] = defaultdict(list)
        for receipt in in_flight:
            by_day[receipt.ordered_day].append(receipt)
        with replaying_at(self.at(first_day, 5)):
            for receipts in by_day.values():
                self._buy({r.pair: r.qty for r in receipts}, first_day, [r.day for r in receipts])

    def receive_due(self, t: int) -> None:
        for po in [p for p in self.open_pos if p.arrive <= t]:
            lines = tuple(ReceivedLine(n, q) for n, q in po.lines.items())
            receive_purchase_order(self.db, BUYER_LEAD, po.po_id, ReceiptCommand(lines))
            self.open_pos.remove(po)
            self.receipts += 1

    def replenish(self, t: int) -> None:
        """The reorder-point rule of the history, on the ERP's free stock plus what is on order."""
        window = self.demand[:, max(0, t - REVIEW_WINDOW) : t + 1]
        rows = window[self.pairs["sku_index"].to_numpy()]
        mu, sigma = rows.mean(axis=1) * self.share, rows.std(axis=1) * self.share
        position = free_stock(self.db, self.pairs) + self._on_order()
        moq, pack = self.pairs["moq"].to_numpy(), self.pairs["pack_size"].to_numpy()
        wanted = reorders(mu, sigma, self.lead, position, moq, pack)
        if wanted:
            self._buy(wanted, t, None)

    def _on_order(self) -> np.ndarray:
        due = np.zeros(len(self.pairs), dtype=np.int64)
        for po in self.open_pos:
            for p, qty in po.pairs.items():
                due[p] += qty
        return due

    def _buy(self, wanted: dict[int, int], t: int, arrivals: list[int] | None) -> None:
        """One purchase order per supplier and node: created, approved, sent."""
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for p in wanted:
            groups[(self.pairs["supplier"].iat[p], self.pairs["node"].iat[p])].append(p)
        for (code, node), members in groups.items():
            terms = supplier(code)
            expected = (self.at(t, 0) + timedelta(days=terms.lead_time_mean)).date()
            po = create_purchase_order(
                self.db,
                PLANNER,
                PoCommand(
                    code,
                    node,
                    tuple(
                        PoLineCommand(self.pairs["sku"].iat[p], wanted[p], expected)
                        for p in members
                    ),
                    note="reorder point reached",
                ),
            )
            approve_purchase_order(self.db, BUYER_LEAD, po["id"])
            send_purchase_order(self.db, PLANNER, po["id"])
            arrive = max(arrivals) if arrivals else t + lead_time(code, self.rng)
            self.open_pos.append(
                OpenPo(
                    po["id"],
                    arrive,
                    {line["line_no"]: line["qty_ordered"] for line in po["lines"]},
                    {p: wanted[p] for p in members},
                )
            )
            self.purchase_orders += 1


def free_stock(db: Database, pairs: pd.DataFrame) -> np.ndarray:
    rows = db.read(
        lambda s: {
            (sku, node): qty
            for sku, node, qty in s.execute(
                select(Item.sku, Location.code, StockBalance.qty)
                .join(Item, Item.id == StockBalance.item_id)
                .join(Location, Location.id == StockBalance.location_id)
                .where(StockBalance.status == StockStatus.AVAILABLE)
            )
        }
    )
    return np.array(
        [rows.get((sku, node), 0) for sku, node in zip(pairs["sku"], pairs["node"], strict=True)]
    )
