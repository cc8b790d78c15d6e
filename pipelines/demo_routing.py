"""The demo company's routing: a zone per destination country, weight-band lanes from each own
DC to its home and neighbouring countries (everything else priced by the distance default),
which nodes ship hazardous goods, and which channels may ship from where."""

from __future__ import annotations

from decimal import Decimal

from erp_core.adapters.database import Database
from erp_core.queries.routing_facts import Pricing
from erp_core.services.routing_cost_model import (
    BandCmd,
    CostModelCmd,
    LaneCmd,
    ZoneCmd,
    replace_cost_model,
)

# Country centroids, for the distance default on lanes nobody priced.
ZONES = {
    "DE": (51.16, 10.45),
    "FR": (46.60, 1.89),
    "IT": (42.50, 12.57),
    "PL": (52.07, 19.48),
    "NL": (52.13, 5.29),
    "ES": (40.46, -3.75),
    "AT": (47.52, 14.55),
}
# Own DC -> (country, transit days, price of the 1 / 5 / 20 kg bands, per kg above 20 kg).
LANES = {
    "DC-NORTH": (
        ("DE", 1, "3.90", "5.20", "8.90", "0.30"),
        ("NL", 2, "6.50", "8.40", "13.50", "0.45"),
        ("PL", 2, "6.90", "8.90", "14.20", "0.45"),
        ("AT", 2, "6.90", "8.90", "14.20", "0.45"),
    ),
    "DC-WEST": (
        ("FR", 1, "4.20", "5.60", "9.40", "0.30"),
        ("ES", 3, "7.90", "10.20", "16.80", "0.55"),
        ("DE", 2, "6.40", "8.20", "13.20", "0.45"),
        ("NL", 2, "6.80", "8.60", "13.90", "0.45"),
    ),
    "DC-SOUTH": (
        ("IT", 1, "4.10", "5.50", "9.20", "0.30"),
        ("AT", 2, "6.20", "8.00", "12.90", "0.45"),
        ("FR", 2, "6.90", "8.90", "14.10", "0.45"),
    ),
}
BAND_LIMITS_KG = (Decimal(1), Decimal(5), Decimal(20))
PARAMETERS = Pricing(
    split_penalty=Decimal("1.50"),
    default_price=Decimal("5.50"),
    default_price_per_km=Decimal("0.004"),
    default_price_per_kg=Decimal("0.40"),
    km_per_transit_day=600,
)
# Zalando takes nothing from the 3PL: its inserts and packaging come from own DCs (and the
# drop-ship vendor's own).
CHANNEL_NODES = {"ZAL": ["own_dc", "dropship_vendor"]}


def cost_model() -> CostModelCmd:
    lanes = []
    for node, rows in LANES.items():
        for country, days, light, mid, heavy, per_kg in rows:
            prices = (Decimal(light), Decimal(mid), Decimal(heavy))
            bands = [
                BandCmd(limit, price) for limit, price in zip(BAND_LIMITS_KG, prices, strict=True)
            ]
            bands.append(BandCmd(None, Decimal(heavy), Decimal(per_kg)))
            lanes.append(LaneCmd(node, country, days, bands))
    zones = [ZoneCmd(code, code, None, lat, lon) for code, (lat, lon) in ZONES.items()]
    return CostModelCmd(PARAMETERS, zones, lanes)


def load_routing(db: Database, actor: str) -> None:
    replace_cost_model(db, actor, cost_model())


def hazardous(sku: str, category: str) -> bool:
    """One electronics SKU in ten carries a battery: hazardous goods, which only DC-NORTH holds
    the permit to ship. Fixed by the SKU so no draw is added to the seeded catalogue."""
    return category == "electronics" and int(sku[-1], 36) % 10 == 0
