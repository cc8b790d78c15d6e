"""What the benchmarks in bench/ share: databases, the uvicorn server, timing and the report.

`ledger.py` and `orders.py` import it as a sibling module (`import support`), which
works because Python puts a script's own directory first on `sys.path`: run them as
`.venv/bin/python bench/ledger.py` (or `make bench`). Each benchmark keeps its own figures,
table and options; from here it takes:

- the console and the `keel.bench` logger it prints through, and `configure_logging`;
- a migrated SQLite file in a temporary directory, or a fresh, migrated PostgreSQL database of
  the benchmark's own name on the server given (dropped afterwards), and the check that the
  server answers at all;
- the app and a `Database` on one URL, disposed of afterwards;
- `serve`, uvicorn on a free local port in a background thread;
- `Latency` and `percentiles`; `results_grid`, and `mark` for a figure that meets a target or
  not;
- option parsing for `--backend` and `--pg-url`, and `run_benchmark`: every chosen backend in
  turn, then the table and the total time.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import uvicorn
from fastapi import FastAPI
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from api.main import create_app
from erp_core.adapters.database import Database
from erp_core.adapters.migrations import upgrade
from erp_core.settings import Settings

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ACTOR = "bench"

console = Console(width=None if sys.stdout.isatty() else 120)
log = logging.getLogger("keel.bench")

ResultT = TypeVar("ResultT")


# --- timing and report ----------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float


def percentiles(samples: Sequence[float]) -> Latency:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return Latency(p50_ms=cuts[49] * 1000, p99_ms=cuts[98] * 1000)


def mark(value: str, met: bool | None) -> str:
    """`value` with a green tick or a red cross for a target met or missed; bare if None."""
    if met is None:
        return value
    return f"{value} [green]✓[/]" if met else f"{value} [red]✗[/]"


def results_grid(title: str, caption: str, columns: Sequence[str]) -> Table:
    """An empty results table: the backend column left-aligned, the figures right-aligned."""
    table = Table(title=title, caption=caption)
    for column in columns:
        table.add_column(column, justify="left" if column == "backend" else "right")
    return table


# --- databases ------------------------------------------------------------------------------


@contextmanager
def sqlite_database(prefix: str) -> Iterator[str]:
    """A migrated SQLite file in a temporary directory named `prefix...`, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as directory:
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
def postgres_database(server_url: str, name: str) -> Iterator[str]:
    """A fresh, migrated database `name` on the server of `server_url`, dropped after."""
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    log.info("postgres: creating database %s", name)
    _recreate_database(server_url, name, create=True)
    try:
        upgrade(url)
        yield url
    finally:
        _recreate_database(server_url, name, create=False)


@contextmanager
def database_and_app(url: str) -> Iterator[tuple[Database, FastAPI]]:
    """A `Database` and the app on `url`, both disposed of afterwards."""
    settings = Settings(database_url=url)
    db = Database(settings)
    app = create_app(settings)
    try:
        yield db, app
    finally:
        app.state.database.dispose()
        db.dispose()


# --- HTTP server ----------------------------------------------------------------------------


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


# --- entry point ----------------------------------------------------------------------------


def parse_args(
    doc: str | None,
    database: str,
    add_own: Callable[[argparse.ArgumentParser], None],
    argv: Sequence[str] | None = None,
) -> argparse.Namespace:
    """--backend, then the benchmark's own options (`add_own`), then --pg-url; the first line
    of `doc` describes the command."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "all"), default="all")
    add_own(parser)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("KEEL_TEST_PG_URL", DEFAULT_PG_URL),
        help=f"PostgreSQL server to use (a database {database} is created on it)",
    )
    return parser.parse_args(argv)


def configure_logging() -> None:
    # Configured before create_app, so its basicConfig(INFO) is a no-op and neither alembic nor
    # the app logs per migration or request; only the benchmark's own progress lines show.
    handler = RichHandler(console=console, show_path=False)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", handlers=[handler])
    log.setLevel(logging.INFO)


def run_backends(
    backend: str, pg_url: str, database: str, bench: Callable[[str, str], ResultT]
) -> list[ResultT]:
    """`bench(name, url)` on SQLite, then on PostgreSQL, as `backend` (sqlite, postgres or all)
    asks. SQLite lives in a temporary directory named after `database` (keel_bench:
    keel-bench-...); PostgreSQL gets `database` itself, or is skipped with a note when its
    server cannot be reached."""
    results = []
    if backend in ("sqlite", "all"):
        with sqlite_database(f"{database.replace('_', '-')}-") as url:
            results.append(bench("sqlite", url))
    if backend in ("postgres", "all"):
        reason = postgres_unreachable(pg_url)
        if reason is not None:
            console.print(f"[yellow]PostgreSQL skipped: cannot reach the server ({reason})[/]")
        else:
            with postgres_database(pg_url, database) as url:
                results.append(bench("postgres", url))
    return results


def run_benchmark(
    backend: str,
    pg_url: str,
    database: str,
    bench: Callable[[str, str], ResultT],
    table: Callable[[Sequence[ResultT]], Table],
) -> None:
    """Set up logging, run `bench` on the chosen backends (see `run_backends`), print the
    `table` of their results and the total time."""
    configure_logging()
    started = time.perf_counter()
    results = run_backends(backend, pg_url, database, bench)
    if results:
        console.print(table(results))
    else:
        console.print("no backend was benchmarked")
    console.print(f"total time {time.perf_counter() - started:.1f} s")
