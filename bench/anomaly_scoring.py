"""Order anomaly benchmark (issue 9):

1. quality at a 1% hold budget on generated orders with injected anomalies (value spikes,
   deep discounts, velocity bursts, address mismatches): precision and recall of the model
   (IsolationForest + rules) against the rules alone;
2. training time on 100,000 orders: features, then the fit;
3. scoring latency per order in-process: the fitted scorer on one order's features, and the
   whole live path capture runs (history reads on SQLite, features, model) against a shop of
   a few thousand orders with a champion trained and registered in a local MLflow store.

It prints figures and asserts nothing. Target: p99 < 5 ms per order in-process.

    .venv/bin/python bench/anomaly_scoring.py [--orders 100000] [--live-orders 4000]

Not `bench/anomaly.py`, the name the issue gave: Python puts a script's own folder first on
the import path, so a file of that name would stand in for the `anomaly` package in every
benchmark here.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from support import console, percentiles, results_grid

from anomaly.order_features import order_features
from anomaly.order_scorer import OrderScorer
from anomaly.synthetic_orders import scenario
from erp_core.adapters.database import Database
from erp_core.adapters.migrations import upgrade
from erp_core.clock import replaying_at
from erp_core.domain.orders import PaymentStatus
from erp_core.services import master_data as md
from erp_core.services.anomaly_scoring import ScoringOrder, address_key
from erp_core.services.order_commands import CustomerCommand, LineCommand, OrderCommand
from erp_core.services.orders import capture_batch
from erp_core.settings import Settings
from pipelines.order_anomaly_scorer import LiveOrderScorer
from pipelines.order_anomaly_training import train_order_model

HOLD_RATE = 0.01
SAMPLES = 1000
ACTOR = "bench"


def quality() -> dict[str, tuple[float, float, float]]:
    """(precision, recall, hold rate) per scorer on 15,000 history + 10,000 recent orders."""
    history, orders, kinds = scenario(42, 15_000, 10_000)
    features = order_features(orders, history)
    scorer = OrderScorer(hold_rate=HOLD_RATE).fit(features)
    anomalous = kinds.reindex(features.index) != ""
    rules = scorer.rules_only(features)
    model = scorer.score(features)
    same_count = model["score"].rank(ascending=False, method="first") <= rules["hold"].sum()
    figures = {}
    for name, held in (
        ("model + rules", model["hold"]),
        ("rules only", rules["hold"]),
        ("model + rules, as many holds as the rules", same_count),
    ):
        caught = float((held & anomalous).sum())
        figures[name] = (caught / max(held.sum(), 1), caught / anomalous.sum(), float(held.mean()))
    return figures


def training(orders: int) -> tuple[float, float, OrderScorer, pd.DataFrame]:
    """Seconds to build features and to fit on `orders` recent orders."""
    history, recent, _ = scenario(7, orders // 2, orders)
    started = time.perf_counter()
    features = order_features(recent, history)
    built = time.perf_counter() - started
    started = time.perf_counter()
    scorer = OrderScorer(hold_rate=HOLD_RATE).fit(features)
    return built, time.perf_counter() - started, scorer, features


def model_latency(scorer: OrderScorer, features: pd.DataFrame) -> list[float]:
    rng = np.random.default_rng(3)
    samples = []
    for position in rng.integers(0, len(features), SAMPLES):
        one = features.iloc[[int(position)]]
        started = time.perf_counter()
        scorer.score(one)
        samples.append(time.perf_counter() - started)
    return samples


def live_latency(orders: int, folder: Path) -> tuple[list[float], float]:
    """Per-order seconds of the live scorer against a shop of `orders` captured orders, and
    the seconds `train_order_model` took on them (through the database and MLflow)."""
    url = f"sqlite:///{folder / 'keel.db'}"
    upgrade(url)
    settings = Settings(
        database_url=url,
        mlflow_tracking_uri=f"sqlite:///{folder / 'mlflow.db'}",
        anomaly_model_refresh_seconds=3600,
    )
    db = Database(settings)
    rng = np.random.default_rng(11)
    skus = _shop(db)
    start = datetime(2026, 8, 1, tzinfo=UTC)
    moments = np.sort(rng.uniform(0, 30 * 86400, orders))
    for day in range(30):
        today = [m for m in moments if day * 86400 <= m < (day + 1) * 86400]
        cmds = [_order(rng, skus, f"B{day}-{k}") for k in range(len(today))]
        with replaying_at(start + timedelta(days=day, hours=23)):
            capture_batch(db, ACTOR, "WEB", cmds)
    started = time.perf_counter()
    train_order_model(db, settings)
    trained = time.perf_counter() - started
    scorer = LiveOrderScorer.from_settings(settings)
    now = start + timedelta(days=30, hours=12)
    samples = []
    for k in range(SAMPLES // 2):
        cmd = _order(rng, skus, f"LIVE-{k}")
        order = _scoring_order(cmd, skus, now + timedelta(seconds=k))
        started = time.perf_counter()
        db.read(lambda session, order=order: scorer.score(session, [order]))
        samples.append(time.perf_counter() - started)
    db.dispose()
    return samples, trained


def _shop(db: Database) -> dict[str, Decimal]:
    md.create_record(db, ACTOR, md.CHANNELS, {"code": "WEB", "name": "Web", "kind": "web_store"})
    prices = {f"S{i}": Decimal(5 + 3 * i) for i in range(40)}
    for sku, price in prices.items():
        md.create_record(
            db, ACTOR, md.ITEMS, {"sku": sku, "name": sku, "unit_cost": str(price * Decimal("0.6"))}
        )
    return prices


def _order(rng: np.random.Generator, skus: dict[str, Decimal], external_id: str) -> OrderCommand:
    customer = int(rng.integers(0, 800))
    picks = rng.choice(list(skus), int(rng.integers(1, 4)), replace=False)
    return OrderCommand(
        channel="WEB",
        external_id=external_id,
        lines=tuple(LineCommand(str(s), int(rng.integers(1, 3)), skus[str(s)]) for s in picks),
        ship_to={
            "name": "x",
            "line1": f"{customer} Long Road",
            "postcode": f"{30000 + customer}",
            "city": "y",
            "country": "DE",
        },
        shipping_method="standard",
        payment_status=PaymentStatus.CAPTURED,
        customer=CustomerCommand(f"C{customer}", f"Customer {customer}", region="DE"),
    )


def _scoring_order(cmd: OrderCommand, skus: dict[str, Decimal], at: datetime) -> ScoringOrder:
    """The order as capture hands it to the scorer (a known customer id is looked up by
    capture; here the customer code's number stands in for it)."""
    goods = sum(line.unit_price * line.qty for line in cmd.lines)
    assert cmd.customer is not None
    return ScoringOrder(
        channel=cmd.channel,
        customer_id=int(cmd.customer.code[1:]) + 1,
        customer_region="DE",
        address_key=address_key(cmd.ship_to),
        ship_region="DE",
        created_at=at,
        value=float(goods),
        discount=0.0,
        cost=float(goods) * 0.6,
        lines=tuple((line.sku, line.qty) for line in cmd.lines),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--live-orders", type=int, default=4_000)
    args = parser.parse_args()
    started = time.perf_counter()
    table = results_grid(
        "Order anomaly scoring", f"hold budget {HOLD_RATE:.0%}", ["figure", "value"]
    )
    for name, (precision, recall, held) in quality().items():
        table.add_row(
            f"{name}: precision / recall / hold rate",
            f"{precision:.2f} / {recall:.2f} / {held:.2%}",
        )
    built, fitted, scorer, features = training(args.orders)
    table.add_row(f"features of {args.orders:,} orders", f"{built:.1f} s")
    table.add_row(f"fit on {args.orders:,} orders", f"{fitted:.1f} s")
    model = percentiles(model_latency(scorer, features))
    table.add_row(
        "scorer, one order's features: p50 / p99", f"{model.p50_ms:.2f} / {model.p99_ms:.2f} ms"
    )
    with tempfile.TemporaryDirectory(prefix="keel-bench-anomaly") as folder:
        samples, trained = live_latency(args.live_orders, Path(folder))
    whole = percentiles(samples)
    table.add_row(
        f"live path on SQLite ({args.live_orders:,} orders): p50 / p99",
        f"{whole.p50_ms:.2f} / {whole.p99_ms:.2f} ms",
    )
    table.add_row(f"train_order_model on {args.live_orders:,} stored orders", f"{trained:.1f} s")
    console.print(table)
    console.print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
