"""The company bench/replenishment.py plans for: N SKUs x 3 own DCs, built through the services.

- Demand: `pipelines.demo_demand` over HISTORY_DAYS days ending the day before the planning
  date (a mix of smooth, erratic, intermittent and lumpy SKUs), each SKU's daily units split
  over the 3 DCs by binomial thinning with Dirichlet shares drawn per SKU.
- Master data: `pipelines.demo_company.load_company` (its 4 suppliers, nodes, channels, the
  catalogue's costs, MOQs and packs) in one transaction, then SECOND_SOURCES selling a share
  of the SKUs at costs near the first supplier's, so the plan has a cheaper offer to choose.
- History: `load_history`, orders of up to LINES_PER_ORDER lines per DC and day.
- Stock: `load_stock_history`, one opening receipt per SKU-location the day before the history
  starts, 0 to MAX_COVER_DAYS of its recent demand (at least one unit).
- Forecast: a per-location run of FORECAST_HORIZON days through `run_forecasts`; with no
  champion registered it publishes the seasonal-naive baseline, marked degraded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session
from support import ACTOR, log

from erp_core.adapters.database import Database
from erp_core.services import master_data as md
from erp_core.services.forecast_runs import open_run
from erp_core.services.history import HistoricalLine, HistoricalOrder, load_history
from erp_core.services.stock_history import StockFlow, load_stock_history
from erp_core.services.supplier_items import add_supplier_item
from pipelines.demo_company import CHANNELS, LOCATIONS, SupplierTerms, build_catalogue
from pipelines.demo_company import load_company as load_demo_masters
from pipelines.demo_demand import DemandConfig, generate_demand
from pipelines.forecast_publishing import run_forecasts

HISTORY_DAYS = 120
FORECAST_HORIZON = 56
LINES_PER_ORDER = 5
MAX_COVER_DAYS = 40
RECENT_DAYS = 28  # the demand an opening balance covers is judged on these last days
DCS = tuple(str(loc["code"]) for loc in LOCATIONS if loc["kind"] == "own_dc")
SECOND_SOURCES = (
    SupplierTerms("FARO", "Faro Trading Lda", "PT", 10, 3, 0.0, 0),
    SupplierTerms("ORIENT", "Orient Sourcing Ltd", "CN", 45, 10, 0.0, 0),
)
SECOND_SOURCE_SHARE = 0.3
SECOND_SOURCE_COST = (0.85, 1.15)  # times the first supplier's cost

T = TypeVar("T")


@dataclass(frozen=True)
class CompanyShape:
    skus: int
    planning_date: date
    seed: int = 7


@dataclass
class BuiltCompany:
    sku_locations: int = 0
    supplier_items: int = 0
    history_lines: int = 0
    forecast_series: int = 0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per build phase


def build_company(db: Database, shape: CompanyShape) -> BuiltCompany:
    """Build the company on an empty, migrated database."""
    built = BuiltCompany()
    rng = np.random.default_rng(shape.seed)
    start = shape.planning_date - timedelta(days=HISTORY_DAYS)
    demand = _timed(built, "demand", lambda: _split_demand(shape, start, rng))
    skus, units = demand
    catalogue = build_catalogue(skus, customers=0, seed=shape.seed)
    built.supplier_items = _timed(built, "master data", lambda: _masters(db, catalogue, rng))
    built.history_lines = _timed(built, "history", lambda: _history(db, skus, units, start))
    built.sku_locations = _timed(built, "stock", lambda: _stock(db, catalogue, units, start, rng))
    built.forecast_series = _timed(built, "forecast", lambda: _forecast(db))
    return built


def _timed(built: BuiltCompany, phase: str, step: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = step()
    built.phases[phase] = time.perf_counter() - started
    log.info("build: %s took %.1f s", phase, built.phases[phase])
    return result


def _split_demand(
    shape: CompanyShape, start: date, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray]:
    """The SKU table and units (DC, SKU, day)."""
    demand = generate_demand(
        DemandConfig(skus=shape.skus, days=HISTORY_DAYS, start=start, seed=shape.seed)
    )
    shares = rng.dirichlet(np.full(len(DCS), 2.0), shape.skus)
    left = demand.units.astype(np.int64)
    remaining = np.ones(shape.skus)
    units = np.zeros((len(DCS), *left.shape), np.int64)
    for dc in range(len(DCS)):
        chance = np.minimum(1.0, shares[:, dc] / np.maximum(remaining, 1e-12))
        units[dc] = rng.binomial(left, chance[:, None])
        left -= units[dc]
        remaining -= shares[:, dc]
    return demand.skus, units


def _masters(db: Database, catalogue: Any, rng: np.random.Generator) -> int:
    load_demo_masters(db, ACTOR, catalogue)
    second = rng.random(len(catalogue.skus)) < SECOND_SOURCE_SHARE

    def work(session: Session) -> int:
        for terms in SECOND_SOURCES:
            values = {"code": terms.code, "name": terms.name, "region": terms.region}
            md.add_record(session, ACTOR, md.SUPPLIERS, values)
        for n, item in enumerate(catalogue.skus[second].itertuples()):
            terms = SECOND_SOURCES[n % len(SECOND_SOURCES)]
            factor = Decimal(str(round(rng.uniform(*SECOND_SOURCE_COST), 2)))
            cost = (item.unit_cost * factor).quantize(Decimal("0.01"))
            offer = {"sku": item.sku, "unit_cost": cost}
            offer |= {"lead_time_days_mean": Decimal(terms.lead_time_mean)}
            offer |= {"lead_time_days_std": Decimal(terms.lead_time_std)}
            offer |= {"moq": item.moq, "pack_size": item.pack_size}
            add_supplier_item(session, ACTOR, terms.code, offer)
        return len(catalogue.skus) + int(second.sum())

    return db.transact(work)


def _history(db: Database, skus: pd.DataFrame, units: np.ndarray, start: date) -> int:
    orders = list(_orders(skus["sku"].to_numpy(), units, start))
    report = load_history(db, ACTOR, orders)
    if report.rejected:
        raise RuntimeError(f"the bench history was refused: {report.rejected[:3]}")
    return report.lines


def _orders(skus: np.ndarray, units: np.ndarray, start: date) -> Iterator[HistoricalOrder]:
    channels = [channel.code for channel in CHANNELS]
    first = datetime(start.year, start.month, start.day, 12, tzinfo=UTC)
    for day in range(units.shape[2]):
        at = first + timedelta(days=day)
        for dc, code in enumerate(DCS):
            sold = np.flatnonzero(units[dc, :, day])
            for n, begin in enumerate(range(0, len(sold), LINES_PER_ORDER)):
                lines = tuple(
                    HistoricalLine(str(skus[s]), int(units[dc, s, day]))
                    for s in sold[begin : begin + LINES_PER_ORDER]
                )
                channel = channels[n % len(channels)]
                yield HistoricalOrder(channel, f"{code}-{day}-{n}", at, code, lines)


def _stock(
    db: Database, catalogue: Any, units: np.ndarray, start: date, rng: np.random.Generator
) -> int:
    """Opening balances stamped before the history, so no day of it looks like a stockout."""
    recent = units[:, :, -RECENT_DAYS:].mean(axis=2)
    cover = rng.uniform(0, MAX_COVER_DAYS, recent.shape)
    qty = np.maximum(1, np.rint(recent * cover)).astype(int)
    at = datetime(start.year, start.month, start.day, tzinfo=UTC) - timedelta(hours=6)
    flows = [
        StockFlow(at, item.sku, code, int(qty[dc, s]), "opening_balance", "bench", item.unit_cost)
        for dc, code in enumerate(DCS)
        for s, item in enumerate(catalogue.skus.itertuples())
    ]
    return load_stock_history(db, ACTOR, flows)


def _forecast(db: Database) -> int:
    run_id = open_run(db, ACTOR, "location", FORECAST_HORIZON, "bench-baseline")
    run = run_forecasts(db, run_id)
    return int(run["series"])
