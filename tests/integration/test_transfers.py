"""Transfers move stock through in_transit: nothing is created or lost, the in-transit balance
at each destination always equals what its open transfers shipped and did not yet receive, and
bad requests or failures midway leave nothing behind."""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select

from erp_core.adapters.database import Database
from erp_core.adapters.tables import Item, Location, StockBalance, StockMove
from erp_core.adapters.transfer_tables import Transfer, TransferLine
from erp_core.domain.errors import IllegalTransition, InsufficientStock, InvalidInput
from erp_core.domain.stock import StockStatus
from erp_core.domain.transfers import (
    OPEN_IN_TRANSIT,
    DuplicateLine,
    ReceiptExceedsShipment,
    SameLocation,
    TransferStatus,
)
from erp_core.queries.atp import available_to_promise
from erp_core.queries.inbound import inbound
from erp_core.services import inventory as inv
from erp_core.services import transfers as tr
from tests.factories import ACTOR, item, location, stocked
from tests.integration.test_failure_injection import InjectedFailure, everything, failing_midway

A, IN_TRANSIT = StockStatus.AVAILABLE, StockStatus.IN_TRANSIT
L = tr.TransferLineCommand


def planned(db: Database, *lines: tuple[str, int], src: str = "DC-1", dst: str = "DC-2") -> int:
    cmd = tr.TransferCommand(src, dst, tuple(L(sku, qty) for sku, qty in lines))
    return int(tr.create_transfer(db, ACTOR, cmd)["id"])


def balance(db: Database, sku: str, code: str, status: StockStatus) -> int:
    query = (
        select(func.coalesce(func.sum(StockBalance.qty), 0))
        .join(Item, Item.id == StockBalance.item_id)
        .join(Location, Location.id == StockBalance.location_id)
        .where(Item.sku == sku, Location.code == code, StockBalance.status == status)
    )
    return int(db.read(lambda s: s.scalar(query)))


@pytest.fixture
def two_dcs(db: Database) -> Database:
    stocked(db, 50, "A", "DC-1")
    item(db, "B")
    inv.move_stock(db, ACTOR, inv.MoveCommand("B", "DC-1", 20, A))
    location(db, "DC-2")
    return db


def test_shipping_moves_stock_into_transit_and_receiving_makes_it_available(
    two_dcs: Database,
) -> None:
    db = two_dcs
    transfer_id = planned(db, ("A", 10), ("B", 4))
    shipped = tr.ship_transfer(db, ACTOR, transfer_id)
    assert shipped["status"] == TransferStatus.SHIPPED and shipped["shipped_at"] is not None
    assert (balance(db, "A", "DC-1", A), balance(db, "A", "DC-2", IN_TRANSIT)) == (40, 10)
    assert balance(db, "B", "DC-2", IN_TRANSIT) == 4

    partly = tr.receive_transfer(db, ACTOR, transfer_id, (L("A", 6),))
    assert partly["status"] == TransferStatus.PARTIALLY_RECEIVED
    assert partly["received_at"] is None
    assert {line["sku"]: line["in_transit"] for line in partly["lines"]} == {"A": 4, "B": 4}
    assert (balance(db, "A", "DC-2", A), balance(db, "A", "DC-2", IN_TRANSIT)) == (6, 4)

    done = tr.receive_transfer(db, ACTOR, transfer_id, None)
    assert done["status"] == TransferStatus.RECEIVED and done["received_at"] is not None
    assert balance(db, "A", "DC-2", A) == 10 and balance(db, "B", "DC-2", A) == 4
    assert balance(db, "A", "DC-2", IN_TRANSIT) == 0
    reasons = db.read(
        lambda s: list(
            s.scalars(
                select(StockMove.reason)
                .where(StockMove.reference == f"transfer:{transfer_id}")
                .order_by(StockMove.id)
            )
        )
    )
    assert Counter(reasons) == {"transfer_out": 2, "transfer_in_transit": 2, "transfer_receipt": 3}


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda db: planned(db, ("A", 51)), InsufficientStock),
        (lambda db: planned(db, ("A", 10), ("B", 21)), InsufficientStock),
    ],
    ids=["one-line-short", "second-line-short"],
)
def test_shipping_without_the_stock_is_refused_and_moves_nothing(
    two_dcs: Database, make: object, error: type[Exception]
) -> None:
    transfer_id = make(two_dcs)  # type: ignore[operator]
    before = everything(two_dcs)
    with pytest.raises(error):
        tr.ship_transfer(two_dcs, ACTOR, transfer_id)
    assert everything(two_dcs) == before


def test_bad_transfers_are_refused_with_their_own_codes(two_dcs: Database) -> None:
    db = two_dcs
    before = everything(db)
    with pytest.raises(SameLocation):
        tr.create_transfer(db, ACTOR, tr.TransferCommand("DC-1", "DC-1", (L("A", 1),)))
    with pytest.raises(DuplicateLine):
        tr.create_transfer(db, ACTOR, tr.TransferCommand("DC-1", "DC-2", (L("A", 1), L("A", 2))))
    with pytest.raises(InvalidInput):
        tr.create_transfer(db, ACTOR, tr.TransferCommand("DC-1", "DC-2", (L("A", 0),)))
    assert everything(db) == before

    transfer_id = planned(db, ("A", 5))
    with pytest.raises(IllegalTransition):
        tr.receive_transfer(db, ACTOR, transfer_id, None)
    tr.ship_transfer(db, ACTOR, transfer_id)
    shipped = everything(db)
    with pytest.raises(ReceiptExceedsShipment):
        tr.receive_transfer(db, ACTOR, transfer_id, (L("A", 6),))
    tr.receive_transfer(db, ACTOR, transfer_id, (L("A", 3),))
    with pytest.raises(ReceiptExceedsShipment):
        tr.receive_transfer(db, ACTOR, transfer_id, (L("A", 3),))
    with pytest.raises(InvalidInput):
        tr.receive_transfer(db, ACTOR, transfer_id, (L("B", 1),))
    with pytest.raises(IllegalTransition):
        tr.ship_transfer(db, ACTOR, transfer_id)
    with pytest.raises(IllegalTransition):
        tr.cancel_transfer(db, ACTOR, transfer_id)
    assert balance(db, "A", "DC-2", IN_TRANSIT) == 2 and shipped != everything(db)


def test_only_a_draft_is_cancelled_and_nothing_moves(two_dcs: Database) -> None:
    transfer_id = planned(two_dcs, ("A", 5))
    cancelled = tr.cancel_transfer(two_dcs, ACTOR, transfer_id)
    assert cancelled["status"] == TransferStatus.CANCELLED and cancelled["cancelled_at"]
    with pytest.raises(IllegalTransition):
        tr.ship_transfer(two_dcs, ACTOR, transfer_id)
    assert balance(two_dcs, "A", "DC-1", A) == 50


@pytest.mark.parametrize("step", ["ship", "receive"])
def test_a_failure_midway_through_a_transfer_step_leaves_nothing(
    two_dcs: Database, step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    transfer_id = planned(two_dcs, ("A", 10), ("B", 5))
    if step == "receive":
        tr.ship_transfer(two_dcs, ACTOR, transfer_id)
    before = everything(two_dcs)
    with failing_midway(monkeypatch), pytest.raises(InjectedFailure):
        if step == "ship":
            tr.ship_transfer(two_dcs, ACTOR, transfer_id)
        else:
            tr.receive_transfer(two_dcs, ACTOR, transfer_id, None)
    assert everything(two_dcs) == before


def _open_line_totals(db: Database) -> Counter[tuple[int, int]]:
    rows = db.read(
        lambda s: list(
            s.execute(
                select(
                    TransferLine.item_id,
                    Transfer.destination_location_id,
                    TransferLine.qty_shipped - TransferLine.qty_received,
                )
                .join(Transfer, Transfer.id == TransferLine.transfer_id)
                .where(Transfer.status.in_(OPEN_IN_TRANSIT))
            )
        )
    )
    totals: Counter[tuple[int, int]] = Counter()
    for item_id, location_id, qty in rows:
        totals[(item_id, location_id)] += qty
    return +totals


def _in_transit_balances(db: Database) -> Counter[tuple[int, int]]:
    rows = db.read(
        lambda s: list(
            s.execute(
                select(StockBalance.item_id, StockBalance.location_id, StockBalance.qty).where(
                    StockBalance.status == IN_TRANSIT
                )
            )
        )
    )
    return +Counter({(i, loc): qty for i, loc, qty in rows})


def _total_stock(db: Database) -> dict[int, int]:
    rows = db.read(
        lambda s: list(
            s.execute(
                select(StockBalance.item_id, func.sum(StockBalance.qty)).group_by(
                    StockBalance.item_id
                )
            )
        )
    )
    return {i: int(q) for i, q in rows}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_in_transit_always_equals_what_open_transfers_shipped_and_did_not_receive(
    db: Database, seed: int
) -> None:
    rng = random.Random(seed)
    codes = ["DC-1", "DC-2", "DC-3"]
    for sku in ("A", "B"):
        item(db, sku)
    for code in codes:
        location(db, code)
        for sku in ("A", "B"):
            inv.move_stock(db, ACTOR, inv.MoveCommand(sku, code, 30, A))
    total = _total_stock(db)
    transfers: list[int] = []
    for _ in range(40):
        action = rng.choice(["plan", "ship", "receive", "receive"])
        try:
            if action == "plan" or not transfers:
                src, dst = rng.sample(codes, 2)
                skus = rng.sample(["A", "B"], rng.randint(1, 2))
                lines = tuple((sku, rng.randint(1, 15)) for sku in skus)
                transfers.append(planned(db, *lines, src=src, dst=dst))
            elif action == "ship":
                tr.ship_transfer(db, ACTOR, rng.choice(transfers))
            else:
                sku, qty = rng.choice(["A", "B"]), rng.randint(1, 8)
                tr.receive_transfer(db, ACTOR, rng.choice(transfers), (L(sku, qty),))
        except (InsufficientStock, IllegalTransition, InvalidInput):
            pass
        assert _in_transit_balances(db) == _open_line_totals(db)
        assert _total_stock(db) == total


def test_inbound_transfers_are_dated_by_expected_arrival(two_dcs: Database) -> None:
    db = two_dcs
    cmd = tr.TransferCommand("DC-1", "DC-2", (L("A", 7), L("B", 2)), date(2030, 1, 10))
    first = int(tr.create_transfer(db, ACTOR, cmd)["id"])
    later = tr.TransferCommand("DC-1", "DC-2", (L("A", 5),), date(2030, 2, 1))
    second = int(tr.create_transfer(db, ACTOR, later)["id"])
    for transfer_id in (first, second):
        tr.ship_transfer(db, ACTOR, transfer_id)
    tr.receive_transfer(db, ACTOR, first, (L("A", 3),))
    ids = db.read(
        lambda s: (
            s.scalar(select(Item.id).where(Item.sku == "A")),
            s.scalar(select(Location.id).where(Location.code == "DC-2")),
        )
    )
    a, dc2 = ids
    due_in_january = db.read(lambda s: inbound(s, [a], [dc2], date(2030, 1, 31)))
    assert [(i.expected_date, i.qty, i.source) for i in due_in_january] == [
        (date(2030, 1, 10), 4, "transfer")
    ]
    everything_due = db.read(lambda s: inbound(s, [a], [dc2], date(2030, 12, 31)))
    assert [(i.expected_date, i.qty) for i in everything_due] == [
        (date(2030, 1, 10), 4),
        (date(2030, 2, 1), 5),
    ]


def test_opposite_transfers_shipped_at_once_neither_deadlock_nor_lose_stock(db: Database) -> None:
    stocked(db, 100, "A", "DC-1")
    location(db, "DC-2")
    inv.move_stock(db, ACTOR, inv.MoveCommand("A", "DC-2", 100, A))
    pairs = [
        (
            planned(db, ("A", 1), src="DC-1", dst="DC-2"),
            planned(db, ("A", 1), src="DC-2", dst="DC-1"),
        )
        for _ in range(10)
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda t: tr.ship_transfer(db, ACTOR, t), [t for p in pairs for t in p]))
    assert balance(db, "A", "DC-1", A) == 90 and balance(db, "A", "DC-2", A) == 90
    assert balance(db, "A", "DC-1", IN_TRANSIT) == 10 and balance(db, "A", "DC-2", IN_TRANSIT) == 10


def test_available_to_promise_at_the_destination_counts_what_is_in_transit(
    two_dcs: Database,
) -> None:
    db = two_dcs
    cmd = tr.TransferCommand("DC-1", "DC-2", (L("A", 6),), date(2030, 1, 10))
    transfer_id = int(tr.create_transfer(db, ACTOR, cmd)["id"])
    assert available_to_promise(db, "A", "DC-2", date(2030, 1, 31))["available_to_promise"] == 0
    tr.ship_transfer(db, ACTOR, transfer_id)
    before = available_to_promise(db, "A", "DC-2", date(2030, 1, 9))
    due = available_to_promise(db, "A", "DC-2", date(2030, 1, 31))
    assert (before["available_to_promise"], due["available_to_promise"]) == (0, 6)
