"""Order benchmark: how fast Keel captures and releases orders.

For SQLite (a temporary file) and PostgreSQL (a fresh `keel_bench_orders` database on the server
given), with 60 items, 3 locations and plenty of stock (each item at 2 of the 3 locations, so
the router ships some orders whole and splits others), it measures, for orders of 3 lines each:

1. single capture: `POST /v1/orders`, one order per request, over HTTP against a real uvicorn
   server on 127.0.0.1 (keep-alive httpx client): orders/s and p50 / p99 latency per request,
   after a warm-up;
2. batch capture: `POST /v1/orders/import?channel=CODE&format=keel` in batches (200 orders per
   request by default) over the same server when the app has that route; when it does not,
   `orders.capture_order` in a loop, in-process through the service layer, and the report
   says so;
3. release: `release.release_order` over the oldest ready orders, in-process (orders/s); each
   must end allocated.

Every captured order must come out ready. It then checks that every stock balance still equals
the sum of its moves (`ledger_discrepancies`) and prints it. It prints figures; it asserts
nothing about time. Targets: >= 500 orders/s batch capture on SQLite, POST p99 < 50 ms.

Run it with `make bench`, or:

    .venv/bin/python bench/orders.py [--backend sqlite|postgres|all] [--orders 1000]
        [--batch-size 200] [--pg-url URL]

PostgreSQL is taken from --pg-url, else KEEL_TEST_PG_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/test; only the server is used from that URL: the
benchmark (re)creates and finally drops its own database `keel_bench_orders` (so it can run
beside bench/ledger.py's `keel_bench`), never touching others. It is skipped with a note when
the server cannot be reached.
"""

from __future__ import annotations

import argparse
import functools
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

import httpx
import support
from fastapi import FastAPI
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from support import ACTOR, Latency, log

from api.composition import order_router
from api.routes.orders import render_order
from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import Order
from erp_core.adapters.tables import Channel
from erp_core.domain.access import Role
from erp_core.domain.master import ChannelKind, LocationKind
from erp_core.domain.orders import OrderStatus, PaymentStatus
from erp_core.domain.stock import StockStatus
from erp_core.queries.ledger_check import ledger_discrepancies
from erp_core.services import api_keys
from erp_core.services.inventory import MoveCommand, move_stock
from erp_core.services.master_data import CHANNELS, ITEMS, LOCATIONS, create_record
from erp_core.services.order_commands import CustomerCommand, LineCommand, OrderCommand
from erp_core.services.orders import capture_order
from erp_core.services.release import releasable_orders, release_order

BENCH_DATABASE = "keel_bench_orders"
IMPORT_PATH = "/v1/orders/import"
SINGLE_CHANNEL = "BENCH-WEB"
BATCH_CHANNEL = "BENCH-MARKET"
WARMUP_ORDERS = 50
BENCH_ITEMS = 60
LINES_PER_ORDER = 3
MAX_LINE_QTY = 3
# (code, handling cost per order, per unit): the router prefers the cheapest that can ship all.
BENCH_LOCATIONS = (
    ("BENCH-A", "1.00", "0.10"),
    ("BENCH-B", "1.50", "0.05"),
    ("BENCH-C", "2.50", "0"),
)
TARGET_BATCH_PER_S = 500
TARGET_P99_MS = 50.0
HTTP_TIMEOUT_S = 120.0
SEED = 20_240_601


class BatchVia(StrEnum):
    HTTP_IMPORT = "http import"
    SERVICE = "service layer"


@dataclass(frozen=True)
class Result:
    backend: str
    single_per_s: float
    single: Latency
    batch_per_s: float
    batch_via: BatchVia
    release_per_s: float
    discrepancies: int


@dataclass(frozen=True)
class Options:
    backend: str
    orders: int
    batch_size: int
    pg_url: str


# --- master data and stock ------------------------------------------------------------------


def bench_skus() -> list[str]:
    return [f"ORD-{n:03d}" for n in range(BENCH_ITEMS)]


def create_catalogue(db: Database, skus: Sequence[str]) -> None:
    """Items, locations and both channels, through the service layer."""
    for n, sku in enumerate(skus):
        cost = Decimal(5 + n % 20)
        values = {"sku": sku, "name": f"Order bench {sku}", "unit_cost": cost}
        create_record(db, ACTOR, ITEMS, {**values, "list_price": cost * 2})
    for code, per_order, per_unit in BENCH_LOCATIONS:
        values = {
            "code": code,
            "name": code,
            "kind": LocationKind.OWN_DC,
            "region": "eu",
            "handling_cost_per_order": Decimal(per_order),
            "handling_cost_per_unit": Decimal(per_unit),
        }
        create_record(db, ACTOR, LOCATIONS, values)
    for code, kind in (
        (SINGLE_CHANNEL, ChannelKind.WEB_STORE),
        (BATCH_CHANNEL, ChannelKind.MARKETPLACE),
    ):
        create_record(db, ACTOR, CHANNELS, {"code": code, "name": code, "kind": kind})


def stocked_places(skus: Sequence[str]) -> list[tuple[str, str]]:
    """Each item at 2 of the 3 locations, rotating, so no location holds every item."""
    codes = [code for code, _, _ in BENCH_LOCATIONS]
    return [
        (sku, codes[(n + shift) % len(codes)]) for n, sku in enumerate(skus) for shift in (0, 1)
    ]


def receive_stock(db: Database, skus: Sequence[str], orders: int) -> None:
    """Enough at every stocked place for all `orders` even if they all wanted that place."""
    qty = orders * LINES_PER_ORDER * MAX_LINE_QTY
    places = stocked_places(skus)
    for sku, location in places:
        move_stock(db, ACTOR, MoveCommand(sku, location, qty, StockStatus.AVAILABLE))
    log.info("received %d units at each of %d (item, location) places", qty, len(places))


# --- order bodies ---------------------------------------------------------------------------


def order_body(
    channel: str, number: int, skus: Sequence[str], rng: random.Random
) -> dict[str, Any]:
    """One OrderCreate body that passes every check (paid, full address): it captures ready.
    Each order has its own customer and street, since thousands of orders from a few hundred
    addresses within seconds is what the anomaly check holds as a velocity burst."""
    customer = number
    return {
        "channel": channel,
        "external_id": f"{channel}-{number:07d}",
        "customer": {"code": f"CUST-{customer:04d}", "name": f"Customer {customer}"},
        "ship_to": {
            "name": f"Customer {customer}",
            "line1": f"{number} Bench Street",
            "city": "Utrecht",
            "postcode": "3511 AB",
            "region": "eu",
            "country": "NL",
        },
        "lines": [
            {
                "sku": sku,
                "qty": rng.randint(1, MAX_LINE_QTY),
                "unit_price": f"{rng.randint(20, 60)}.00",
            }
            for sku in rng.sample(list(skus), LINES_PER_ORDER)
        ],
        "shipping_method": "standard",
        "payment_status": PaymentStatus.AUTHORIZED.value,
        "shipping": "4.95",
    }


def order_bodies(
    channel: str, count: int, skus: Sequence[str], rng: random.Random, first: int = 0
) -> list[dict[str, Any]]:
    return [order_body(channel, first + n, skus, rng) for n in range(count)]


def order_command(body: dict[str, Any]) -> OrderCommand:
    """The service-layer command for a body, as `POST /v1/orders` builds it."""
    return OrderCommand(
        channel=body["channel"],
        external_id=body["external_id"],
        lines=tuple(
            LineCommand(line["sku"], line["qty"], Decimal(line["unit_price"]))
            for line in body["lines"]
        ),
        ship_to=body["ship_to"],
        shipping_method=body["shipping_method"],
        payment_status=PaymentStatus(body["payment_status"]),
        customer=CustomerCommand(**body["customer"]),
        shipping=Decimal(body["shipping"]),
    )


def _check_ready(status_code: int, order: dict[str, Any]) -> None:
    if status_code != 201 or order.get("status") != OrderStatus.READY.value:
        raise RuntimeError(f"expected 201 and a ready order, got {status_code}: {order}")


def has_import_route(app: FastAPI) -> bool:
    """Whether the app serves the batch import (`POST /v1/orders/import`), read off its OpenAPI
    schema (app.routes holds included routers, not their routes, on this FastAPI)."""
    return "post" in app.openapi()["paths"].get(IMPORT_PATH, {})


# --- capture --------------------------------------------------------------------------------


def post_order(client: httpx.Client, body: dict[str, Any]) -> None:
    response = client.post("/v1/orders", json=body)
    _check_ready(response.status_code, response.json())


def single_capture(
    client: httpx.Client, warmup: Sequence[dict[str, Any]], timed: Sequence[dict[str, Any]]
) -> tuple[float, Latency]:
    """Orders/s and per-request latency of `POST /v1/orders`, one order after another."""
    for body in warmup:
        post_order(client, body)
    samples = []
    started = time.perf_counter()
    for body in timed:
        sent = time.perf_counter()
        post_order(client, body)
        samples.append(time.perf_counter() - sent)
    rate = len(timed) / (time.perf_counter() - started)
    latency = support.percentiles(samples)
    log.info(
        "POST /v1/orders: %d orders, %.0f orders/s, p50 %.2f ms, p99 %.2f ms",
        len(timed),
        rate,
        latency.p50_ms,
        latency.p99_ms,
    )
    return rate, latency


def batches(bodies: Sequence[dict[str, Any]], size: int) -> list[Sequence[dict[str, Any]]]:
    return [bodies[start : start + size] for start in range(0, len(bodies), size)]


def batch_capture_http(client: httpx.Client, bodies: Sequence[dict[str, Any]], size: int) -> float:
    """Orders/s through `POST /v1/orders/import`, `size` orders per request."""
    started = time.perf_counter()
    for batch in batches(bodies, size):
        response = client.post(
            IMPORT_PATH, params={"channel": BATCH_CHANNEL, "format": "keel"}, json=list(batch)
        )
        _check_imported(response, len(batch))
    rate = len(bodies) / (time.perf_counter() - started)
    log.info("batch import over HTTP: %d orders by %d, %.0f orders/s", len(bodies), size, rate)
    return rate


def _check_imported(response: httpx.Response, expected: int) -> None:
    """200 with a report counting every order of the batch as created."""
    report = response.json() if response.status_code == 200 else {}
    if report.get("created") != expected:
        problem = response.text[:500]
        raise RuntimeError(
            f"import answered {response.status_code}, not {expected} created: {problem}"
        )


def batch_capture_service(db: Database, bodies: Sequence[dict[str, Any]]) -> float:
    """Orders/s through `capture_order` in a loop, in-process (no HTTP, no JSON parsing)."""
    commands = [order_command(body) for body in bodies]
    started = time.perf_counter()
    for command in commands:
        captured = capture_order(db, ACTOR, command, render_order)
        _check_ready(captured.status_code, captured.body)
    rate = len(commands) / (time.perf_counter() - started)
    log.info("batch capture via service layer: %d orders, %.0f orders/s", len(commands), rate)
    return rate


def ready_orders(db: Database, channel: str) -> int:
    def count(session: Session) -> int:
        return int(
            session.scalar(
                select(func.count(Order.id))
                .join(Channel, Channel.id == Order.channel_id)
                .where(Channel.code == channel, Order.status == OrderStatus.READY)
            )
            or 0
        )

    return db.read(count)


def check_captured(db: Database, channel: str, expected: int) -> None:
    found = ready_orders(db, channel)
    if found != expected:
        raise RuntimeError(f"expected {expected} ready orders on {channel}, found {found}")


# --- release --------------------------------------------------------------------------------


def release_rate(db: Database, count: int) -> float:
    """Orders/s of `release_order` over the `count` oldest ready orders; all must allocate."""
    order_ids = releasable_orders(db, count)
    router = order_router()
    outcomes: Counter[str] = Counter()
    started = time.perf_counter()
    for order_id in order_ids:
        outcomes[str(release_order(db, ACTOR, order_id, router)["status"])] += 1
    rate = len(order_ids) / (time.perf_counter() - started)
    log.info("release: %d orders, %.0f orders/s, outcomes %s", len(order_ids), rate, dict(outcomes))
    if outcomes[OrderStatus.ALLOCATED.value] != len(order_ids):
        raise RuntimeError(f"expected every released order allocated, got {dict(outcomes)}")
    return rate


# --- one backend ----------------------------------------------------------------------------


def capture_phases(
    app: FastAPI, db: Database, key: str, skus: Sequence[str], options: Options
) -> tuple[float, Latency, float, BatchVia]:
    """Single POSTs over uvicorn, then batch capture (HTTP import if served, else in-process)."""
    rng = random.Random(SEED)
    warmup = order_bodies(SINGLE_CHANNEL, WARMUP_ORDERS, skus, rng)
    timed = order_bodies(SINGLE_CHANNEL, options.orders, skus, rng, first=WARMUP_ORDERS)
    batch = order_bodies(BATCH_CHANNEL, options.orders, skus, rng)
    via = BatchVia.HTTP_IMPORT if has_import_route(app) else BatchVia.SERVICE
    headers = {"X-API-Key": key}
    with (
        support.serve(app) as base_url,
        httpx.Client(base_url=base_url, headers=headers, timeout=HTTP_TIMEOUT_S) as client,
    ):
        single_rate, latency = single_capture(client, warmup, timed)
        if via is BatchVia.HTTP_IMPORT:
            batch_rate = batch_capture_http(client, batch, options.batch_size)
        else:
            log.info("%s is not served: batch capture goes through the service layer", IMPORT_PATH)
            batch_rate = batch_capture_service(db, batch)
    check_captured(db, SINGLE_CHANNEL, WARMUP_ORDERS + options.orders)
    check_captured(db, BATCH_CHANNEL, options.orders)
    return single_rate, latency, batch_rate, via


def bench_backend(name: str, url: str, options: Options) -> Result:
    with support.database_and_app(url) as (db, app):
        skus = bench_skus()
        create_catalogue(db, skus)
        receive_stock(db, skus, WARMUP_ORDERS + 2 * options.orders)
        _, key = api_keys.create_key(db, ACTOR, ACTOR, Role.ADMIN)
        single_rate, latency, batch_rate, via = capture_phases(app, db, key, skus, options)
        released = release_rate(db, options.orders)
        discrepancies = len(ledger_discrepancies(db))
        log.info("%s: ledger discrepancies: %d", name, discrepancies)
        return Result(name, single_rate, latency, batch_rate, via, released, discrepancies)


# --- report ---------------------------------------------------------------------------------


BATCH_LABELS = {
    BatchVia.HTTP_IMPORT: "batch orders/s\n(HTTP import)",
    BatchVia.SERVICE: "batch orders/s\n(service layer,\nin-process)",
}


def _batch_header(results: Sequence[Result]) -> str:
    ways = {r.batch_via for r in results}
    return BATCH_LABELS[ways.pop()] if len(ways) == 1 else "batch orders/s"


def _batch_cell(r: Result, mixed: bool) -> str:
    met = r.batch_per_s >= TARGET_BATCH_PER_S if r.backend == "sqlite" else None
    value = support.mark(f"{r.batch_per_s:,.0f}", met)
    return f"{value} ({r.batch_via.value})" if mixed else value


def _batch_note(results: Sequence[Result], batch_size: int) -> str:
    notes = []
    if any(r.batch_via is BatchVia.HTTP_IMPORT for r in results):
        notes.append(f"HTTP import: POST {IMPORT_PATH}, {batch_size} orders per request")
    if any(r.batch_via is BatchVia.SERVICE for r in results):
        notes.append(
            f"{IMPORT_PATH} not served: batch capture timed through orders.capture_order in a "
            "loop, in-process (no HTTP)"
        )
    return "Batch: " + "; ".join(notes) + "."


def results_table(results: Sequence[Result], options: Options) -> Table:
    caption = (
        f"{options.orders:,} orders of {LINES_PER_ORDER} lines per measure. POST: /v1/orders over "
        "uvicorn on 127.0.0.1, keep-alive, one order per request.",
        _batch_note(results, options.batch_size),
        "Release: release.release_order in-process, one order after another.",
        f"Targets: >= {TARGET_BATCH_PER_S:,} orders/s batch capture on SQLite; "
        f"POST p99 < {TARGET_P99_MS:g} ms.",
    )
    columns = (
        "backend",
        _batch_header(results),
        "POST orders/s",
        "POST p50 ms",
        "POST p99 ms",
        "release orders/s",
        "ledger consistent",
    )
    table = support.results_grid("Keel order benchmark", "\n".join(caption), columns)
    mixed = len({r.batch_via for r in results}) > 1
    for r in results:
        table.add_row(
            r.backend,
            _batch_cell(r, mixed),
            f"{r.single_per_s:,.0f}",
            f"{r.single.p50_ms:.2f}",
            support.mark(f"{r.single.p99_ms:.2f}", r.single.p99_ms < TARGET_P99_MS),
            f"{r.release_per_s:,.0f}",
            "yes" if r.discrepancies == 0 else f"[red]NO ({r.discrepancies} off)[/]",
        )
    return table


# --- entry point ----------------------------------------------------------------------------


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _own_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--orders", type=_positive, default=1000, help="timed orders per measure")
    parser.add_argument(
        "--batch-size", type=_positive, default=200, help="orders per batch import request"
    )


def parse_options(argv: Sequence[str] | None = None) -> Options:
    args = support.parse_args(__doc__, BENCH_DATABASE, _own_options, argv)
    return Options(args.backend, args.orders, args.batch_size, args.pg_url)


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(argv)
    bench = functools.partial(bench_backend, options=options)
    table = functools.partial(results_table, options=options)
    support.run_benchmark(options.backend, options.pg_url, BENCH_DATABASE, bench, table)


if __name__ == "__main__":
    main()
