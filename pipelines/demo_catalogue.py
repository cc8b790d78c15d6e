"""A small demo company loaded through the real services: suppliers, locations, channels,
customers, items with supplier terms, and opening stock. Deterministic for a given seed."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from erp_core.adapters.database import Database
from erp_core.domain.stock import StockStatus
from erp_core.queries.master import list_records
from erp_core.services import master_data as md
from erp_core.services.inventory import MoveCommand, move_stock
from erp_core.services.supplier_items import create_supplier_item

Progress = Callable[[str, int], None]

SUPPLIERS = [
    {"code": "ACME", "name": "Acme Housewares Ltd", "region": "CN", "email": "orders@acme.example"},
    {
        "code": "NORDIC",
        "name": "Nordic Outdoor AB",
        "region": "SE",
        "email": "sales@nordic.example",
    },
    {
        "code": "BRIGHT",
        "name": "Bright Electronics GmbH",
        "region": "DE",
        "email": "b2b@bright.example",
    },
]
LOCATIONS = [
    {
        "code": "DC-NORTH",
        "name": "Hamburg DC",
        "kind": "own_dc",
        "region": "DE",
        "latitude": 53.55,
        "longitude": 9.99,
        "daily_order_capacity": 4000,
        "handling_cost_per_order": Decimal("1.20"),
        "handling_cost_per_unit": Decimal("0.15"),
    },
    {
        "code": "DC-WEST",
        "name": "Lyon DC",
        "kind": "own_dc",
        "region": "FR",
        "latitude": 45.76,
        "longitude": 4.84,
        "daily_order_capacity": 2500,
        "handling_cost_per_order": Decimal("1.35"),
        "handling_cost_per_unit": Decimal("0.18"),
    },
    {
        "code": "DC-SOUTH",
        "name": "Milan DC",
        "kind": "own_dc",
        "region": "IT",
        "latitude": 45.46,
        "longitude": 9.19,
        "daily_order_capacity": 1800,
        "handling_cost_per_order": Decimal("1.40"),
        "handling_cost_per_unit": Decimal("0.20"),
    },
    {
        "code": "3PL-EAST",
        "name": "Poznan 3PL",
        "kind": "3pl",
        "region": "PL",
        "latitude": 52.41,
        "longitude": 16.93,
        "daily_order_capacity": 3000,
        "handling_cost_per_order": Decimal("2.10"),
        "handling_cost_per_unit": Decimal("0.25"),
    },
    {
        "code": "DS-BRIGHT",
        "name": "Bright drop-ship",
        "kind": "dropship_vendor",
        "region": "DE",
        "latitude": 48.14,
        "longitude": 11.58,
        "handling_cost_per_order": Decimal("3.50"),
    },
]
CHANNELS = [
    {
        "code": "WEB",
        "name": "Own web store",
        "kind": "web_store",
        "fee_rate": Decimal("0.02"),
        "allocation_priority": 10,
    },
    {
        "code": "AMZ",
        "name": "Amazon marketplace",
        "kind": "marketplace",
        "fee_rate": Decimal("0.15"),
        "allocation_priority": 20,
    },
    {
        "code": "ZAL",
        "name": "Zalando marketplace",
        "kind": "marketplace",
        "fee_rate": Decimal("0.12"),
        "allocation_priority": 30,
    },
    {
        "code": "B2B",
        "name": "B2B portal",
        "kind": "b2b_portal",
        "fee_rate": Decimal("0"),
        "allocation_priority": 5,
    },
    {
        "code": "CS",
        "name": "Customer service",
        "kind": "customer_service",
        "fee_rate": Decimal("0"),
        "allocation_priority": 15,
    },
]
CATEGORIES = {
    "kitchen": ("ACME", ["Chef knife", "Cutting board", "Saucepan", "Colander", "Whisk"]),
    "outdoor": ("NORDIC", ["Tent", "Sleeping bag", "Headlamp", "Trekking pole", "Water bottle"]),
    "electronics": ("BRIGHT", ["USB-C charger", "Power bank", "Earbuds", "Smart plug", "Cable"]),
}
REGIONS = ["DE", "FR", "IT", "PL", "NL", "ES", "AT"]


CUSTOMER_COUNT = 40
SIZES = ("S", "M", "L", "XL")


def demo_size() -> int:
    """How many records the demo loads, for a progress bar."""
    items = sum(len(names) for _, names in CATEGORIES.values()) * len(SIZES)
    return len(SUPPLIERS) + len(LOCATIONS) + len(CHANNELS) + CUSTOMER_COUNT + items


def catalogue_is_loaded(db: Database) -> bool:
    return bool(list_records(db, md.ITEMS, {}, None, None, 1).data)


def seed_demo_catalogue(db: Database, actor: str, progress: Progress, seed: int = 7) -> int:
    """Load the demo company; returns the number of items. Call only on an empty catalogue."""
    rng = random.Random(seed)
    for kind, records in (
        (md.SUPPLIERS, SUPPLIERS),
        (md.LOCATIONS, LOCATIONS),
        (md.CHANNELS, CHANNELS),
    ):
        for values in records:
            md.create_record(db, actor, kind, values)
        progress(f"{kind.entity}s", len(records))
    for n in range(CUSTOMER_COUNT):
        md.create_record(
            db,
            actor,
            md.CUSTOMERS,
            {
                "code": f"C{n:04d}",
                "name": f"Customer {n}",
                "email": f"customer{n}@mail.example",
                "region": rng.choice(REGIONS),
            },
        )
    progress("customers", CUSTOMER_COUNT)
    items = [
        _item(category, supplier, name, size, rng)
        for category, (supplier, names) in CATEGORIES.items()
        for name in names
        for size in SIZES
    ]
    for item, supplier in items:
        md.create_record(db, actor, md.ITEMS, item)
        create_supplier_item(db, actor, supplier, _terms(item, rng))
        for location in LOCATIONS[:4]:
            qty = rng.choice([0, 0, 5, 20, 60, 150])
            if qty:
                move_stock(
                    db,
                    actor,
                    MoveCommand(
                        item["sku"],
                        str(location["code"]),
                        qty,
                        StockStatus.AVAILABLE,
                        None,
                        "opening_balance",
                        "demo",
                    ),
                )
        progress("items", 1)
    return len(items)


def _item(
    category: str, supplier: str, name: str, size: str, rng: random.Random
) -> tuple[dict[str, Any], str]:
    cost = Decimal(rng.randint(200, 8000)) / 100
    return {
        "sku": f"{category[:3].upper()}-{name.replace(' ', '').upper()[:8]}-{size}",
        "name": f"{name} {size}",
        "category": category,
        "unit_cost": cost,
        "list_price": (cost * Decimal(rng.choice(["1.8", "2.2", "2.6"]))).quantize(Decimal("0.01")),
        "weight_kg": Decimal(rng.randint(50, 4000)) / 1000,
        "hazardous": name == "Power bank",
        "restricted_regions": ["US"] if name == "Power bank" else [],
    }, supplier


def _terms(item: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    return {
        "sku": item["sku"],
        "unit_cost": item["unit_cost"],
        "lead_time_days_mean": Decimal(rng.choice([7, 14, 21, 35])),
        "lead_time_days_std": Decimal(rng.choice([1, 2, 4, 7])),
        "moq": rng.choice([1, 10, 50]),
        "pack_size": rng.choice([1, 6, 12]),
    }
