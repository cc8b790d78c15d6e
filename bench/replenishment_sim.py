"""Keel's replenishment policy against a static reorder point, replayed on held-out demand
(issue 7, "Simulation" and "Real data"): `optimization.policy_comparison` on three panels.

Real monthly demand (read-only, ../shared/data/, see its README):

- car parts: Hyndman, Koehler, Ord & Snyder (2008), "Forecasting with Exponential Smoothing",
  data set `carparts`; the 2,509 parts observed in all 51 months (Jan 1998 - Mar 2002; the 165
  shorter series end before the held-out year and are left out). Replay the last 12 months
  (Apr 2001 - Mar 2002) after 39 of training; the forecaster backtests 3 windows of 6 months.
- automotive: Syntetos & Boylan (2005), IJF 21:303-314; 3,000 parts x 24 months, dated from
  January 2000. Replay the last 12 months after 12 of training; 3 backtest windows of 3 months.

  Both: review every month; lead time Gamma(mean 1 month, sd 0.5) rounded to whole months
  (0, 1 or 2, rarely 3); no prices or order terms are published, so unit cost 1 (inventory
  value = units), MOQ 0 and pack 1; the baseline averages the last 12 months; both policies
  run a 6-month warm-up on the last training months before the measured year.

Generated daily demand: `pipelines.demo_demand` (2,000 SKUs x 730 days, seed 7), each SKU's
daily units split over 3 locations by binomial thinning with shares 50/30/20%: 6,000
SKU-locations, less SKUs discontinued before the last day (as the training pipeline leaves them
out) and SKU-locations launched less than 28 days before the split. Replay the last 365 days
after 365 of training. Unit cost, supplier, MOQ and pack from `pipelines.demo_company`'s
catalogue (seed 7). Lead times: 40 receipts per supplier drawn by the demo company's law
(`pipelines.demo_stock.lead_time`: Normal(mean, sd) rounded, at least a day, plus a slip of
1..slip days at the supplier's slip chance; ACME 35+-6, NORDIC 14+-3, BRIGHT 7+-2, CASA 21+-5
days); Keel learns mean and sd from those receipts, the replay bootstraps them. Review every
7 days; the baseline averages the last 90 days; a 91-day warm-up precedes the measured year.

Every panel runs twice: planned once from the training part (the policies held all year), and
re-planned every month (--replan-months) or every 28 days (--replan-days), both policies on
the same cadence, Keel re-forecasting from everything sold so far. Fill-rate target 95% for
every series (--targets); the baseline factor is matched by bisection to the fill rate Keel
achieved, and shown at 1.5. Then again with Keel's targets per ABC-XYZ class
(`service_classes.DEFAULT_TARGETS`, 85-98%), whose forecast-weighted mean is the target.
Goal: Keel within 1 point of the target, >= 15% less inventory value than the baseline at
the same fill rate.

    .venv/bin/python bench/replenishment_sim.py [--targets 0.95 abc-xyz] [--jobs N] [--limit N]
        [--only NAME] [--replan-months 1] [--replan-days 28]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from forecast_real import monthly_history
from rich.console import Console
from rich.table import Table

from optimization.lead_time_sampler import LeadTimeSampler
from optimization.policy_comparison import (
    Comparison,
    ComparisonSetup,
    compare_prepared,
    prepare,
)
from optimization.policy_inputs import PanelTerms
from optimization.replenishment.service_classes import DEFAULT_TARGETS
from pipelines.demo_company import SUPPLIERS, build_catalogue
from pipelines.demo_demand import DemandConfig, generate_demand
from pipelines.demo_stock import lead_time

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MONTHLY = {  # file, id column, held-out months, backtest windows of h months
    "car parts": ("carparts_monthly_wide.csv", "Part", 12, 6),
    "automotive": ("syntetos_boylan_auto_3000x24_monthly_wide.csv", "sku", 12, 3),
}
LOCATION_SHARES = {"DC-1": 0.5, "DC-2": 0.3, "DC-3": 0.2}
RECEIPTS = 40
HEADERS = (
    "policy",
    "factor",
    "fill rate",
    "cycle service",
    "avg inventory value",
    "orders",
    "stockout days",
)
Panel = tuple[pd.DataFrame, PanelTerms, ComparisonSetup]
console = Console(width=120)


def monthly_panel(name: str, options: argparse.Namespace) -> Panel:
    file, id_column, held_out, h = MONTHLY[name]
    panel = _first(monthly_history(options.data / file, id_column), options.limit)
    ids = panel["unique_id"].unique()
    terms = pd.DataFrame({"unit_cost": 1.0, "moq": 0, "pack_size": 1, "lane": "all"}, index=ids)
    lanes = {"all": LeadTimeSampler(1.0, 0.5)}
    forecaster = {"selection_horizon": h, "n_windows": 3, "n_jobs": options.jobs}
    setup = ComparisonSetup(
        "MS",
        held_out,
        12,
        options.replan_months,
        seed=options.seed,
        forecaster=forecaster,
        warm_up=6,
    )
    return panel, PanelTerms(terms, lanes, 1, 0.95), setup


def generated_panel(options: argparse.Namespace) -> Panel:
    demand = generate_demand(DemandConfig(skus=options.skus, days=730, seed=7))
    selling = np.flatnonzero(demand.skus["end_day"] >= len(demand.dates))
    skus = demand.skus.iloc[selling].reset_index(drop=True)
    catalogue = build_catalogue(skus, customers=1, seed=7).skus
    rng = np.random.default_rng(7)
    sku, day = np.nonzero(np.arange(730) >= skus["launch_day"].to_numpy()[:, None])
    frames, terms = [], []
    for location, units in split_by_location(demand.units[selling], rng).items():
        ids = skus["sku"].to_numpy() + "@" + location
        y = units[sku, day].astype(float)
        frames.append(pd.DataFrame({"unique_id": ids[sku], "ds": demand.dates[day], "y": y}))
        terms.append(catalogue.assign(unique_id=ids, lane=catalogue["supplier"]))
    table = pd.concat(terms).set_index("unique_id").astype({"unit_cost": float})
    lanes = {supplier.code: supplier_receipts(supplier.code, rng) for supplier in SUPPLIERS}
    setup = ComparisonSetup(
        "D",
        365,
        90,
        options.replan_days,
        seed=options.seed,
        forecaster={"n_jobs": options.jobs},
        min_training=28,
        warm_up=91,
    )
    panel = _first(pd.concat(frames, ignore_index=True), options.limit)
    return panel, PanelTerms(table, lanes, 7, 0.95), setup


def supplier_receipts(supplier: str, rng: np.random.Generator) -> LeadTimeSampler:
    """RECEIPTS lead times by the demo company's law, as a bootstrap."""
    return LeadTimeSampler.from_observed([lead_time(supplier, rng) for _ in range(RECEIPTS)])


def split_by_location(units: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Each day's units over the locations by LOCATION_SHARES: binomial thinning in turn."""
    left, remaining, split = units, 1.0, {}
    for location, share in LOCATION_SHARES.items():
        split[location] = rng.binomial(left, min(1.0, share / remaining))
        left, remaining = left - split[location], remaining - share
    return split


def _first(panel: pd.DataFrame, limit: int | None) -> pd.DataFrame:
    if not limit:
        return panel
    return panel[panel["unique_id"].isin(panel["unique_id"].drop_duplicates().head(limit))]


def report(title: str, comparison: Comparison) -> None:
    table = Table(title=title)
    for column in HEADERS:
        table.add_column(column, justify="left" if column == "policy" else "right")
    for row in (comparison.keel, comparison.matched, comparison.common):
        table.add_row(
            row.policy,
            "" if row.factor is None else f"{row.factor:.3f}",
            f"{row.fill_rate:.4f}",
            f"{row.cycle_service:.4f}",
            f"{row.average_inventory_value:,.0f}",
            f"{row.orders:,}",
            f"{row.stockout_days:,}",
        )
    console.print(table)
    gap = comparison.keel.fill_rate - comparison.fill_rate_target
    console.print(
        f"target {comparison.fill_rate_target:.2%}, Keel {comparison.keel.fill_rate:.2%} "
        f"({gap * 100:+.2f} points; goal within 1: {'met' if abs(gap) <= 0.01 else 'MISSED'}); "
        f"saving against the baseline at the same fill rate {comparison.saving:.1%} "
        f"(goal >= 15%: {'met' if comparison.saving >= 0.15 else 'MISSED'}); "
        f"one replay of the panel {comparison.seconds_per_replay:.2f} s"
    )
    console.print(comparison.by_class.round(4).to_string(), "\n")


def run(name: str, build: Callable[[], Panel], targets: list[str]) -> None:
    panel, terms, setup = build()
    cadences = [None] if setup.replan_every in (None, 0) else [None, setup.replan_every]
    for every in cadences:
        started = time.perf_counter()
        held = prepare(panel, replace(setup, replan_every=every))
        plan = "planned once" if every is None else f"re-planned every {every} periods"
        size = f"{len(held.demand)} series ({held.dropped} left out)"
        for target in targets:
            classes = DEFAULT_TARGETS if target == "abc-xyz" else None
            level = terms.fill_rate_target if classes else float(target)
            chosen = replace(terms, fill_rate_target=level, service_classes=classes)
            comparison = compare_prepared(held, chosen, setup)
            seconds = time.perf_counter() - started
            targets_by = "ABC-XYZ targets" if classes else f"target {level:.0%}"
            report(f"{name}, {plan}, {targets_by}: {size}, {seconds:.0f} s so far", comparison)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--targets", nargs="+", default=["0.95", "abc-xyz"])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--limit", type=int, default=None, help="first N series of each panel")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--replan-months", type=int, default=1, help="0: plan once only")
    parser.add_argument("--replan-days", type=int, default=28, help="0: plan once only")
    parser.add_argument("--only", choices=[*MONTHLY, "generated"], default=None)
    options = parser.parse_args()
    panels: dict[str, Callable[[], Panel]] = {
        name: lambda name=name: monthly_panel(name, options) for name in MONTHLY
    }
    panels["generated"] = lambda: generated_panel(options)
    for name, build in panels.items():
        if options.only in (None, name):
            run(name, build, options.targets)


if __name__ == "__main__":
    main()
