"""Routing latency through the HTTP API: how fast `POST /v1/routing/route` answers where a
5-line order should ship from, over 20 locations across Europe.

It seeds a fresh SQLite database through Keel's services: 20 locations (6 own DCs, 7 3PLs,
6 stores, a drop-ship vendor; positions, handling costs, some daily capacities, some permitted
to ship hazardous goods), 500 SKUs with log-normal weights (3% hazardous, 3% drop-shipped),
stock spread over the locations, three channels (web; a marketplace shipping only from own DCs;
B2B, ship complete) and a cost model of 10 zones with weight-band lanes for about 80% of the
(location, zone) pairs (the rest fall to the distance default). Then it starts the real app
under uvicorn in a subprocess and, over one keep-alive httpx client, after 50 warm-up requests:

1. 1,000 inline 5-line orders to random ship-to zones: p50/p95/p99/max latency per request,
   the solver's own wall_time_ms p50/p99, and the answers' statuses;
2. 200 stored orders (captured through the service layer) routed by {"order_id": ...}.

For each it also prints the server process's CPU per request. It then repeats 300 of the
inline orders in-process and takes the CPU time of each phase of an answer (facts queries,
model build and solve, alternatives, the rest of the answer, response serialisation), so a
missed target says where the time goes; CPU time, because on a shared machine wall time also
counts the waiting. It prints figures; it asserts nothing about time. Target (issue 8): p99
under 20 ms on a 2-core machine.

    .venv/bin/python bench/routing_api.py
"""

from __future__ import annotations

import json
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from rich.table import Table
from support import ACTOR, configure_logging, console, log, mark, sqlite_database

from api.schemas.routing import RouteAnswer
from erp_core.adapters.database import Database
from erp_core.clock import utcnow
from erp_core.domain.access import Role
from erp_core.domain.orders import PaymentStatus
from erp_core.domain.routing import RoutingFacts, distance_km
from erp_core.domain.stock import StockStatus
from erp_core.queries.routing_facts import Pricing, inline_facts
from erp_core.services import api_keys
from erp_core.services import master_data as md
from erp_core.services.inventory import MoveCommand, move_stock
from erp_core.services.order_commands import CustomerCommand, LineCommand, OrderCommand
from erp_core.services.orders import capture_order
from erp_core.services.routing_cost_model import (
    BandCmd,
    CostModelCmd,
    LaneCmd,
    ZoneCmd,
    replace_cost_model,
)
from erp_core.settings import Settings
from optimization.routing.alternatives import alternatives
from optimization.routing.single_order import route_order
from pipelines.routing_answers import answer
from pipelines.routing_orders import to_route_order

ROOT = Path(__file__).resolve().parent.parent
SEED = 8
SKUS = 500
LINES = 5
WARMUP = 50
INLINE_REQUESTS = 1_000
STORED_REQUESTS = 200
PROFILED_REQUESTS = 300
TARGET_P99_MS = 20.0
HTTP_TIMEOUT_S = 30.0
START_TIMEOUT_S = 60.0
ROUTE = "/v1/routing/route"

# code, kind, lat, lon, handling per order / per unit (EUR), ships hazardous,
# daily order / unit capacity (None: unlimited)
LOCATIONS = (
    ("DC-ERFURT", "own_dc", 50.98, 11.03, "1.20", "0.15", True, None, None),
    ("DC-VENLO", "own_dc", 51.37, 6.17, "1.20", "0.15", True, None, None),
    ("DC-LYON", "own_dc", 45.76, 4.84, "1.25", "0.15", True, 4_000, None),
    ("DC-MADRID", "own_dc", 40.42, -3.70, "1.10", "0.14", True, None, None),
    ("DC-POZNAN", "own_dc", 52.41, 16.93, "0.95", "0.12", False, None, 20_000),
    ("DC-MILAN", "own_dc", 45.46, 9.19, "1.30", "0.16", False, 3_000, None),
    ("3PL-NORTHAMPTON", "3pl", 52.24, -0.90, "2.10", "0.28", False, None, None),
    ("3PL-PRAGUE", "3pl", 50.08, 14.44, "2.00", "0.25", True, 800, 2_400),
    ("3PL-ANTWERP", "3pl", 51.22, 4.40, "2.10", "0.28", True, None, None),
    ("3PL-LINZ", "3pl", 48.31, 14.29, "2.20", "0.30", False, None, 1_500),
    ("3PL-LILLE", "3pl", 50.63, 3.06, "2.10", "0.28", False, None, None),
    ("3PL-JONKOPING", "3pl", 57.78, 14.16, "2.30", "0.30", False, 500, None),
    ("3PL-BARCELONA", "3pl", 41.39, 2.17, "2.05", "0.27", False, None, None),
    ("STORE-PARIS", "store", 48.86, 2.35, "3.80", "0.55", False, 60, 150),
    ("STORE-BERLIN", "store", 52.52, 13.40, "3.80", "0.55", False, 60, 150),
    ("STORE-AMSTERDAM", "store", 52.37, 4.90, "3.60", "0.50", False, 40, 100),
    ("STORE-MUNICH", "store", 48.14, 11.58, "3.80", "0.55", False, 40, 100),
    ("STORE-VIENNA", "store", 48.21, 16.37, "3.70", "0.55", False, 30, 80),
    ("STORE-COPENHAGEN", "store", 55.68, 12.57, "4.00", "0.60", False, 30, 80),
    ("VENDOR-PORTO", "dropship_vendor", 41.15, -8.61, "2.60", "0", False, None, None),
)
VENDOR = "VENDOR-PORTO"
STOCKED = {"own_dc": (0.7, 60), "3pl": (0.45, 30), "store": (0.2, 8)}  # chance, most units
# code, region (country), postcode prefix, lat, lon, a ship-to postcode in it, order weight
ZONES = (
    ("DE-BER", "DE", "1", 52.52, 13.40, "10115", 3),
    ("DE", "DE", None, 51.16, 10.45, "80331", 5),
    ("FR-PAR", "FR", "75", 48.86, 2.35, "75001", 3),
    ("FR", "FR", None, 46.60, 2.40, "69001", 4),
    ("NL", "NL", None, 52.37, 4.90, "1011 AB", 2),
    ("UK", "GB", None, 51.51, -0.13, "SW1A 1AA", 4),
    ("ES", "ES", None, 40.42, -3.70, "28001", 3),
    ("IT", "IT", None, 45.46, 9.19, "20121", 3),
    ("PL", "PL", None, 52.23, 21.01, "00-001", 2),
    ("AT", "AT", None, 48.21, 16.37, "1010", 1),
)
PRICED_LANE_SHARE = 0.8
BAND_KG = (Decimal("1"), Decimal("5"), Decimal("10"), None)
BAND_FACTOR = (1.0, 1.4, 1.95, 2.9)
# code, kind, share of requests, extra fields
CHANNELS: tuple[tuple[str, str, float, dict[str, Any]], ...] = (
    ("WEB", "web_store", 0.7, {}),
    ("MKT", "marketplace", 0.2, {"ship_from_kinds": ["own_dc"]}),
    ("B2B", "b2b_portal", 0.1, {"ship_complete": True}),
)
PARAMETERS = Pricing(
    split_penalty=Decimal("2.50"),
    default_price=Decimal("4.50"),
    default_price_per_km=Decimal("0.004"),
    default_price_per_kg=Decimal("0.40"),
    km_per_transit_day=600,
)


@dataclass(frozen=True)
class Sku:
    code: str
    weight_kg: Decimal
    hazardous: bool
    dropship: bool


@dataclass(frozen=True)
class Spread:
    p50: float
    p95: float
    p99: float
    max: float
    mean: float


def spread(samples_ms: Sequence[float]) -> Spread:
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return Spread(cuts[49], cuts[94], cuts[98], max(samples_ms), statistics.fmean(samples_ms))


# --- the company ----------------------------------------------------------------------------


def seed_company(db: Database, rng: random.Random) -> list[Sku]:
    started = time.perf_counter()
    _locations(db)
    skus = _catalogue(db, rng)
    for code, kind, _, extra in CHANNELS:
        values = {"code": code, "name": code, "kind": kind, **extra}
        md.create_record(db, ACTOR, md.CHANNELS, values)
    moves = _stock(db, skus, rng)
    replace_cost_model(db, ACTOR, cost_model(rng))
    log.info(
        "seeded %d locations, %d SKUs, %d stock places in %.1f s",
        len(LOCATIONS),
        len(skus),
        moves,
        time.perf_counter() - started,
    )
    return skus


def _locations(db: Database) -> None:
    for code, kind, lat, lon, per_order, per_unit, hazardous, orders, units in LOCATIONS:
        values = {
            "code": code,
            "name": code,
            "kind": kind,
            "region": code.split("-")[0],
            "latitude": lat,
            "longitude": lon,
            "handling_cost_per_order": Decimal(per_order),
            "handling_cost_per_unit": Decimal(per_unit),
            "ships_hazardous": hazardous,
            "daily_order_capacity": orders,
            "daily_unit_capacity": units,
        }
        md.create_record(db, ACTOR, md.LOCATIONS, values)


def _catalogue(db: Database, rng: random.Random) -> list[Sku]:
    skus = []
    for n in range(SKUS):
        grams = min(max(rng.lognormvariate(math.log(450), 1.0), 30), 25_000)
        sku = Sku(f"RB-{n:04d}", Decimal(round(grams)) / 1000, rng.random() < 0.03, False)
        if not sku.hazardous and rng.random() < 0.03:
            sku = Sku(sku.code, sku.weight_kg, False, True)
        cost = Decimal(rng.randint(3, 80))
        values = {
            "sku": sku.code,
            "name": f"Routing bench {sku.code}",
            "unit_cost": cost,
            "list_price": cost * 2,
            "weight_kg": sku.weight_kg,
            "hazardous": sku.hazardous,
            "dropship_location": VENDOR if sku.dropship else None,
        }
        md.create_record(db, ACTOR, md.ITEMS, values)
        skus.append(sku)
    return skus


def _stock(db: Database, skus: Sequence[Sku], rng: random.Random) -> int:
    """Drop-ship SKUs at the vendor; the rest at a random share of the locations, hazardous
    ones only where they may ship from."""
    places = 0
    for sku in skus:
        for code, kind, *_, hazardous, _, _ in LOCATIONS:
            if sku.dropship:
                qty = 500 if code == VENDOR else 0
            elif kind not in STOCKED or (sku.hazardous and not hazardous):
                qty = 0
            else:
                chance, most = STOCKED[kind]
                qty = rng.randint(1, most) if rng.random() < chance else 0
            if qty:
                move_stock(db, ACTOR, MoveCommand(sku.code, code, qty, StockStatus.AVAILABLE))
                places += 1
    return places


def cost_model(rng: random.Random) -> CostModelCmd:
    """Zones, and lanes for most (location, zone) pairs priced by distance and weight band."""
    zones = [
        ZoneCmd(code, region, prefix, lat, lon) for code, region, prefix, lat, lon, *_ in ZONES
    ]
    lanes = []
    for code, kind, lat, lon, *_ in LOCATIONS:
        for zone in zones:
            if rng.random() >= PRICED_LANE_SHARE:
                continue
            km = 1.2 * distance_km(lat, lon, zone.latitude or 0, zone.longitude or 0)
            base = (3.2 + 0.004 * km) * (1.3 if kind == "store" else 1.0)
            bands = [
                BandCmd(kg, Decimal(f"{base * factor:.2f}"), Decimal("0.12") if kg is None else 0)
                for kg, factor in zip(BAND_KG, BAND_FACTOR, strict=True)
            ]
            if kind == "store":  # a store hands over parcels up to 10 kg only
                bands = bands[:-1]
            lanes.append(LaneCmd(code, zone.code, max(1, math.ceil(km / 650)), bands))
    return CostModelCmd(PARAMETERS, zones, lanes)


# --- the orders -----------------------------------------------------------------------------


def inline_order(rng: random.Random, skus: Sequence[Sku], today: date) -> dict[str, Any]:
    """A 5-line order of SKUs drawn by Zipf popularity to a random zone, sometimes with a
    requested date; the marketplace lists no drop-ship SKUs."""
    channel = rng.choices(CHANNELS, weights=[c[2] for c in CHANNELS])[0][0]
    eligible = [(n, s) for n, s in enumerate(skus) if not (channel == "MKT" and s.dropship)]
    popularity = [1 / (n + 1) ** 0.9 for n, _ in eligible]
    picked: list[Sku] = []
    while len(picked) < LINES:
        sku = rng.choices(eligible, weights=popularity)[0][1]
        if sku not in picked:
            picked.append(sku)
    zone = rng.choices(ZONES, weights=[z[-1] for z in ZONES])[0]
    most = 6 if channel == "B2B" else 3
    order: dict[str, Any] = {
        "channel": channel,
        "lines": [{"sku": s.code, "qty": rng.randint(1, most)} for s in picked],
        "ship_to": {
            "name": "Bench Customer",
            "line1": f"{rng.randint(1, 200)} Bench Street",
            "city": zone[0],
            "postcode": zone[5],
            "country": zone[1],
        },
    }
    if rng.random() < 0.3:
        order["requested_delivery_date"] = (today + timedelta(rng.randint(2, 5))).isoformat()
    return order


def capture_stored(db: Database, bodies: Sequence[dict[str, Any]]) -> list[int]:
    """Capture each body as a paid order through the service layer; their ids."""
    ids = []
    for n, body in enumerate(bodies):
        requested = body.get("requested_delivery_date")
        command = OrderCommand(
            channel=body["channel"],
            external_id=f"ROUTE-BENCH-{n:05d}",
            lines=tuple(
                LineCommand(line["sku"], line["qty"], Decimal(200)) for line in body["lines"]
            ),
            ship_to=body["ship_to"],
            shipping_method="standard",
            payment_status=PaymentStatus.AUTHORIZED,
            customer=CustomerCommand(f"RB-CUST-{n % 50:03d}", "Bench Customer"),
            requested_delivery_date=None if requested is None else date.fromisoformat(requested),
        )
        captured = capture_order(db, ACTOR, command, lambda _, order_id: {"id": order_id})
        ids.append(int(captured.body["id"]))
    return ids


# --- the server -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    base_url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU the server process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def api_server(url: str, directory: Path) -> Iterator[Server]:
    """`uvicorn api.asgi:app` in a subprocess on `url`, once /health answers. The server is
    stopped on the way out, error or not."""
    port = _free_port()
    env = os.environ | {
        "KEEL_DATABASE_URL": url,
        "KEEL_MLFLOW_TRACKING_URI": f"sqlite:///{directory / 'mlflow.db'}",
    }
    command = [sys.executable, "-m", "uvicorn", "api.asgi:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    errors = directory / "uvicorn.log"
    with errors.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=sink)
        try:
            server = Server(f"http://127.0.0.1:{port}", process.pid)
            _wait_for_health(process, server.base_url, errors)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_health(process: subprocess.Popen[bytes], base: str, errors: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}: {errors.read_text()}")
        try:
            if httpx.get(f"{base}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"uvicorn did not answer /health in {START_TIMEOUT_S:.0f} s")


# --- timing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    latency: Spread
    solver: Spread  # the answers' own wall_time_ms
    statuses: Counter[str]
    server_cpu_ms: float  # the server's CPU per request


def post_routes(client: httpx.Client, server: Server, bodies: Sequence[dict[str, Any]]) -> Run:
    """Each request timed, one after another over the same connection."""
    latencies, answers = [], []
    cpu = server.cpu_seconds()
    for body in bodies:
        sent = time.perf_counter()
        reply = client.post(ROUTE, json=body)
        latencies.append((time.perf_counter() - sent) * 1000)
        if reply.status_code != 200:
            raise RuntimeError(f"{ROUTE} answered {reply.status_code}: {reply.text[:500]}")
        answers.append(reply.json())
    return Run(
        spread(latencies),
        spread([a["solver"]["wall_time_ms"] for a in answers]),
        Counter(a["status"] for a in answers),
        (server.cpu_seconds() - cpu) * 1000 / len(bodies),
    )


def over_http(
    server: Server, key: str, inline: Sequence[dict[str, Any]], stored: Sequence[int]
) -> tuple[Run, Run]:
    """Warm up, then the inline orders, then the stored ones."""
    warmup, timed = inline[:WARMUP], inline[WARMUP:]
    headers = {"X-API-Key": key}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=HTTP_TIMEOUT_S) as client:
        post_routes(client, server, [{"order": body} for body in warmup])
        inline_run = post_routes(client, server, [{"order": body} for body in timed])
        stored_run = post_routes(client, server, [{"order_id": n} for n in stored])
    log.info(
        "HTTP inline: p50 %.2f ms, p99 %.2f ms", inline_run.latency.p50, inline_run.latency.p99
    )
    return inline_run, stored_run


class Laps:
    """CPU milliseconds of this thread per named phase, each lap from the end of the one
    before: on a shared machine CPU time says what a phase costs, wall time what it waited."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {}
        self.started = time.thread_time()

    def start(self) -> None:
        self.started = time.thread_time()

    def lap(self, phase: str) -> None:
        now = time.thread_time()
        self.samples.setdefault(phase, []).append((now - self.started) * 1000)
        self.started = now


def read_facts(db: Database, body: dict[str, Any]) -> RoutingFacts:
    requested = body.get("requested_delivery_date")
    lines = [(line["sku"], line["qty"]) for line in body["lines"]]
    when = None if requested is None else date.fromisoformat(requested)
    return db.read(
        lambda s: inline_facts(s, db.settings, lines, body["ship_to"], body["channel"], when)
    )


def in_process(db: Database, bodies: Sequence[dict[str, Any]]) -> dict[str, Spread]:
    """Each phase of an answer timed apart, on the app's own code (no HTTP, no auth), after
    the same warm-up as over HTTP."""
    limit, today = db.settings.routing_time_limit_seconds, utcnow().date()
    for body in bodies[:WARMUP]:
        facts = read_facts(db, body)
        answer(facts, route_order(to_route_order(facts), limit), today)
    laps, total = Laps(), []
    for body in bodies[WARMUP:]:
        began = time.thread_time()
        laps.start()
        facts = read_facts(db, body)
        laps.lap("facts queries")
        order = to_route_order(facts)
        laps.lap("to RouteOrder")
        found = route_order(order, limit, db.settings.solver_workers)
        laps.lap("model build + solve")
        reply = answer(facts, found, today)
        laps.lap("answer (alternatives included)")
        RouteAnswer.model_validate(reply).model_dump_json()
        laps.lap("serialise")
        total.append((time.thread_time() - began) * 1000)
        if found.cost_cents is not None and not found.short:
            laps.start()
            alternatives(order, found)
            laps.lap("  of which alternatives")
    shown = (
        "facts queries",
        "to RouteOrder",
        "model build + solve",
        "answer (alternatives included)",
        "  of which alternatives",
        "serialise",
    )
    cuts = {phase: spread(laps.samples[phase]) for phase in shown if phase in laps.samples}
    return cuts | {"all phases": spread(total)}


# --- report ---------------------------------------------------------------------------------


def _row(table: Table, name: str, figures: Spread, target: float | None = None) -> None:
    p99 = f"{figures.p99:.2f}"
    met = None if target is None else figures.p99 < target
    table.add_row(
        name, f"{figures.p50:.2f}", f"{figures.p95:.2f}", mark(p99, met), f"{figures.max:.2f}"
    )


def report(inline: Run, stored: Run, phases: dict[str, Spread], load: tuple[float, ...]) -> None:
    title = f"POST {ROUTE}: {LINES}-line orders over {len(LOCATIONS)} locations (ms)"
    table = Table(title=title, caption=f"1-min load average during the run: {max(load):.1f}")
    for column in ("", "p50", "p95", "p99", "max"):
        table.add_column(column, justify="left" if not column else "right")
    for name, run, count in (
        ("inline", inline, INLINE_REQUESTS),
        ("stored", stored, STORED_REQUESTS),
    ):
        _row(table, f"HTTP latency, {name} order ({count})", run.latency, TARGET_P99_MS)
        _row(table, "  solver wall_time_ms", run.solver)
    for phase, cut in phases.items():
        _row(table, f"in-process CPU: {phase}", cut)
    console.print(table)
    for name, run in (("inline", inline), ("stored", stored)):
        statuses = json.dumps(dict(sorted(run.statuses.items())))
        console.print(f"{name}: server CPU {run.server_cpu_ms:.2f} ms per request; {statuses}")
    own = phases["all phases"].mean
    console.print(
        f"in-process CPU per answer {own:.2f} ms (mean): HTTP, auth and request validation "
        f"cost about {inline.server_cpu_ms - own:.2f} ms of the server's CPU per request"
    )
    console.print(f"target: p99 < {TARGET_P99_MS:.0f} ms through the HTTP API")


def main() -> None:
    configure_logging()
    rng = random.Random(SEED)
    with sqlite_database("keel-bench-routing-") as url:
        db = Database(Settings(database_url=url))
        try:
            skus = seed_company(db, rng)
            today = utcnow().date()
            inline = [inline_order(rng, skus, today) for _ in range(WARMUP + INLINE_REQUESTS)]
            to_store = [inline_order(rng, skus, today) for _ in range(STORED_REQUESTS)]
            stored = capture_stored(db, to_store)
            _, key = api_keys.create_key(db, ACTOR, ACTOR, Role.ROUTING_SERVICE)
            load = [os.getloadavg()[0]]
            with api_server(url, Path(url.removeprefix("sqlite:///")).parent) as server:
                inline_run, stored_run = over_http(server, key, inline, stored)
            load.append(os.getloadavg()[0])
            phases = in_process(db, inline[: WARMUP + PROFILED_REQUESTS])
        finally:
            db.dispose()
    report(inline_run, stored_run, phases, tuple(load))


if __name__ == "__main__":
    main()
