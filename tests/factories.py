"""Small helpers that put master data in place through the real services."""

from __future__ import annotations

from erp_core.adapters.database import Database
from erp_core.domain.stock import StockStatus
from erp_core.services import master_data as md
from erp_core.services.inventory import MoveCommand, move_stock

ACTOR = "test"


def item(db: Database, sku: str = "SKU-1", **extra: object) -> str:
    md.create_record(db, ACTOR, md.ITEMS, {"sku": sku, "name": f"Item {sku}", **extra})
    return sku


def location(db: Database, code: str = "DC-1", **extra: object) -> str:
    values = {"code": code, "name": f"Location {code}", "kind": "own_dc", "region": "DE"}
    md.create_record(db, ACTOR, md.LOCATIONS, {**values, **extra})
    return code


def stocked(db: Database, qty: int, sku: str = "SKU-1", code: str = "DC-1") -> tuple[str, str]:
    """An item at a location with `qty` free units on the shelf."""
    item(db, sku)
    location(db, code)
    move_stock(db, ACTOR, MoveCommand(sku, code, qty, StockStatus.AVAILABLE))
    return sku, code
