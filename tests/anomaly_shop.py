"""A small web shop with a few hundred orders over three weeks, some planted anomalies among
them, captured through the real capture service at their own moments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np

from erp_core.adapters.database import Database
from erp_core.clock import replaying_at
from erp_core.domain.orders import PaymentStatus
from erp_core.services import master_data as md
from erp_core.services.anomaly_scoring import OrderScorer
from erp_core.services.injected_anomalies import PlantedOrder, record_injected
from erp_core.services.order_commands import CustomerCommand, LineCommand, OrderCommand
from erp_core.services.order_intake import Outcome
from erp_core.services.orders import capture_batch
from tests.factories import ACTOR, location

START = datetime(2026, 9, 1, tzinfo=UTC)
SKUS = {f"A-{i}": Decimal(10 + 7 * i) for i in range(6)}  # price; cost is 55% of it
COUNTRIES = ("DE", "FR", "NL")
CUSTOMERS = 60


def open_shop(db: Database) -> None:
    location(db)
    for sku, price in SKUS.items():
        md.create_record(
            db,
            ACTOR,
            md.ITEMS,
            {"sku": sku, "name": sku, "unit_cost": str(price * Decimal("0.55"))},
        )
    md.create_record(db, ACTOR, md.CHANNELS, {"code": "WEB", "name": "Web", "kind": "web_store"})


def address(customer: int, country: str) -> dict[str, str | None]:
    return {
        "name": f"Customer {customer}",
        "line1": f"{customer} Market Street",
        "city": "Town",
        "postcode": f"{20000 + customer}",
        "country": country,
    }


def order(
    external_id: str,
    customer: int,
    lines: list[tuple[str, int]],
    country: str | None = None,
    discount_rate: float = 0.0,
    ship_to: dict[str, str | None] | None = None,
) -> OrderCommand:
    home = COUNTRIES[customer % len(COUNTRIES)]
    return OrderCommand(
        channel="WEB",
        external_id=external_id,
        lines=tuple(
            LineCommand(
                sku,
                qty,
                SKUS[sku],
                discount=(SKUS[sku] * qty * Decimal(str(discount_rate))).quantize(Decimal("0.01")),
            )
            for sku, qty in lines
        ),
        ship_to=ship_to or address(customer, country or home),
        shipping_method="standard",
        payment_status=PaymentStatus.CAPTURED,
        customer=CustomerCommand(f"C{customer}", f"Customer {customer}", region=home),
    )


def normal_orders(rng: np.random.Generator, n: int, start: datetime, days: int, prefix: str):
    """(moment, command) of ordinary orders: each customer buys one or two of a few SKUs."""
    moments = sorted(start + timedelta(seconds=float(s)) for s in rng.uniform(0, days * 86400, n))
    skus = list(SKUS)
    timed = []
    for k, moment in enumerate(moments):
        customer = int(rng.integers(0, CUSTOMERS))
        picks = rng.choice(len(skus), int(rng.integers(1, 3)), replace=False)
        lines = [(skus[p], int(rng.integers(1, 3))) for p in picks]
        timed.append((moment, order(f"{prefix}{k}", customer, lines)))
    return timed


def planted_orders(start: datetime) -> list[tuple[datetime, OrderCommand, str]]:
    """Value spikes, a velocity burst to one drop address, and deep discounts."""
    planted = []
    for k in range(4):
        moment = start + timedelta(days=2 * k, hours=10)
        planted.append((moment, order(f"SPIKE-{k}", k, [("A-5", 40)]), "value_spike"))
    drop = {
        "name": "X",
        "line1": "9 Drop Lane",
        "city": "Town",
        "postcode": "99999",
        "country": "DE",
    }
    for k in range(5):
        moment = start + timedelta(days=3, hours=15, minutes=6 * k)
        cmd = order(f"BURST-{k}", 100 + k, [("A-4", 2)], ship_to=drop)
        planted.append((moment, cmd, "velocity_burst"))
    for k in range(3):
        moment = start + timedelta(days=4 + k, hours=12)
        cmd = order(f"DEEP-{k}", 10 + k, [("A-3", 2)], discount_rate=0.6)
        planted.append((moment, cmd, "deep_discount"))
    return planted


def capture_at(
    db: Database, timed: list[tuple[datetime, OrderCommand]], scorer: OrderScorer | None
) -> list[Outcome]:
    """Each order captured at its own moment, one by one, oldest first."""
    outcomes = []
    for moment, cmd in sorted(timed, key=lambda pair: pair[0]):
        with replaying_at(moment):
            [outcome] = capture_batch(db, "test:channel", cmd.channel, [cmd], scorer)
        assert isinstance(outcome, Outcome), outcome
        outcomes.append(outcome)
    return outcomes


def history_with_planted(db: Database, scorer: OrderScorer | None = None) -> None:
    """300 ordinary orders over three weeks and 12 planted ones in the third week, labelled."""
    rng = np.random.default_rng(5)
    timed = normal_orders(rng, 300, START, 21, "H")
    planted = planted_orders(START + timedelta(days=14))
    capture_at(db, timed + [(moment, cmd) for moment, cmd, _ in planted], scorer)
    record_injected(db, [PlantedOrder("WEB", cmd.external_id, kind) for _, cmd, kind in planted])
