"""Ledger benchmark: how fast Keel writes stock moves and reads stock positions.

For SQLite (a temporary file) and PostgreSQL (a fresh `keel_bench` database on the server
given), it measures:

1. stock moves per second through the service layer (`inventory.move_stock`), one writer:
   receipts alternating with status changes (available -> damaged and back) over a handful
   of items and locations;
2. the same with 8 writer threads sharing one `Database`: total moves / wall time;
3. p50 / p99 latency of `GET /v1/inventory?sku=...` for random SKUs, with 10,000 SKUs x 5
   locations of opening balances bulk-loaded, over HTTP against a real uvicorn server on
   127.0.0.1 (keep-alive httpx client), and in-process through FastAPI's TestClient.

It also checks that every balance still equals the sum of its moves. It prints figures; it
asserts nothing about time. Targets: >= 2,000 moves/s single writer on SQLite, p99 < 10 ms.

Run it with `make bench`, or:

    .venv/bin/python bench/ledger.py [--backend sqlite|postgres|all] [--moves 3000]
        [--skus 10000] [--locations 5] [--requests 2000] [--pg-url URL]

PostgreSQL is taken from --pg-url, else KEEL_TEST_PG_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/test; only the server is used from that URL: the
benchmark (re)creates and finally drops its own database `keel_bench`, never touching others.
It is skipped with a note when the server cannot be reached.
"""

from __future__ import annotations

import argparse
import functools
import random
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import support
from fastapi import FastAPI
from rich.table import Table
from sqlalchemy import Connection, insert, select
from support import ACTOR, Latency, log

from erp_core.adapters.database import Database
from erp_core.adapters.tables import Item, Location, StockBalance, StockMove
from erp_core.domain.access import Role
from erp_core.domain.master import LocationKind
from erp_core.domain.stock import StockStatus
from erp_core.queries.ledger_check import ledger_discrepancies
from erp_core.services import api_keys
from erp_core.services.inventory import MoveCommand, move_stock
from erp_core.services.master_data import ITEMS, LOCATIONS, create_record

BENCH_DATABASE = "keel_bench"
WRITERS = 8
WARMUP_REQUESTS = 100
BENCH_ITEMS = 4
BENCH_LOCATIONS = 2
TARGET_MOVES_PER_S = 2_000
TARGET_P99_MS = 10.0
SEED = 20_240_601

# One cycle per (item, location): receive, damage part of it, bring that part back.
CYCLE: tuple[tuple[StockStatus | None, StockStatus, int, str], ...] = (
    (None, StockStatus.AVAILABLE, 10, "receipt"),
    (StockStatus.AVAILABLE, StockStatus.DAMAGED, 3, "damaged"),
    (StockStatus.DAMAGED, StockStatus.AVAILABLE, 3, "repaired"),
)


@dataclass(frozen=True)
class Result:
    backend: str
    moves_single: float
    moves_concurrent: float
    http: Latency
    in_process: Latency
    consistent: bool


@dataclass(frozen=True)
class Options:
    backend: str
    moves: int
    skus: int
    locations: int
    requests: int
    pg_url: str


# --- bulk load ------------------------------------------------------------------------------


def catalogue_skus(count: int) -> list[str]:
    return [f"SKU-{n:05d}" for n in range(count)]


def _insert_items(conn: Connection, skus: Sequence[str]) -> dict[str, int]:
    conn.execute(insert(Item), [{"sku": sku, "name": f"Bench item {sku}"} for sku in skus])
    rows = conn.execute(select(Item.sku, Item.id).where(Item.sku.like("SKU-%")))
    return {sku: item_id for sku, item_id in rows}


def _insert_locations(conn: Connection, count: int) -> list[int]:
    codes = [f"WH-{n}" for n in range(count)]
    conn.execute(
        insert(Location),
        [
            {"code": code, "name": f"Warehouse {code}", "kind": LocationKind.OWN_DC, "region": "eu"}
            for code in codes
        ],
    )
    return list(conn.scalars(select(Location.id).where(Location.code.in_(codes))))


def _opening_balances(
    item_ids: Sequence[int], location_ids: Sequence[int], rng: random.Random
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One opening receipt per (item, location) and the balance row it produces."""
    balances: list[dict[str, Any]] = []
    moves: list[dict[str, Any]] = []
    for item_id in item_ids:
        for location_id in location_ids:
            qty = rng.randint(1, 500)
            key = {"item_id": item_id, "location_id": location_id}
            balances.append({**key, "status": StockStatus.AVAILABLE, "qty": qty})
            moves.append(
                {
                    **key,
                    "from_status": None,
                    "to_status": StockStatus.AVAILABLE,
                    "qty": qty,
                    "reason": "opening_balance",
                    "reference": None,
                    "actor": ACTOR,
                }
            )
    return balances, moves


def load_catalogue(db: Database, skus: Sequence[str], locations: int, rng: random.Random) -> None:
    """Items, locations, opening receipts and their balances, in one Core transaction."""
    started = time.perf_counter()
    with db.engine.begin() as conn:
        item_ids = _insert_items(conn, skus)
        location_ids = _insert_locations(conn, locations)
        log.info("loaded %d items and %d locations", len(item_ids), len(location_ids))
        balances, moves = _opening_balances(sorted(item_ids.values()), location_ids, rng)
        conn.execute(insert(StockMove), moves)
        log.info("loaded %d opening receipts", len(moves))
        conn.execute(insert(StockBalance), balances)
        log.info("loaded %d balances", len(balances))
    log.info("bulk load took %.1f s", time.perf_counter() - started)


# --- moves ----------------------------------------------------------------------------------


def create_move_targets(db: Database) -> list[tuple[str, str]]:
    """A handful of items and locations, made through the service layer; their pairs."""
    skus = [f"MOVE-{n}" for n in range(BENCH_ITEMS)]
    codes = [f"MOVE-L{n}" for n in range(BENCH_LOCATIONS)]
    for sku in skus:
        create_record(db, ACTOR, ITEMS, {"sku": sku, "name": f"Move bench {sku}"})
    for code in codes:
        values = {"code": code, "name": code, "kind": LocationKind.OWN_DC, "region": "eu"}
        create_record(db, ACTOR, LOCATIONS, values)
    return [(sku, code) for sku in skus for code in codes]


def move_sequence(count: int, pairs: Sequence[tuple[str, str]], offset: int) -> list[MoveCommand]:
    """`count` moves cycling receive / damage / repair, one (item, location) pair per cycle.

    Every sequence only withdraws what it put in itself, so sequences can run concurrently
    over the same pairs without ever running short.
    """
    commands = []
    for step in range(count):
        sku, location = pairs[(step // len(CYCLE) + offset) % len(pairs)]
        from_status, to_status, qty, reason = CYCLE[step % len(CYCLE)]
        commands.append(MoveCommand(sku, location, qty, to_status, from_status, reason))
    return commands


def run_moves(db: Database, commands: Sequence[MoveCommand]) -> None:
    for command in commands:
        move_stock(db, ACTOR, command)


def moves_per_second_single(db: Database, pairs: Sequence[tuple[str, str]], count: int) -> float:
    commands = move_sequence(count, pairs, offset=0)
    started = time.perf_counter()
    run_moves(db, commands)
    rate = count / (time.perf_counter() - started)
    log.info("single writer: %d moves, %.0f moves/s", count, rate)
    return rate


def moves_per_second_concurrent(
    db: Database, pairs: Sequence[tuple[str, str]], count: int, writers: int
) -> float:
    per_writer = max(1, count // writers)
    sequences = [move_sequence(per_writer, pairs, offset=n) for n in range(writers)]
    start_line = threading.Barrier(writers + 1)

    def writer(commands: list[MoveCommand]) -> None:
        start_line.wait()
        run_moves(db, commands)

    with ThreadPoolExecutor(max_workers=writers) as pool:
        futures = [pool.submit(writer, sequence) for sequence in sequences]
        start_line.wait()
        started = time.perf_counter()
        for future in futures:
            future.result()
        elapsed = time.perf_counter() - started
    total = per_writer * writers
    rate = total / elapsed
    log.info("%d writers: %d moves, %.0f moves/s", writers, total, rate)
    return rate


# --- reads ----------------------------------------------------------------------------------


def measure_reads(
    get: Callable[[str], httpx.Response], skus: Sequence[str], requests: int, expected: int
) -> Latency:
    """Warm up, then time `requests` inventory reads of random SKUs one after another."""
    rng = random.Random(SEED)
    for sku in rng.choices(skus, k=WARMUP_REQUESTS):
        _check_position(get(sku), expected)
    samples = []
    for sku in rng.choices(skus, k=requests):
        started = time.perf_counter()
        response = get(sku)
        samples.append(time.perf_counter() - started)
        response.raise_for_status()
    return support.percentiles(samples)


def _check_position(response: httpx.Response, expected: int) -> None:
    response.raise_for_status()
    found = len(response.json()["data"])
    if found != expected:
        raise RuntimeError(f"expected {expected} positions per SKU, got {found}")


def http_latency(
    app: FastAPI, key: str, skus: Sequence[str], requests: int, expected: int
) -> Latency:
    headers = {"X-API-Key": key}
    with support.serve(app) as base_url, httpx.Client(base_url=base_url, headers=headers) as client:
        latency = measure_reads(
            lambda sku: client.get("/v1/inventory", params={"sku": sku}), skus, requests, expected
        )
    log.info("GET over uvicorn: p50 %.2f ms, p99 %.2f ms", latency.p50_ms, latency.p99_ms)
    return latency


def in_process_latency(
    app: FastAPI, key: str, skus: Sequence[str], requests: int, expected: int
) -> Latency:
    with warnings.catch_warnings():
        # Starlette's notice that its TestClient will move off httpx; nothing to act on here.
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

    with TestClient(app, headers={"X-API-Key": key}) as client:
        latency = measure_reads(
            lambda sku: client.get("/v1/inventory", params={"sku": sku}), skus, requests, expected
        )
    log.info("GET in-process: p50 %.2f ms, p99 %.2f ms", latency.p50_ms, latency.p99_ms)
    return latency


# --- consistency ----------------------------------------------------------------------------


def ledger_consistent(db: Database) -> bool:
    """Every balance equals the sum of its moves (the same check as `keel inventory verify`)."""
    return ledger_discrepancies(db) == []


# --- one backend ----------------------------------------------------------------------------


def bench_backend(name: str, url: str, options: Options) -> Result:
    with support.database_and_app(url) as (db, app):
        skus = catalogue_skus(options.skus)
        load_catalogue(db, skus, options.locations, random.Random(SEED))
        pairs = create_move_targets(db)
        single = moves_per_second_single(db, pairs, options.moves)
        concurrent = moves_per_second_concurrent(db, pairs, options.moves, WRITERS)
        _, key = api_keys.create_key(db, ACTOR, ACTOR, Role.ADMIN)
        http = http_latency(app, key, skus, options.requests, options.locations)
        in_process = in_process_latency(app, key, skus, options.requests, options.locations)
        consistent = ledger_consistent(db)
        log.info("%s: ledger consistent: %s", name, consistent)
        return Result(name, single, concurrent, http, in_process, consistent)


# --- report ---------------------------------------------------------------------------------


def results_table(results: Sequence[Result]) -> Table:
    table = support.results_grid(
        "Keel ledger benchmark",
        f"GET: HTTP over uvicorn on 127.0.0.1, keep-alive. TestClient: in-process, no "
        f"socket.\nTargets: >= {TARGET_MOVES_PER_S:,} moves/s single writer on SQLite; "
        f"GET p99 < {TARGET_P99_MS:g} ms.",
        (
            "backend",
            "moves/s single",
            f"moves/s {WRITERS} writers",
            "GET p50 ms",
            "GET p99 ms",
            "TestClient p50 ms",
            "TestClient p99 ms",
            "ledger consistent",
        ),
    )
    for r in results:
        single_target = r.moves_single >= TARGET_MOVES_PER_S if r.backend == "sqlite" else None
        table.add_row(
            r.backend,
            support.mark(f"{r.moves_single:,.0f}", single_target),
            f"{r.moves_concurrent:,.0f}",
            f"{r.http.p50_ms:.2f}",
            support.mark(f"{r.http.p99_ms:.2f}", r.http.p99_ms < TARGET_P99_MS),
            f"{r.in_process.p50_ms:.2f}",
            f"{r.in_process.p99_ms:.2f}",
            "yes" if r.consistent else "[red]NO[/]",
        )
    return table


# --- entry point ----------------------------------------------------------------------------


def _own_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--moves", type=int, default=3000, help="moves per writer phase")
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--locations", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000, help="timed GETs per client")


def parse_options(argv: Sequence[str] | None = None) -> Options:
    args = support.parse_args(__doc__, BENCH_DATABASE, _own_options, argv)
    return Options(args.backend, args.moves, args.skus, args.locations, args.requests, args.pg_url)


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(argv)
    bench = functools.partial(bench_backend, options=options)
    support.run_benchmark(options.backend, options.pg_url, BENCH_DATABASE, bench, results_table)


if __name__ == "__main__":
    main()
