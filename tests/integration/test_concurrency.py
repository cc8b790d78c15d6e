"""No overselling and no lost stock under contention (RELIABILITY.md, promises 1, 3 and 5).

These run on every backend; only the PostgreSQL runs are evidence for PostgreSQL, and the
SQLite runs for SQLite.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from erp_core.adapters.database import Database
from erp_core.adapters.tables import Item, StockBalance
from erp_core.domain.access import Role
from erp_core.domain.errors import InsufficientStock
from erp_core.domain.stock import StockStatus
from erp_core.queries.inventory import inventory_positions
from erp_core.services import api_keys
from erp_core.services import inventory as inv
from tests.factories import ACTOR, location, stocked
from tests.live_server import serving


def _position(db: Database) -> dict[str, int]:
    return inventory_positions(db, "SKU-1", "DC-1", None, 1).data[0]


def _try_reserve(db: Database, qty: int) -> int:
    try:
        inv.reserve_stock(db, ACTOR, inv.ReserveCommand("SKU-1", "DC-1", qty))
        return qty
    except InsufficientStock:
        return 0


def test_fifty_threads_reserving_three_of_a_hundred_units_never_oversell(db: Database) -> None:
    stocked(db, 100)
    with ThreadPoolExecutor(max_workers=50) as pool:
        granted = list(pool.map(lambda _: _try_reserve(db, 3), range(50)))
    assert sum(1 for g in granted if g) == 33
    got = _position(db)
    assert (got["reserved"], got["available"]) == (99, 1)


def test_random_reservations_with_readers_never_show_a_negative_or_lost_unit(
    db: Database,
) -> None:
    stocked(db, 100)
    seen: list[dict[str, int]] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.append(_position(db))

    reader = threading.Thread(target=watch)
    reader.start()
    rng = random.Random(3)
    quantities = [rng.randint(1, 7) for _ in range(80)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        granted = sum(pool.map(lambda q: _try_reserve(db, q), quantities))
    done.set()
    reader.join()
    final = _position(db)
    assert final["reserved"] == granted <= 100
    assert seen, "the reader took snapshots"
    for snap in seen:
        assert snap["available"] >= 0 and snap["reserved"] >= 0
        assert snap["available"] + snap["reserved"] == 100


def _total_available(db: Database) -> int:
    return db.read(
        lambda s: s.scalar(
            select(func.sum(StockBalance.qty))
            .join(Item, Item.id == StockBalance.item_id)
            .where(Item.sku == "SKU-1", StockBalance.status == StockStatus.AVAILABLE)
        )
    )


def test_sixteen_workers_relocating_between_eight_locations_conserve_stock(db: Database) -> None:
    codes = [f"DC-{n}" for n in range(1, 9)]
    stocked(db, 400)
    for code in codes[1:]:
        location(db, code)
        inv.move_stock(db, ACTOR, inv.MoveCommand("SKU-1", code, 400, StockStatus.AVAILABLE))
    total = 400 * len(codes)
    deadline = time.monotonic() + 3.0
    snapshots: list[int] = []

    def relocate(seed: int) -> int:
        rng, done = random.Random(seed), 0
        while time.monotonic() < deadline:
            source, target = rng.sample(codes, 2)
            try:
                inv.relocate_stock(
                    db, ACTOR, inv.RelocateCommand("SKU-1", source, target, rng.randint(1, 60))
                )
                done += 1
            except InsufficientStock:
                pass
        return done

    def watch(_: int) -> int:
        while time.monotonic() < deadline:
            snapshots.append(_total_available(db))
        return 0

    with ThreadPoolExecutor(max_workers=18) as pool:
        workers = [pool.submit(relocate, seed) for seed in range(16)]
        readers = [pool.submit(watch, n) for n in range(2)]
        moved = sum(w.result() for w in workers) + sum(r.result() for r in readers)
    assert moved > 0
    assert snapshots and set(snapshots) == {total}
    assert _total_available(db) == total


@pytest.fixture
def live_api(db: Database) -> Iterator[str]:
    with serving(db) as url:
        yield url


def test_five_hundred_concurrent_one_unit_reservations_over_http_grant_exactly_a_hundred(
    db: Database,
    live_api: str,
) -> None:
    stocked(db, 100)
    _, key = api_keys.create_key(db, ACTOR, "ops", Role.OPERATIONS)
    body = {"sku": "SKU-1", "location": "DC-1", "qty": 1}

    def reserve(client: httpx.Client) -> tuple[int, str]:
        reply = client.post("/v1/inventory/reservations", json=body)
        return reply.status_code, reply.json().get("code", "")

    clients = [
        httpx.Client(base_url=live_api, headers={"X-API-Key": key}, timeout=60) for _ in range(32)
    ]
    with ThreadPoolExecutor(max_workers=32) as pool:
        replies = list(pool.map(lambda n: reserve(clients[n % 32]), range(500)))
    for client in clients:
        client.close()
    assert sum(1 for status, _ in replies if status == 201) == 100
    assert {(s, c) for s, c in replies if s != 201} == {(409, "insufficient_stock")}
    got = _position(db)
    assert (got["reserved"], got["available"]) == (100, 0)
