"""A small company to route for: two own DCs (one permitted to ship hazardous goods), a 3PL
with little unit capacity, a drop-ship vendor; a web store, a marketplace that ships only from
own DCs, and a B2B portal whose orders ship complete; a cost model with priced lanes to Berlin
and the distance default everywhere else."""

from __future__ import annotations

from decimal import Decimal

from erp_core.adapters.database import Database
from erp_core.domain.stock import StockStatus
from erp_core.queries.routing_facts import Pricing
from erp_core.services import master_data as md
from erp_core.services.inventory import MoveCommand, move_stock
from erp_core.services.routing_cost_model import (
    BandCmd,
    CostModelCmd,
    LaneCmd,
    ZoneCmd,
    replace_cost_model,
)
from tests.factories import ACTOR, item, location

BERLIN = {"name": "A", "line1": "1 Way", "city": "Berlin", "postcode": "10115", "country": "DE"}
MUNICH = {"name": "B", "line1": "2 Way", "city": "Munich", "postcode": "80331", "country": "DE"}

PARAMETERS = Pricing(
    split_penalty=Decimal("1.50"),
    default_price=Decimal("4.00"),
    default_price_per_km=Decimal("0.01"),
    default_price_per_kg=Decimal("0.30"),
    km_per_transit_day=500,
)


def _bands(*prices: str) -> list[BandCmd]:
    light, mid, heavy = (Decimal(p) for p in prices)
    return [
        BandCmd(Decimal("1"), light),
        BandCmd(Decimal("5"), mid),
        BandCmd(None, heavy, Decimal("0.25")),
    ]


def routing_company(db: Database) -> Database:
    for code, kind, lat, lon, per_order, extra in (
        ("DC-BER", "own_dc", 52.52, 13.40, "1.00", {"ships_hazardous": True}),
        ("DC-MUC", "own_dc", 48.14, 11.58, "0.80", {}),
        ("3PL-POZ", "3pl", 52.41, 16.93, "0.50", {"daily_unit_capacity": 3}),
        ("DS-VEND", "dropship_vendor", 50.11, 8.68, "2.00", {}),
    ):
        location(
            db,
            code,
            kind=kind,
            latitude=lat,
            longitude=lon,
            handling_cost_per_order=Decimal(per_order),
            handling_cost_per_unit=Decimal("0.10"),
            **extra,
        )
    item(db, "A", weight_kg=Decimal("0.4"))
    item(db, "B", weight_kg=Decimal("2.0"))
    item(db, "HAZ", weight_kg=Decimal("0.5"), hazardous=True)
    item(db, "DROP", weight_kg=Decimal("1.0"), dropship_location="DS-VEND")
    for code, kind, extra in (
        ("WEB", "web_store", {}),
        ("MKT", "marketplace", {"ship_from_kinds": ["own_dc"]}),
        ("B2B", "b2b_portal", {"ship_complete": True}),
    ):
        md.create_record(
            db, ACTOR, md.CHANNELS, {"code": code, "name": code, "kind": kind, **extra}
        )
    for sku, code, qty in (
        ("A", "DC-BER", 2),
        ("A", "DC-MUC", 10),
        ("A", "3PL-POZ", 10),
        ("B", "DC-MUC", 5),
        ("B", "3PL-POZ", 5),
        ("HAZ", "DC-BER", 5),
        ("HAZ", "DC-MUC", 5),
        ("DROP", "DS-VEND", 50),
    ):
        move_stock(db, ACTOR, MoveCommand(sku, code, qty, StockStatus.AVAILABLE))
    replace_cost_model(db, ACTOR, cost_model())
    return db


def cost_model() -> CostModelCmd:
    return CostModelCmd(
        parameters=PARAMETERS,
        zones=[
            ZoneCmd("DE-BER", "DE", "1", 52.52, 13.40),
            ZoneCmd("DE", "DE", None, 51.16, 10.45),
        ],
        lanes=[
            LaneCmd("DC-BER", "DE-BER", 1, _bands("3.00", "4.50", "7.00")),
            LaneCmd("DC-MUC", "DE-BER", 2, _bands("3.50", "5.00", "8.00")),
            LaneCmd("DC-MUC", "DE", 1, _bands("3.20", "4.80", "7.50")),
        ],
    )
