"""Cycle counts and adjustment approvals: variances post as count_variance adjustments, large
ones (from a count or a direct adjustment) wait for a second person, accuracy comes from count
history, and bad requests or failures midway leave nothing behind."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from erp_core.adapters.database import Database
from erp_core.adapters.tables import StockMove
from erp_core.clock import utcnow
from erp_core.domain.counts import AlreadyCounted, RequestState, SelfApproval, SheetStatus
from erp_core.domain.errors import IllegalTransition, InsufficientStock, InvalidInput, NotFound
from erp_core.domain.stock import StockStatus
from erp_core.domain.transfers import DuplicateLine
from erp_core.queries.counts import adjustment_requests_page, get_sheet, inventory_accuracy
from erp_core.services import counts
from erp_core.services import inventory as inv
from erp_core.services.adjustment_approvals import approve_adjustment, reject_adjustment
from erp_core.services.adjustment_requests import PendingAdjustment
from tests.factories import ACTOR, item, location, stocked
from tests.integration.test_failure_injection import InjectedFailure, everything, failing_midway
from tests.integration.test_transfers import balance

A = StockStatus.AVAILABLE
C = counts.CountedLine
CLERK, MANAGER = "key:1:clerk", "key:2:manager"


@pytest.fixture
def shelf(db: Database) -> Database:
    """DC-1 holds 20 A, 10 B and 5 C."""
    stocked(db, 20, "A", "DC-1")
    for sku, qty in (("B", 10), ("C", 5)):
        item(db, sku)
        inv.move_stock(db, ACTOR, inv.MoveCommand(sku, "DC-1", qty, A))
    return db


def counted_sheet(db: Database, found: dict[str, int]) -> int:
    """A sheet of the SKUs found, with what was found entered."""
    sheet_id = int(counts.create_sheet(db, CLERK, "DC-1", tuple(found))["id"])
    counts.enter_counts(db, CLERK, sheet_id, tuple(C(s, q) for s, q in found.items()))
    return sheet_id


def count_moves(db: Database, sheet_id: int) -> list[tuple[str | None, str | None, int]]:
    rows = db.read(
        lambda s: list(
            s.execute(
                select(StockMove.from_status, StockMove.to_status, StockMove.qty)
                .where(StockMove.reference == f"count:{sheet_id}")
                .where(StockMove.reason == "count_variance")
                .order_by(StockMove.id)
            )
        )
    )
    return [(f and f.value, t and t.value, q) for f, t, q in rows]


def test_a_blind_sheet_snapshots_free_stock_and_posting_corrects_to_the_count(
    shelf: Database,
) -> None:
    db = shelf
    sheet = counts.create_sheet(db, CLERK, "DC-1", None)
    assert [(line["sku"], line["expected_qty"]) for line in sheet["lines"]] == [
        ("A", None),
        ("B", None),
        ("C", None),
    ]
    db.settings.count_show_expected = True
    assert [line["expected_qty"] for line in get_sheet(db, sheet["id"])["lines"]] == [20, 10, 5]
    counts.enter_counts(db, CLERK, sheet["id"], (C("A", 18), C("B", 10), C("C", 7)))
    posted = counts.post_sheet(db, CLERK, sheet["id"])
    assert posted["status"] == SheetStatus.POSTED and posted["posted_at"] is not None
    assert [(x["sku"], x["variance"], x["within_tolerance"]) for x in posted["lines"]] == [
        ("A", -2, False),
        ("B", 0, True),
        ("C", 2, False),
    ]
    assert count_moves(db, sheet["id"]) == [("available", None, 2), (None, "available", 2)]
    assert [balance(db, s, "DC-1", A) for s in "ABC"] == [18, 10, 7]


def test_sales_after_the_snapshot_are_not_undone_by_the_count(shelf: Database) -> None:
    db = shelf
    sheet_id = int(counts.create_sheet(db, CLERK, "DC-1", ("A",))["id"])
    inv.reserve_stock(db, ACTOR, inv.ReserveCommand("A", "DC-1", 4))
    counts.enter_counts(db, CLERK, sheet_id, (C("A", 15),))
    posted = counts.post_sheet(db, CLERK, sheet_id)
    # 20 expected, 15 counted: 5 missing against the snapshot; free stock 16 now -> 15.
    assert posted["lines"][0]["variance"] == -5
    assert count_moves(db, sheet_id) == [("available", None, 1)]
    assert balance(db, "A", "DC-1", A) == 15


def test_counting_twice_posting_twice_or_posting_uncounted_is_refused_and_writes_nothing(
    shelf: Database,
) -> None:
    db = shelf
    with pytest.raises(DuplicateLine):
        counts.create_sheet(db, CLERK, "DC-1", ("A", "A"))
    with pytest.raises(NotFound):
        counts.create_sheet(db, CLERK, "NOWHERE", None)
    location(db, "EMPTY")
    with pytest.raises(InvalidInput):
        counts.create_sheet(db, CLERK, "EMPTY", None)
    sheet_id = int(counts.create_sheet(db, CLERK, "DC-1", ("A", "B"))["id"])
    before = everything(db)
    with pytest.raises(DuplicateLine):
        counts.enter_counts(db, CLERK, sheet_id, (C("A", 1), C("A", 2)))
    with pytest.raises(InvalidInput):
        counts.enter_counts(db, CLERK, sheet_id, (C("C", 1),))
    with pytest.raises(InvalidInput):
        counts.post_sheet(db, CLERK, sheet_id)
    assert everything(db) == before
    counts.enter_counts(db, CLERK, sheet_id, (C("A", 20),))
    counted = everything(db)
    with pytest.raises(AlreadyCounted):
        counts.enter_counts(db, CLERK, sheet_id, (C("B", 10), C("A", 19)))
    assert everything(db) == counted
    counts.enter_counts(db, CLERK, sheet_id, (C("B", 9),))
    counts.post_sheet(db, CLERK, sheet_id)
    posted = everything(db)
    with pytest.raises(IllegalTransition):
        counts.post_sheet(db, CLERK, sheet_id)
    with pytest.raises(IllegalTransition):
        counts.enter_counts(db, CLERK, sheet_id, (C("C", 1),))
    assert everything(db) == posted


def test_a_failure_midway_through_posting_a_count_leaves_nothing(
    shelf: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheet_id = counted_sheet(shelf, {"A": 17, "B": 12, "C": 5})
    before = everything(shelf)
    with failing_midway(monkeypatch), pytest.raises(InjectedFailure):
        counts.post_sheet(shelf, CLERK, sheet_id)
    assert everything(shelf) == before


def test_a_variance_above_the_threshold_waits_for_someone_else_to_approve(
    shelf: Database,
) -> None:
    db = shelf
    db.settings.adjustment_approval_units = 5
    sheet_id = counted_sheet(db, {"A": 8, "B": 7})
    counts.post_sheet(db, CLERK, sheet_id)
    # B (-3) is posted; A (-12) waits, and stock stays.
    assert count_moves(db, sheet_id) == [("available", None, 3)]
    assert balance(db, "A", "DC-1", A) == 20
    request = _only_pending(db)
    assert (request["delta"], request["reason"], request["reference"]) == (
        -12,
        "count_variance",
        f"count:{sheet_id}",
    )
    before = everything(db)
    with pytest.raises(SelfApproval):
        approve_adjustment(db, CLERK, request["id"])
    assert everything(db) == before
    approved = approve_adjustment(db, MANAGER, request["id"], "recounted, confirmed")
    assert approved["state"] == RequestState.APPROVED and approved["decided_by"] == MANAGER
    assert approved["decided_at"] is not None and approved["move_id"] is not None
    assert balance(db, "A", "DC-1", A) == 8
    decided = everything(db)
    for decide in (approve_adjustment, reject_adjustment):
        with pytest.raises(IllegalTransition):
            decide(db, "key:3:other", request["id"])
    assert everything(db) == decided


def test_a_large_direct_adjustment_is_held_too_and_a_rejection_moves_nothing(
    shelf: Database,
) -> None:
    db = shelf
    db.settings.adjustment_approval_units = None
    db.settings.adjustment_approval_value = Decimal(100)
    item(db, "D", unit_cost=Decimal("12.50"))
    small = inv.adjust_stock(db, CLERK, inv.AdjustCommand("D", "DC-1", A, "found", delta=8))
    assert not isinstance(small, PendingAdjustment)  # 8 x 12.50 = 100, not above 100
    held = inv.adjust_stock(db, CLERK, inv.AdjustCommand("D", "DC-1", A, "found", delta=9))
    assert isinstance(held, PendingAdjustment)
    assert held.request["state"] == RequestState.PENDING and held.request["delta"] == 9
    assert balance(db, "D", "DC-1", A) == 8
    rejected = reject_adjustment(db, MANAGER, held.request["id"], "no evidence")
    assert rejected["state"] == RequestState.REJECTED and rejected["move_id"] is None
    assert balance(db, "D", "DC-1", A) == 8


def test_an_approval_that_would_overdraw_stock_is_refused_and_changes_nothing(
    shelf: Database,
) -> None:
    db = shelf
    db.settings.adjustment_approval_units = 5
    inv.adjust_stock(db, CLERK, inv.AdjustCommand("A", "DC-1", A, "count_correction", 10))
    request = _only_pending(db)
    inv.reserve_stock(db, ACTOR, inv.ReserveCommand("A", "DC-1", 15))
    before = everything(db)
    with pytest.raises(InsufficientStock):
        approve_adjustment(db, MANAGER, request["id"])
    assert everything(db) == before


def test_accuracy_is_the_share_of_sku_locations_whose_latest_count_was_within_tolerance(
    shelf: Database,
) -> None:
    db = shelf
    start = utcnow() - timedelta(seconds=1)
    counts.post_sheet(db, CLERK, counted_sheet(db, {"A": 20, "B": 9, "C": 4}))
    assert inventory_accuracy(db, "DC-1", start, 10) == [
        {"location": "DC-1", "counted": 3, "within_tolerance": 1, "accuracy": 1 / 3}
    ]
    # B recounted right: its latest count counts.
    counts.post_sheet(db, CLERK, counted_sheet(db, {"B": 9}))
    assert inventory_accuracy(db, None, start, 10)[0]["accuracy"] == 2 / 3
    db.settings.count_tolerance_units = 1
    counts.post_sheet(db, CLERK, counted_sheet(db, {"C": 5}))
    assert inventory_accuracy(db, "DC-1", start, 10)[0]["within_tolerance"] == 3
    assert inventory_accuracy(db, "DC-1", utcnow() + timedelta(seconds=1), 10) == []


def _only_pending(db: Database) -> dict[str, object]:
    page = adjustment_requests_page(db, RequestState.PENDING, None, 10)
    assert len(page.data) == 1
    return page.data[0]
