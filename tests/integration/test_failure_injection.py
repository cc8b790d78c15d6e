"""A failure in the middle of a business action leaves nothing behind: no move, balance
change, reservation, record change, key or audit line (RELIABILITY.md, promise 10).

Every action writes its audit record after its first ledger line or record change, so the
failure is injected there: after the first line, before commit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.tables import Base
from erp_core.domain.access import Role
from erp_core.domain.stock import StockStatus
from erp_core.services import api_keys, audit
from erp_core.services import inventory as inv
from erp_core.services import master_data as md
from erp_core.services.imports import import_items, import_stock
from erp_core.services.supplier_items import create_supplier_item
from tests.factories import ACTOR, location, stocked

A = StockStatus.AVAILABLE


class InjectedFailure(RuntimeError):
    pass


def everything(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    def read(session: Session) -> dict[str, list[tuple[Any, ...]]]:
        return {
            t.name: sorted(map(tuple, session.execute(select(t))), key=repr)
            for t in Base.metadata.sorted_tables
        }

    return db.read(read)


@contextmanager
def failing_midway(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def fail(*_: object, **__: object) -> None:
        raise InjectedFailure("injected after the first line, before commit")

    with monkeypatch.context() as patch:
        patch.setattr(audit, "record", fail)
        yield


def _supplier(db: Database) -> None:
    md.create_record(db, ACTOR, md.SUPPLIERS, {"code": "SUP", "name": "Supplier"})


ACTIONS: dict[str, Callable[[Database, dict[str, Any]], object]] = {
    "receive": lambda db, _: inv.move_stock(db, ACTOR, inv.MoveCommand("SKU-1", "DC-1", 5, A)),
    "move": lambda db, _: inv.move_stock(
        db, ACTOR, inv.MoveCommand("SKU-1", "DC-1", 5, StockStatus.DAMAGED, A, "damage")
    ),
    "adjust": lambda db, _: inv.adjust_stock(
        db, ACTOR, inv.AdjustCommand("SKU-1", "DC-1", A, "count_correction", 3)
    ),
    "reserve": lambda db, _: inv.reserve_stock(db, ACTOR, inv.ReserveCommand("SKU-1", "DC-1", 2)),
    "release": lambda db, ctx: inv.release_reservation(db, ACTOR, ctx["reservation"]),
    "relocate": lambda db, _: inv.relocate_stock(
        db, ACTOR, inv.RelocateCommand("SKU-1", "DC-1", "DC-2", 4)
    ),
    "create item": lambda db, _: md.create_record(
        db, ACTOR, md.ITEMS, {"sku": "NEW", "name": "New"}
    ),
    "update item": lambda db, _: md.update_record(
        db, ACTOR, md.ITEMS, "SKU-1", {"allow_negative_stock": True, "name": "Renamed"}
    ),
    "deactivate location": lambda db, _: md.deactivate_record(db, ACTOR, md.LOCATIONS, "DC-2"),
    "supplier item": lambda db, _: create_supplier_item(
        db,
        ACTOR,
        "SUP",
        {"sku": "SKU-1", "unit_cost": Decimal(2), "lead_time_days_mean": Decimal(7)},
    ),
    "create key": lambda db, _: api_keys.create_key(db, ACTOR, "k", Role.PLANNER),
    "revoke key": lambda db, ctx: api_keys.revoke_key(db, ACTOR, ctx["key"]),
    "import items": lambda db, _: import_items(
        db,
        ACTOR,
        [(2, {"sku": "IMP-1", "name": "Imported"}), (3, {"sku": "SKU-1", "name": "Renamed"})],
        [],
    ),
    "import stock": lambda db, _: import_stock(
        db,
        ACTOR,
        [
            (2, {"sku": "SKU-1", "location": "DC-1", "qty": 3, "status": "available"}),
            (3, {"sku": "SKU-1", "location": "DC-2", "qty": 4, "status": "damaged"}),
        ],
        [],
    ),
}


@pytest.mark.parametrize("action", ACTIONS)
def test_a_failure_midway_leaves_nothing_behind(
    db: Database, action: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stocked(db, 10)
    location(db, "DC-2")
    _supplier(db)
    context = {
        "reservation": inv.reserve_stock(db, ACTOR, inv.ReserveCommand("SKU-1", "DC-1", 1))["id"],
        "key": api_keys.create_key(db, ACTOR, "old", Role.PLANNER)[0]["id"],
    }
    before = everything(db)
    with failing_midway(monkeypatch), pytest.raises(InjectedFailure):
        ACTIONS[action](db, context)
    assert everything(db) == before
    ACTIONS[action](db, context)
    assert everything(db) != before, "the same action succeeds once the failure is gone"
