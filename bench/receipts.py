"""Receipts benchmark: how fast Keel receives purchase orders and answers available-to-promise.

For SQLite (a temporary file) and PostgreSQL (a fresh `keel_bench_receipts` database on the
server given), it measures:

1. receipts per second through the service layer (`receiving.receive_purchase_order`), one
   writer: receipts of a few lines each, round-robin over a set of sent purchase orders, each
   with freight shared by value, a moving-average update, ledger moves and a GRNI entry;
2. p50 / p99 latency of `GET /v1/atp?sku=&location=&date=` for random SKUs and locations, with
   10,000 SKUs x 5 locations of opening balances and 20,000 open purchase order lines
   bulk-loaded, over HTTP against a real uvicorn server on 127.0.0.1 (keep-alive client).

It also checks that every balance still equals the sum of its moves. It prints figures; it
asserts nothing about time. Target: ATP p99 < 20 ms on SQLite.

Run it with `make bench`, or:

    .venv/bin/python bench/receipts.py [--backend sqlite|postgres|all] [--receipts 500]
        [--skus 10000] [--locations 5] [--po-lines 20000] [--requests 2000] [--pg-url URL]

PostgreSQL is taken from --pg-url, else KEEL_TEST_PG_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/test; the benchmark (re)creates and finally drops
its own database `keel_bench_receipts`, never touching others.
"""

from __future__ import annotations

import argparse
import functools
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import httpx
import support
from fastapi import FastAPI
from ledger import catalogue_skus, ledger_consistent, load_catalogue
from rich.table import Table
from sqlalchemy import Connection, insert, select
from support import ACTOR, Latency, log

from erp_core.adapters.database import Database
from erp_core.adapters.purchasing_tables import PurchaseOrder, PurchaseOrderLine
from erp_core.adapters.tables import Item, Location, Supplier, SupplierItem
from erp_core.clock import utcnow
from erp_core.domain.access import Role
from erp_core.domain.purchasing import PoStatus
from erp_core.services import api_keys
from erp_core.services import purchasing as po
from erp_core.services.receiving import ReceiptCommand, ReceivedLine, receive_purchase_order

BENCH_DATABASE = "keel_bench_receipts"
LINES_PER_PO = 5
LINES_PER_RECEIPT = 3
RECEIVING_ORDERS = 20
WARMUP_REQUESTS = 100
TARGET_ATP_P99_MS = 20.0
SEED = 20_261_127


@dataclass(frozen=True)
class Result:
    backend: str
    receipts_per_s: float
    atp: Latency
    consistent: bool


@dataclass(frozen=True)
class Options:
    backend: str
    receipts: int
    skus: int
    locations: int
    po_lines: int
    requests: int
    pg_url: str


# --- bulk load ------------------------------------------------------------------------------


def _supplier(conn: Connection, item_ids: Sequence[int]) -> int:
    supplier_id = conn.execute(
        insert(Supplier).returning(Supplier.id), {"code": "BENCH-SUP", "name": "Bench supplier"}
    ).scalar_one()
    conn.execute(
        insert(SupplierItem),
        [
            {"supplier_id": supplier_id, "item_id": i, "unit_cost": Decimal("4.50")}
            | {"lead_time_days_mean": Decimal(7)}
            for i in item_ids
        ],
    )
    return int(supplier_id)


def load_open_orders(db: Database, lines: int, rng: random.Random) -> None:
    """Sent purchase orders of LINES_PER_PO lines each, random items, locations and expected
    dates over the next 60 days, in one Core transaction."""
    started = time.perf_counter()
    today, now = date.today(), utcnow()
    with db.engine.begin() as conn:
        item_ids = list(conn.scalars(select(Item.id).where(Item.sku.like("SKU-%"))))
        location_ids = list(conn.scalars(select(Location.id)))
        supplier_id = _supplier(conn, item_ids)
        orders = [
            {
                "supplier_id": supplier_id,
                "location_id": rng.choice(location_ids),
                "status": PoStatus.SENT,
                "total_value": Decimal(0),
                "created_by": ACTOR,
                "approved_by": ACTOR,
                "approved_at": now,
                "sent_at": now,
            }
            for _ in range(lines // LINES_PER_PO)
        ]
        po_ids = conn.scalars(insert(PurchaseOrder).returning(PurchaseOrder.id), orders).all()
        conn.execute(
            insert(PurchaseOrderLine),
            [
                {
                    "purchase_order_id": po_id,
                    "line_no": n,
                    "item_id": rng.choice(item_ids),
                    "qty_ordered": rng.randint(10, 500),
                    "qty_received": 0,
                    "unit_cost": Decimal("4.50"),
                    "expected_date": today + timedelta(days=rng.randint(0, 60)),
                    "closed": False,
                }
                for po_id in po_ids
                for n in range(1, LINES_PER_PO + 1)
            ],
        )
    log.info("loaded %d open purchase order lines", len(po_ids) * LINES_PER_PO)
    log.info("purchase order load took %.1f s", time.perf_counter() - started)


# --- receipts -------------------------------------------------------------------------------


def sent_orders(db: Database, skus: Sequence[str], count: int) -> list[int]:
    """Purchase orders raised and sent through the services, big enough never to run out."""
    ids = []
    for n in range(count):
        lines = tuple(
            po.PoLineCommand(skus[(n * LINES_PER_RECEIPT + k) % len(skus)], 1_000_000, date.today())
            for k in range(LINES_PER_RECEIPT)
        )
        cmd = po.PoCommand("BENCH-SUP", "WH-0", lines)
        po_id = int(po.create_purchase_order(db, ACTOR, cmd)["id"])
        po.approve_purchase_order(db, ACTOR, po_id)
        po.send_purchase_order(db, ACTOR, po_id)
        ids.append(po_id)
    return ids


def receipts_per_second(db: Database, po_ids: Sequence[int], count: int) -> float:
    cmd = ReceiptCommand(
        tuple(ReceivedLine(n, 3) for n in range(1, LINES_PER_RECEIPT + 1)), freight=Decimal(9)
    )
    started = time.perf_counter()
    for step in range(count):
        receive_purchase_order(db, ACTOR, po_ids[step % len(po_ids)], cmd)
    rate = count / (time.perf_counter() - started)
    log.info("%d receipts of %d lines, %.0f receipts/s", count, LINES_PER_RECEIPT, rate)
    return rate


# --- ATP reads ------------------------------------------------------------------------------


def atp_latency(
    app: FastAPI, key: str, skus: Sequence[str], locations: int, requests: int
) -> Latency:
    rng = random.Random(SEED)
    day = (date.today() + timedelta(days=30)).isoformat()
    codes = [f"WH-{n}" for n in range(locations)]

    def params() -> dict[str, str]:
        return {"sku": rng.choice(skus), "location": rng.choice(codes), "date": day}

    headers = {"X-API-Key": key}
    with support.serve(app) as base_url, httpx.Client(base_url=base_url, headers=headers) as client:
        for _ in range(WARMUP_REQUESTS):
            client.get("/v1/atp", params=params()).raise_for_status()
        samples = []
        for _ in range(requests):
            query = params()
            started = time.perf_counter()
            response = client.get("/v1/atp", params=query)
            samples.append(time.perf_counter() - started)
            response.raise_for_status()
    latency = support.percentiles(samples)
    log.info("GET /v1/atp over uvicorn: p50 %.2f ms, p99 %.2f ms", latency.p50_ms, latency.p99_ms)
    return latency


# --- one backend ----------------------------------------------------------------------------


def bench_backend(name: str, url: str, options: Options) -> Result:
    with support.database_and_app(url) as (db, app):
        rng = random.Random(SEED)
        skus = catalogue_skus(options.skus)
        load_catalogue(db, skus, options.locations, rng)
        load_open_orders(db, options.po_lines, rng)
        po_ids = sent_orders(db, skus, RECEIVING_ORDERS)
        rate = receipts_per_second(db, po_ids, options.receipts)
        _, key = api_keys.create_key(db, ACTOR, ACTOR, Role.ADMIN)
        atp = atp_latency(app, key, skus, options.locations, options.requests)
        consistent = ledger_consistent(db)
        log.info("%s: ledger consistent: %s", name, consistent)
        return Result(name, rate, atp, consistent)


# --- report ---------------------------------------------------------------------------------


def results_table(results: Sequence[Result]) -> Table:
    table = support.results_grid(
        "Keel receipts benchmark",
        f"Receipts of {LINES_PER_RECEIPT} lines through the service layer, one writer. ATP: "
        f"HTTP over uvicorn on 127.0.0.1, keep-alive.\nTarget: ATP p99 < "
        f"{TARGET_ATP_P99_MS:g} ms on SQLite.",
        ("backend", "receipts/s", "ATP p50 ms", "ATP p99 ms", "ledger consistent"),
    )
    for r in results:
        met = r.atp.p99_ms < TARGET_ATP_P99_MS if r.backend == "sqlite" else None
        table.add_row(
            r.backend,
            f"{r.receipts_per_s:,.0f}",
            f"{r.atp.p50_ms:.2f}",
            support.mark(f"{r.atp.p99_ms:.2f}", met),
            "yes" if r.consistent else "[red]NO[/]",
        )
    return table


# --- entry point ----------------------------------------------------------------------------


def _own_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--receipts", type=int, default=500, help="timed receipts")
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--locations", type=int, default=5)
    parser.add_argument("--po-lines", type=int, default=20_000, help="open purchase order lines")
    parser.add_argument("--requests", type=int, default=2000, help="timed ATP GETs")


def parse_options(argv: Sequence[str] | None = None) -> Options:
    args = support.parse_args(__doc__, BENCH_DATABASE, _own_options, argv)
    return Options(
        args.backend,
        args.receipts,
        args.skus,
        args.locations,
        args.po_lines,
        args.requests,
        args.pg_url,
    )


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(argv)
    bench = functools.partial(bench_backend, options=options)
    support.run_benchmark(options.backend, options.pg_url, BENCH_DATABASE, bench, results_table)


if __name__ == "__main__":
    main()
