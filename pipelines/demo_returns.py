"""Customers sending things back in the demo replay: whether an order comes back follows its
category's return rate and its channel's habit; the reason and its words follow the category;
the parcel arrives a few days after authorisation and is inspected, routed and refunded."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import Order, OrderLine
from erp_core.adapters.tables import Channel, Item
from erp_core.domain.errors import DomainError
from erp_core.domain.returns import Condition, Disposition, ReturnReason
from erp_core.services.dispositions import DisposeLine, dispose_units
from erp_core.services.refunds import request_refund
from erp_core.services.return_receiving import InspectLine, inspect_return, receive_return
from erp_core.services.returns import AuthorizeCommand, LineQty, authorize_return
from pipelines.demo_company import CATEGORY_RETURN_RATE, CHANNELS

DESK = "demo:returns-desk"
AUTHORISE_AFTER = (2, 6)  # days after shipment
TRANSIT = (2, 5)  # days from authorisation to the parcel at the node
REASONS = {
    ReturnReason.NO_LONGER_NEEDED: (
        "changed my mind",
        "ordered two sizes, kept one",
        "gift not wanted",
    ),
    ReturnReason.DAMAGED: ("box crushed in transit", "arrived scratched", "broken on arrival"),
    ReturnReason.NOT_AS_DESCRIBED: ("colour differs from the photo", "smaller than described"),
    ReturnReason.WRONG_ITEM: ("received a different model", "wrong size sent"),
}
REASON_WEIGHTS = (0.55, 0.2, 0.15, 0.1)
# What inspection finds, and where the units go, for each reason.
OUTCOME = {
    ReturnReason.NO_LONGER_NEEDED: (Condition.SEALED, Disposition.RESTOCK),
    ReturnReason.WRONG_ITEM: (Condition.SEALED, Disposition.RESTOCK),
    ReturnReason.NOT_AS_DESCRIBED: (Condition.OPENED, Disposition.QUARANTINE),
    ReturnReason.DAMAGED: (Condition.DAMAGED, Disposition.WRITE_OFF),
}
CHANNEL_FACTOR = {c.code: c.return_factor for c in CHANNELS}
Line = tuple[int, int, str]  # order line number, quantity, item category


@dataclass(frozen=True)
class Pending:
    rma_id: int
    line_no: int
    qty: int
    reason: ReturnReason


class ReturnDesk:
    def __init__(self, db: Database, rng: np.random.Generator) -> None:
        self.db, self.rng = db, rng
        # day -> orders to authorise then, each with its lines (number, qty, category)
        self.to_authorise: dict[int, list[tuple[int, list[Line]]]] = defaultdict(list)
        self.arriving: dict[int, list[Pending]] = defaultdict(list)
        self.authorised = 0

    def consider(self, order_id: int, shipped_day: int) -> None:
        channel, lines = _order_facts(self.db, order_id)
        rate = (
            np.mean([CATEGORY_RETURN_RATE.get(c, 0.05) for _, _, c in lines])
            * CHANNEL_FACTOR[channel]
        )
        if self.rng.random() < rate:
            day = shipped_day + int(self.rng.integers(*AUTHORISE_AFTER))
            self.to_authorise[day].append((order_id, lines))

    def work(self, t: int) -> None:
        for order_id, lines in self.to_authorise.pop(t, []):
            self._authorise(order_id, lines, t)
        for pending in self.arriving.pop(t, []):
            self._receive(pending)

    def _authorise(self, order_id: int, lines: list[Line], t: int) -> None:
        line_no, qty, _ = lines[int(self.rng.integers(len(lines)))]
        reason = ReturnReason(self.rng.choice(list(REASONS), p=REASON_WEIGHTS))
        back = int(self.rng.integers(1, qty + 1))
        try:
            rma = authorize_return(
                self.db,
                DESK,
                AuthorizeCommand(
                    order_id,
                    reason,
                    (LineQty(line_no, back),),
                    reason_text=str(self.rng.choice(REASONS[reason])),
                ),
            )
        except DomainError:
            return  # outside the channel's window or already claimed: refused, as in life
        self.authorised += 1
        arrive = t + int(self.rng.integers(*TRANSIT))
        self.arriving[arrive].append(Pending(rma["id"], line_no, back, reason))

    def _receive(self, pending: Pending) -> None:
        condition, disposition = OUTCOME[pending.reason]
        receive_return(self.db, DESK, pending.rma_id, (LineQty(pending.line_no, pending.qty),))
        inspect_return(self.db, DESK, pending.rma_id, (InspectLine(pending.line_no, condition),))
        dispose_units(
            self.db,
            DESK,
            pending.rma_id,
            (DisposeLine(pending.line_no, pending.qty, disposition),),
        )
        request_refund(self.db, DESK, pending.rma_id)


def _order_facts(db: Database, order_id: int) -> tuple[str, list[Line]]:
    """The order's channel and its lines: number, quantity, item category."""

    def read(session: Session) -> tuple[str, list[Line]]:
        rows = list(
            session.execute(
                select(Channel.code, OrderLine.line_no, OrderLine.qty, Item.category)
                .join(Order, Order.channel_id == Channel.id)
                .join(OrderLine, OrderLine.order_id == Order.id)
                .join(Item, Item.id == OrderLine.item_id)
                .where(Order.id == order_id)
            )
        )
        return rows[0][0], [(n, q, c or "") for _, n, q, c in rows]

    return db.read(read)
