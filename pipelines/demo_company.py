"""The demo company's people and places: suppliers, fulfilment nodes, sales channels with
their own behaviour, customers, and the catalogue built from the generated demand.

Everything here is data plus one loader that writes it through the master-data services in a
single transaction, so the catalogue appears whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from erp_core.adapters.database import Database
from erp_core.services import master_data as md
from erp_core.services.order_policies import set_order_policy
from erp_core.services.return_policies import set_return_policy
from erp_core.services.supplier_items import add_supplier_item
from pipelines.demo_routing import CHANNEL_NODES, hazardous


@dataclass(frozen=True)
class SupplierTerms:
    code: str
    name: str
    region: str
    lead_time_mean: int
    lead_time_std: int
    # Chance that a shipment is late beyond the usual spread, and by how many days at most.
    slip_chance: float
    slip_days: int


@dataclass(frozen=True)
class ChannelBehaviour:
    code: str
    name: str
    kind: str
    unit_share: float  # share of all units sold through the channel
    price_factor: float  # channel price / list price
    fee_rate: str
    priority: int
    return_factor: float  # multiplies the category's return rate
    lines_per_order: tuple[int, int]
    units_per_line: tuple[int, int]
    window_days: int
    restocking_fee: str


SUPPLIERS = (
    SupplierTerms("ACME", "Acme Housewares Ltd", "CN", 35, 6, 0.15, 21),
    SupplierTerms("NORDIC", "Nordic Outdoor AB", "SE", 14, 3, 0.08, 10),
    SupplierTerms("BRIGHT", "Bright Electronics GmbH", "DE", 7, 2, 0.05, 7),
    SupplierTerms("CASA", "Casa Home Srl", "IT", 21, 5, 0.12, 14),
)
CATEGORY_SUPPLIER = {
    "kitchen": "ACME",
    "outdoor": "NORDIC",
    "electronics": "BRIGHT",
    "home": "CASA",
}
# Share of units sold that come back, before the channel's factor.
CATEGORY_RETURN_RATE = {"kitchen": 0.04, "outdoor": 0.07, "electronics": 0.09, "home": 0.05}
CATEGORY_COST = {"kitchen": (3, 40), "outdoor": (8, 120), "electronics": (5, 90), "home": (4, 60)}

# code, name, kind, unit share, price factor, fee, priority, return factor, lines per order,
# units per line, return window days, restocking fee.
CHANNELS = tuple(
    ChannelBehaviour(*row)
    for row in (
        ("WEB", "Own web store", "web_store", 0.40, 1.00, "0.02", 10, 1.0, (1, 4), (1, 4), 30, "0"),
        ("AMZ", "Amazon", "marketplace", 0.30, 0.95, "0.15", 20, 1.4, (1, 2), (1, 3), 30, "0"),
        ("ZAL", "Zalando", "marketplace", 0.15, 0.97, "0.12", 30, 1.8, (1, 2), (1, 2), 100, "0"),
        ("B2B", "B2B portal", "b2b_portal", 0.15, 0.80, "0", 5, 0.3, (2, 8), (6, 36), 14, "0.10"),
    )
)
LOCATIONS: tuple[dict[str, Any], ...] = (
    {
        "code": "DC-NORTH",
        "name": "Hamburg DC",
        "kind": "own_dc",
        "region": "DE",
        "latitude": 53.55,
        "longitude": 9.99,
        "daily_order_capacity": 4000,
        "handling_cost_per_order": Decimal("1.20"),
        "ships_hazardous": True,
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
        "daily_unit_capacity": 9000,
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
        # The vendor ships its own battery goods under its own permit.
        "ships_hazardous": True,
    },
)
CATEGORY_HOME = {
    "kitchen": "DC-NORTH",
    "outdoor": "DC-WEST",
    "electronics": "DC-NORTH",
    "home": "DC-SOUTH",
}
SECOND_NODE = "3PL-EAST"
DROPSHIP_NODE = "DS-BRIGHT"
REGIONS = ("DE", "FR", "IT", "PL", "NL", "ES", "AT")


@dataclass(frozen=True)
class Catalogue:
    """What the replay needs to know about each SKU, row for row with the demand's SKUs."""

    skus: pd.DataFrame  # sku, category, supplier, unit_cost, list_price, nodes (tuple of codes)
    customers: pd.DataFrame  # code, region, b2b


def build_catalogue(demand_skus: pd.DataFrame, customers: int, seed: int) -> Catalogue:
    """Prices, costs, supplier terms and stocking nodes for the generated SKUs: fast movers
    are also stocked at the 3PL; a third of the electronics ship from the vendor (drop-ship)."""
    rng = np.random.default_rng(seed)
    rows = []
    volume_rank = demand_skus["base_rate"].rank(ascending=False, pct=True)
    for index, sku in demand_skus.iterrows():
        low, high = CATEGORY_COST[sku["category"]]
        cost = Decimal(str(round(float(rng.uniform(low, high)), 2)))
        markup = Decimal(str(rng.choice([1.8, 2.2, 2.6])))
        if sku["category"] == "electronics" and rng.random() < 1 / 3:
            nodes: tuple[str, ...] = (DROPSHIP_NODE,)
        elif volume_rank[index] <= 0.2:
            nodes = (CATEGORY_HOME[sku["category"]], SECOND_NODE)
        else:
            nodes = (CATEGORY_HOME[sku["category"]],)
        rows.append(
            {
                "sku": sku["sku"],
                "category": sku["category"],
                "supplier": CATEGORY_SUPPLIER[sku["category"]],
                "unit_cost": cost,
                "list_price": (cost * markup).quantize(Decimal("0.01")),
                "weight_kg": Decimal(int(rng.integers(50, 4000))) / 1000,
                "moq": int(rng.choice([1, 6, 12, 24])),
                "pack_size": int(rng.choice([1, 1, 6, 12])),
                "nodes": nodes,
            }
        )
    people = pd.DataFrame(
        {
            "code": [f"C{n:05d}" for n in range(customers)],
            "region": rng.choice(
                REGIONS, size=customers, p=[0.35, 0.2, 0.15, 0.1, 0.1, 0.05, 0.05]
            ),
            "b2b": rng.random(customers) < 0.05,
        }
    )
    return Catalogue(pd.DataFrame(rows), people)


def load_company(db: Database, actor: str, catalogue: Catalogue) -> None:
    """Write the master data in one transaction, then each channel's order and return policy."""

    def work(session: Any) -> None:
        for supplier in SUPPLIERS:
            md.add_record(
                session,
                actor,
                md.SUPPLIERS,
                {"code": supplier.code, "name": supplier.name, "region": supplier.region},
            )
        for location in LOCATIONS:
            md.add_record(session, actor, md.LOCATIONS, dict(location))
        for channel in CHANNELS:
            md.add_record(
                session,
                actor,
                md.CHANNELS,
                {
                    "code": channel.code,
                    "name": channel.name,
                    "kind": channel.kind,
                    "fee_rate": Decimal(channel.fee_rate),
                    "allocation_priority": channel.priority,
                    "ship_from_kinds": CHANNEL_NODES.get(channel.code, []),
                },
            )
        for person in catalogue.customers.itertuples():
            kind = "Company" if person.b2b else "Customer"
            md.add_record(
                session,
                actor,
                md.CUSTOMERS,
                {
                    "code": person.code,
                    "name": f"{kind} {person.code}",
                    "email": f"{person.code.lower()}@mail.example",
                    "region": person.region,
                },
            )
        for item in catalogue.skus.itertuples():
            md.add_record(session, actor, md.ITEMS, _item(item))
            add_supplier_item(session, actor, item.supplier, _terms(item))

    db.transact(work)
    for channel in CHANNELS:
        set_order_policy(
            db,
            actor,
            channel.code,
            {
                "max_order_value": Decimal(5000) if channel.code != "B2B" else Decimal(50000),
                "margin_floor": Decimal("0.05"),
            },
        )
        set_return_policy(
            db, actor, channel.code, channel.window_days, Decimal(channel.restocking_fee)
        )


def supplier(code: str) -> SupplierTerms:
    return next(s for s in SUPPLIERS if s.code == code)


def _item(item: Any) -> dict[str, Any]:
    return {
        "sku": item.sku,
        "name": f"{item.category.title()} item {item.sku[-5:]}",
        "category": item.category,
        "unit_cost": item.unit_cost,
        "list_price": item.list_price,
        "weight_kg": item.weight_kg,
        "hazardous": hazardous(item.sku, item.category),
        "dropship_location": DROPSHIP_NODE if item.nodes == (DROPSHIP_NODE,) else None,
    }


def _terms(item: Any) -> dict[str, Any]:
    terms = supplier(item.supplier)
    return {
        "sku": item.sku,
        "unit_cost": item.unit_cost,
        "lead_time_days_mean": Decimal(terms.lead_time_mean),
        "lead_time_days_std": Decimal(terms.lead_time_std),
        "moq": item.moq,
        "pack_size": item.pack_size,
    }
