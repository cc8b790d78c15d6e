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
import logging
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table
from sqlalchemy import Connection, create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from api.main import create_app
from erp_core.adapters.database import Database
from erp_core.adapters.migrations import upgrade
from erp_core.adapters.tables import Item, Location, StockBalance, StockMove
from erp_core.domain.access import Role
from erp_core.domain.master import LocationKind
from erp_core.domain.stock import StockStatus
from erp_core.queries.ledger_check import ledger_discrepancies
from erp_core.services import api_keys
from erp_core.services.inventory import MoveCommand, move_stock
from erp_core.services.master_data import ITEMS, LOCATIONS, create_record
from erp_core.settings import Settings

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "keel_bench"
ACTOR = "bench"
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

console = Console(width=None if sys.stdout.isatty() else 120)
log = logging.getLogger("keel.bench")


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float


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


# --- databases ------------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[str]:
    """A migrated SQLite file in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="keel-bench-") as directory:
        url = f"sqlite:///{Path(directory) / 'keel.db'}"
        log.info("sqlite: migrating %s", url)
        upgrade(url)
        yield url


def postgres_unreachable(server_url: str) -> str | None:
    """Why the PostgreSQL server cannot be used, or None if it answers."""
    engine = create_engine(
        make_url(server_url).set(database="postgres"), connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return None
    except OperationalError as error:
        return str(error.orig).strip().splitlines()[0]
    finally:
        engine.dispose()


def _recreate_database(server_url: str, name: str, create: bool) -> None:
    admin = create_engine(
        make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if create:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A fresh, migrated `keel_bench` database on the server of `server_url`, dropped after."""
    url = make_url(server_url).set(database=BENCH_DATABASE).render_as_string(hide_password=False)
    log.info("postgres: creating database %s", BENCH_DATABASE)
    _recreate_database(server_url, BENCH_DATABASE, create=True)
    try:
        upgrade(url)
        yield url
    finally:
        _recreate_database(server_url, BENCH_DATABASE, create=False)


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


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run `app` under uvicorn on a free local port in a background thread; its base URL."""
    sock = _bound_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def percentiles(samples: Sequence[float]) -> Latency:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return Latency(p50_ms=cuts[49] * 1000, p99_ms=cuts[98] * 1000)


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
    return percentiles(samples)


def _check_position(response: httpx.Response, expected: int) -> None:
    response.raise_for_status()
    found = len(response.json()["data"])
    if found != expected:
        raise RuntimeError(f"expected {expected} positions per SKU, got {found}")


def http_latency(
    app: FastAPI, key: str, skus: Sequence[str], requests: int, expected: int
) -> Latency:
    headers = {"X-API-Key": key}
    with serve(app) as base_url, httpx.Client(base_url=base_url, headers=headers) as client:
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
    settings = Settings(database_url=url)
    db = Database(settings)
    app = create_app(settings)
    try:
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
    finally:
        app.state.database.dispose()
        db.dispose()


def run_sqlite(options: Options) -> Result:
    with sqlite_database() as url:
        return bench_backend("sqlite", url, options)


def run_postgres(options: Options) -> Result | None:
    reason = postgres_unreachable(options.pg_url)
    if reason is not None:
        console.print(f"[yellow]PostgreSQL skipped: cannot reach the server ({reason})[/]")
        return None
    with postgres_database(options.pg_url) as url:
        return bench_backend("postgres", url, options)


# --- report ---------------------------------------------------------------------------------


def _mark(value: str, met: bool | None) -> str:
    if met is None:
        return value
    return f"{value} [green]✓[/]" if met else f"{value} [red]✗[/]"


def results_table(results: Sequence[Result]) -> Table:
    table = Table(
        title="Keel ledger benchmark",
        caption=f"GET: HTTP over uvicorn on 127.0.0.1, keep-alive. TestClient: in-process, no "
        f"socket.\nTargets: >= {TARGET_MOVES_PER_S:,} moves/s single writer on SQLite; "
        f"GET p99 < {TARGET_P99_MS:g} ms.",
    )
    for column in (
        "backend",
        "moves/s single",
        f"moves/s {WRITERS} writers",
        "GET p50 ms",
        "GET p99 ms",
        "TestClient p50 ms",
        "TestClient p99 ms",
        "ledger consistent",
    ):
        table.add_column(column, justify="left" if column == "backend" else "right")
    for r in results:
        single_target = r.moves_single >= TARGET_MOVES_PER_S if r.backend == "sqlite" else None
        table.add_row(
            r.backend,
            _mark(f"{r.moves_single:,.0f}", single_target),
            f"{r.moves_concurrent:,.0f}",
            f"{r.http.p50_ms:.2f}",
            _mark(f"{r.http.p99_ms:.2f}", r.http.p99_ms < TARGET_P99_MS),
            f"{r.in_process.p50_ms:.2f}",
            f"{r.in_process.p99_ms:.2f}",
            "yes" if r.consistent else "[red]NO[/]",
        )
    return table


# --- entry point ----------------------------------------------------------------------------


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "all"), default="all")
    parser.add_argument("--moves", type=int, default=3000, help="moves per writer phase")
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--locations", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000, help="timed GETs per client")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("KEEL_TEST_PG_URL", DEFAULT_PG_URL),
        help="PostgreSQL server to use (a database keel_bench is created on it)",
    )
    args = parser.parse_args(argv)
    return Options(args.backend, args.moves, args.skus, args.locations, args.requests, args.pg_url)


def configure_logging() -> None:
    # Configured before create_app, so its basicConfig(INFO) is a no-op and neither alembic nor
    # the app logs per migration or request; only the benchmark's own progress lines show.
    handler = RichHandler(console=console, show_path=False)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", handlers=[handler])
    log.setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(argv)
    configure_logging()
    started = time.perf_counter()
    results: list[Result] = []
    if options.backend in ("sqlite", "all"):
        results.append(run_sqlite(options))
    if options.backend in ("postgres", "all"):
        result = run_postgres(options)
        if result is not None:
            results.append(result)
    if results:
        console.print(results_table(results))
    else:
        console.print("no backend was benchmarked")
    console.print(f"total time {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
