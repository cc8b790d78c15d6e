"""KPI benchmark: p50/p95 latency of every KPI endpoint, over HTTP, on a company of --scale SKUs.

The company is bench/replenishment_company.py's (--scale SKUs x 3 own DCs, 120 days of order
history bulk-loaded, opening stock, a forecast run), plus --orders live orders captured,
released and shipped through the services over the last 30 days, a share of them returned and
refunded, so invoices, credit notes and the journal hold real figures. Its build time is
printed apart: it is not the benchmark.

Each KPI of the catalog is asked --samples times over the last 30 days, ungrouped and by each
grouping it allows (GET /v1/kpis/{view}/{name}?start=&end=&group_by=), through uvicorn on a
local port. Target (issue 10): p95 under 500 ms each on SQLite.

    .venv/bin/python bench/kpis.py [--backend sqlite|postgres|all] [--scale 20000]
        [--orders 1500] [--samples 10] [--pg-url URL]

SQLite (a temporary file) by default; PostgreSQL as in the other benchmarks, in its own
database `keel_bench_kpis`.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import numpy as np
import support
from replenishment_company import CompanyShape, build_company
from rich.table import Table
from sqlalchemy import select
from support import ACTOR, log

from erp_core.adapters.database import Database
from erp_core.adapters.tables import Channel, Item
from erp_core.clock import replaying_at
from erp_core.domain.access import Role
from erp_core.domain.errors import DomainError
from erp_core.domain.orders import PaymentStatus
from erp_core.domain.returns import Condition, Disposition, ReturnReason
from erp_core.queries.kpi_catalog import KPIS
from erp_core.services import api_keys, fulfillment
from erp_core.services import orders as capture
from erp_core.services.dispositions import DisposeLine, dispose_units
from erp_core.services.order_commands import CustomerCommand, LineCommand, OrderCommand
from erp_core.services.refunds import request_refund
from erp_core.services.release import release_order
from erp_core.services.return_receiving import InspectLine, inspect_return, receive_return
from erp_core.services.returns import AuthorizeCommand, LineQty, authorize_return
from pipelines.routing_orders import OptimalRouter

BENCH_DATABASE = "keel_bench_kpis"
TARGET_MS = 500.0
RANGE_DAYS = 30
RETURN_SHARE = 0.05
ADDRESS = {"name": "B", "line1": "1 Way", "city": "Berlin", "postcode": "10115", "country": "DE"}


@dataclass
class Timing:
    kpi: str
    group_by: str
    p50_ms: float
    p95_ms: float


@dataclass
class Result:
    backend: str
    skus: int
    live_orders: int
    build_s: float
    timings: list[Timing] = field(default_factory=list)


def main(argv: Sequence[str] | None = None) -> None:
    args = support.parse_args(__doc__, BENCH_DATABASE, _own_options, argv)
    support.run_benchmark(
        args.backend,
        args.pg_url,
        BENCH_DATABASE,
        lambda name, url: _bench(name, url, args.scale, args.orders, args.samples),
        _table,
    )


def _own_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", type=int, default=20_000, help="SKUs (x 3 DCs)")
    parser.add_argument("--orders", type=int, default=1500, help="live orders shipped")
    parser.add_argument("--samples", type=int, default=10, help="requests per KPI and grouping")


def _bench(backend: str, url: str, skus: int, orders: int, samples: int) -> Result:
    today = datetime.now(UTC).date()
    with support.database_and_app(url) as (db, app):
        started = time.perf_counter()
        build_company(db, CompanyShape(skus=skus, planning_date=today))
        shipped = _live_orders(db, orders, today)
        result = Result(backend, skus, shipped, time.perf_counter() - started)
        _, key = api_keys.create_key(db, ACTOR, "bench-admin", Role.ADMIN)
        with support.serve(app) as base, httpx.Client(base_url=base, timeout=120) as client:
            client.headers["X-API-Key"] = key
            start = today - timedelta(days=RANGE_DAYS - 1)
            for kpi in KPIS:
                for grouping in [None, *sorted(kpi.groupings)]:
                    result.timings.append(
                        _time(client, kpi.view, kpi.name, grouping, start, today, samples)
                    )
    return result


def _time(
    client: httpx.Client,
    view: str,
    name: str,
    grouping: str | None,
    start: date,
    end: date,
    samples: int,
) -> Timing:
    params = {"start": start.isoformat(), "end": end.isoformat()}
    if grouping:
        params["group_by"] = grouping
    client.get(f"/v1/kpis/{view}/{name}", params=params)  # warm the statement caches
    took = []
    for _ in range(samples):
        began = time.perf_counter()
        reply = client.get(f"/v1/kpis/{view}/{name}", params=params)
        took.append((time.perf_counter() - began) * 1000)
        reply.raise_for_status()
    p50, p95 = np.percentile(took, [50, 95])
    log.info("%s/%s by %s: p95 %.0f ms", view, name, grouping or "-", p95)
    return Timing(f"{view}/{name}", grouping or "-", float(p50), float(p95))


def _live_orders(db: Database, count: int, today: date) -> int:
    """Orders over the last RANGE_DAYS days, each released and shipped at once; every
    1/RETURN_SHARE-th comes back, is restocked and refunded. Orders the router cannot fill
    from stock are left as they are."""
    rng = np.random.default_rng(11)
    skus = db.read(lambda s: list(s.execute(select(Item.sku, Item.list_price).order_by(Item.id))))
    channels = db.read(lambda s: list(s.scalars(select(Channel.code).order_by(Channel.id))))
    router = OptimalRouter(time_limit=1.0)
    first = datetime(today.year, today.month, today.day, 8, tzinfo=UTC) - timedelta(days=RANGE_DAYS)
    shipped = 0
    for n in range(count):
        moment = first + timedelta(minutes=int(n * RANGE_DAYS * 24 * 60 / count))
        sku, price = skus[int(rng.integers(len(skus)))]
        cmd = OrderCommand(
            channel=channels[n % len(channels)],
            external_id=f"LIVE-{n}",
            lines=(LineCommand(sku, int(rng.integers(1, 3)), price or Decimal("19.90")),),
            # A customer and street each: repeat orders to one address would be held as
            # anomalies, and held orders do not ship.
            customer=CustomerCommand(f"C-{n}", f"Customer {n}"),
            ship_to={**ADDRESS, "line1": f"{n} Way"},
            shipping_method="standard",
            payment_status=PaymentStatus.CAPTURED,
            shipping=Decimal("4.90"),
        )
        try:
            with replaying_at(moment):
                order_id = int(
                    capture.capture_order(db, ACTOR, cmd, lambda _, i: {"id": i}).body["id"]
                )
                allocated = release_order(db, ACTOR, order_id, router)
            location = _allocated_location(allocated, cmd.lines[0].qty)
            if location is None:
                continue
            with replaying_at(moment + timedelta(hours=6)):
                ship = fulfillment.ShipLine(1, cmd.lines[0].qty)
                fulfillment.ship_order(
                    db, ACTOR, order_id, fulfillment.ShipCommand(location, "DHL", (ship,))
                )
            shipped += 1
            if n % round(1 / RETURN_SHARE) == 0:
                _return(db, order_id, moment + timedelta(days=2))
        except DomainError as refused:
            log.debug("live order %s left: %s", n, refused)
    log.info("live orders: %d of %d shipped", shipped, count)
    return shipped


def _allocated_location(order: dict[str, Any], qty: int) -> str | None:
    """The one location holding all the order's units, if it was allocated whole there."""
    active = [a for a in order["allocations"] if a["status"] == "active"]
    places = {a["location"] for a in active}
    whole = sum(a["qty"] for a in active) == qty
    return places.pop() if whole and len(places) == 1 else None


def _return(db: Database, order_id: int, moment: datetime) -> None:
    with replaying_at(moment):
        command = AuthorizeCommand(order_id, ReturnReason.DAMAGED, (LineQty(1, 1),))
        rma_id = int(authorize_return(db, ACTOR, command)["id"])
        receive_return(db, ACTOR, rma_id, (LineQty(1, 1),))
        inspect_return(db, ACTOR, rma_id, (InspectLine(1, Condition.OPENED),))
        dispose_units(db, ACTOR, rma_id, (DisposeLine(1, 1, Disposition.RESTOCK),))
        request_refund(db, ACTOR, rma_id)


def _table(results: Sequence[Result]) -> Table:
    caption = "; ".join(
        f"{r.backend}: {r.skus:,} SKUs, {r.live_orders:,} live orders shipped, built in "
        f"{r.build_s:.0f} s (not timed)"
        for r in results
    )
    table = support.results_grid(
        f"KPI endpoints, {RANGE_DAYS}-day range (target p95 < {TARGET_MS:.0f} ms)",
        caption,
        ["backend", "kpi", "group by", "p50 ms", "p95 ms"],
    )
    for result in results:
        for t in result.timings:
            met = support.mark(f"{t.p95_ms:.0f}", t.p95_ms < TARGET_MS)
            table.add_row(result.backend, t.kpi, t.group_by, f"{t.p50_ms:.0f}", met)
    return table


if __name__ == "__main__":
    main()
