"""Inventory actions through the service layer, against a real database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from erp_core.adapters.database import Database
from erp_core.adapters.tables import AuditRecord, StockBalance
from erp_core.domain.errors import (
    IllegalTransition,
    InactiveRecord,
    InsufficientStock,
    InvalidInput,
    NotFound,
)
from erp_core.domain.stock import StockStatus
from erp_core.queries.inventory import inventory_positions, ledger_page
from erp_core.queries.ledger_check import ledger_discrepancies
from erp_core.services import inventory as inv
from erp_core.services import master_data as md
from tests.factories import ACTOR, location, stocked

A, D = StockStatus.AVAILABLE, StockStatus.DAMAGED


def position(db: Database, sku: str = "SKU-1", code: str = "DC-1") -> dict[str, int]:
    return inventory_positions(db, sku, code, None, 10).data[0]


def test_receiving_then_damaging_stock_moves_it_between_buckets(db: Database) -> None:
    stocked(db, 10)
    inv.move_stock(db, ACTOR, inv.MoveCommand("SKU-1", "DC-1", 3, D, A, "damaged_in_handling"))
    got = position(db)
    assert (got["available"], got["damaged"], got["on_hand"]) == (7, 3, 7)


def test_a_reservation_moves_free_stock_to_reserved_and_release_brings_it_back(
    db: Database,
) -> None:
    stocked(db, 10)
    reservation = inv.reserve_stock(db, ACTOR, inv.ReserveCommand("SKU-1", "DC-1", 4, "order-1"))
    got = position(db)
    assert (got["available"], got["reserved"], got["on_hand"], got["available_to_sell"]) == (
        6,
        4,
        10,
        6,
    )
    inv.release_reservation(db, ACTOR, reservation["id"])
    assert position(db)["available"] == 10
    with pytest.raises(IllegalTransition):
        inv.release_reservation(db, ACTOR, reservation["id"])


def test_reserving_more_than_is_free_is_insufficient_stock(db: Database) -> None:
    stocked(db, 5)
    inv.reserve_stock(db, ACTOR, inv.ReserveCommand("SKU-1", "DC-1", 4))
    with pytest.raises(InsufficientStock):
        inv.reserve_stock(db, ACTOR, inv.ReserveCommand("SKU-1", "DC-1", 2))


def test_a_count_sets_the_bucket_to_what_was_counted(db: Database) -> None:
    stocked(db, 10)
    inv.adjust_stock(db, ACTOR, inv.AdjustCommand("SKU-1", "DC-1", A, "count_correction", 8))
    inv.adjust_stock(db, ACTOR, inv.AdjustCommand("SKU-1", "DC-1", A, "found", delta=5))
    assert position(db)["available"] == 13
    moves = ledger_page(db, "SKU-1", None, None, 10).data
    assert [(m["from_status"], m["to_status"], m["qty"], m["reason"]) for m in moves[1:]] == [
        (A, None, 2, "count_correction"),
        (None, A, 5, "found"),
    ]


def test_a_relocation_writes_one_line_out_and_one_line_in(db: Database) -> None:
    stocked(db, 10)
    location(db, "DC-2")
    inv.relocate_stock(db, ACTOR, inv.RelocateCommand("SKU-1", "DC-1", "DC-2", 4))
    assert position(db)["available"] == 6
    assert position(db, code="DC-2")["available"] == 4
    with pytest.raises(InsufficientStock):
        inv.relocate_stock(db, ACTOR, inv.RelocateCommand("SKU-1", "DC-2", "DC-1", 5))
    with pytest.raises(InvalidInput):
        inv.relocate_stock(db, ACTOR, inv.RelocateCommand("SKU-1", "DC-2", "DC-2", 1))


def test_deactivated_items_cannot_be_received_or_reserved_but_can_be_moved_out(
    db: Database,
) -> None:
    stocked(db, 10)
    md.deactivate_record(db, ACTOR, md.ITEMS, "SKU-1")
    with pytest.raises(InactiveRecord):
        inv.move_stock(db, ACTOR, inv.MoveCommand("SKU-1", "DC-1", 1, A))
    with pytest.raises(InactiveRecord):
        inv.reserve_stock(db, ACTOR, inv.ReserveCommand("SKU-1", "DC-1", 1))
    inv.move_stock(db, ACTOR, inv.MoveCommand("SKU-1", "DC-1", 10, D, A, "clearance"))


def test_unknown_codes_are_not_found(db: Database) -> None:
    stocked(db, 1)
    with pytest.raises(NotFound):
        inv.move_stock(db, ACTOR, inv.MoveCommand("NOPE", "DC-1", 1, A))
    with pytest.raises(NotFound):
        inv.reserve_stock(db, ACTOR, inv.ReserveCommand("SKU-1", "NOPE", 1))
    with pytest.raises(NotFound):
        inv.release_reservation(db, ACTOR, 999)


def test_every_inventory_action_leaves_an_audit_record_with_before_and_after(
    db: Database,
) -> None:
    stocked(db, 10)
    inv.reserve_stock(db, ACTOR, inv.ReserveCommand("SKU-1", "DC-1", 4))
    last = db.read(
        lambda s: s.scalars(select(AuditRecord).order_by(AuditRecord.id.desc()).limit(1)).one()
    )
    assert last.action == "inventory.reserve"
    assert last.before == {"balances": {"available": 10, "reserved": 0}}
    assert last.after is not None and last.after["balances"] == {"available": 6, "reserved": 4}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE stock_moves SET qty = qty + 1",
        "DELETE FROM stock_moves",
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
    ],
)
def test_the_ledger_and_audit_trail_cannot_be_rewritten(db: Database, statement: str) -> None:
    stocked(db, 10)
    with pytest.raises(DBAPIError):
        db.transact(lambda s: s.execute(text(statement)))


def test_the_database_refuses_a_negative_balance_even_if_code_were_bypassed(db: Database) -> None:
    stocked(db, 10)
    with pytest.raises(DBAPIError):
        db.transact(
            lambda s: s.execute(
                text("UPDATE stock_balances SET qty = -1 WHERE status = 'available'")
            )
        )


def test_the_database_keeps_one_balance_row_per_item_location_and_status(db: Database) -> None:
    stocked(db, 10)
    row = db.read(lambda s: s.scalars(select(StockBalance)).first())
    assert row is not None
    with pytest.raises(DBAPIError):
        db.transact(
            lambda s: s.execute(
                text(
                    "INSERT INTO stock_balances (item_id, location_id, status, qty, allow_negative,"
                    " updated_at) VALUES (:i, :l, 'available', 0, false, CURRENT_TIMESTAMP)"
                ),
                {"i": row.item_id, "l": row.location_id},
            )
        )
    assert db.read(lambda s: s.scalar(select(func.count()).select_from(StockBalance))) == 1


def test_items_allowing_negative_stock_can_ship_before_receipt_is_recorded(db: Database) -> None:
    stocked(db, 2)
    md.update_record(db, ACTOR, md.ITEMS, "SKU-1", {"allow_negative_stock": True})
    inv.adjust_stock(
        db, ACTOR, inv.AdjustCommand("SKU-1", "DC-1", A, "shipped_unrecorded", delta=-5)
    )
    assert position(db)["available"] == -3
    with pytest.raises(IllegalTransition):
        md.update_record(db, ACTOR, md.ITEMS, "SKU-1", {"allow_negative_stock": False})
    inv.adjust_stock(db, ACTOR, inv.AdjustCommand("SKU-1", "DC-1", A, "count_correction", 0))
    md.update_record(db, ACTOR, md.ITEMS, "SKU-1", {"allow_negative_stock": False})


def test_the_ledger_check_finds_a_balance_that_was_tampered_with(db: Database) -> None:
    stocked(db, 10)
    inv.reserve_stock(db, ACTOR, inv.ReserveCommand("SKU-1", "DC-1", 4))
    assert ledger_discrepancies(db) == []
    db.transact(
        lambda s: s.execute(text("UPDATE stock_balances SET qty = 7 WHERE status = 'available'"))
    )
    assert [(d["status"], d["balance"], d["ledger"]) for d in ledger_discrepancies(db)] == [
        (A, 7, 6)
    ]
    db.transact(lambda s: s.execute(text("DELETE FROM stock_balances")))
    assert sorted((d["status"], d["balance"], d["ledger"]) for d in ledger_discrepancies(db)) == [
        (A, 0, 6),
        (StockStatus.RESERVED, 0, 4),
    ]
    for wrong in ledger_discrepancies(db):
        db.transact(
            lambda s, d=wrong: s.execute(
                text(
                    "INSERT INTO stock_balances (item_id, location_id, status, qty, allow_negative,"
                    " updated_at) VALUES (:i, :l, :s, :q, false, CURRENT_TIMESTAMP)"
                ),
                {
                    "i": d["item_id"],
                    "l": d["location_id"],
                    "s": d["status"].value,
                    "q": d["ledger"],
                },
            )
        )
    assert ledger_discrepancies(db) == [], "rebuilt from the ledger, the balances agree again"
