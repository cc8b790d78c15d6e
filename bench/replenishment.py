"""Replenishment plan benchmark: `create_plan` wall time for every SKU-location of a company.

On --skus SKUs x 3 own DCs (about 10,000 SKU-locations by default; the company is described in
bench/replenishment_company.py, and its build time is printed apart: it is not the benchmark),
it times three plans of every SKU-location, each read, suggested, cut and saved whole:

    unconstrained   no budget and no limits
    budget          a budget of --budget-share (50%) of the unconstrained plan's suggested value
    budget+space    the same budget, and space at each DC of SPACE_SHARES of the units the
                    unconstrained plan orders there

For each it prints wall time, lines, ordering lines, the solver's status, the limits that bind,
and the planned value against the budget; then the peak resident memory of the process.
Goal (issue 7): a plan of 10,000 SKU-locations with a budget in under 30 s. --profile runs the
budget plan once more under cProfile and prints the 15 calls with most cumulative time.

    .venv/bin/python bench/replenishment.py [--backend sqlite|postgres|all] [--skus 3334]
        [--budget-share 0.5] [--time-limit 10] [--workers 1] [--profile] [--pg-url URL]

SQLite (a temporary file) by default. PostgreSQL is taken from --pg-url, else KEEL_TEST_PG_URL,
else postgresql+psycopg://postgres@127.0.0.1:5432/test; the benchmark (re)creates and finally
drops its own database `keel_bench_replenishment`, never touching others. MLflow points at a
temporary SQLite file.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import pstats
import resource
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import support
from replenishment_company import DCS, CompanyShape, build_company
from rich.table import Table
from sqlalchemy import func, select
from support import ACTOR, log

from erp_core.adapters.database import Database
from erp_core.adapters.replenishment_tables import ReplenishmentLine
from erp_core.adapters.tables import Location
from erp_core.clock import utcnow
from erp_core.domain.replenishment import LineStatus
from erp_core.queries.replenishment_plans import get_plan
from erp_core.settings import Settings
from pipelines.replenishment_plan import PlanAsk, create_plan

BENCH_DATABASE = "keel_bench_replenishment"
TARGET_SECONDS = 30.0
SPACE_SHARES = dict(zip(DCS, (0.5, 0.7, 0.9), strict=True))
PROFILE_LINES = 15


@dataclass(frozen=True)
class Options:
    backend: str
    skus: int
    budget_share: float
    time_limit: float
    workers: int
    profile: bool
    pg_url: str


@dataclass(frozen=True)
class Timed:
    variant: str
    seconds: float
    lines: int
    ordering: int
    status: str
    binding: tuple[str, ...]
    planned_value: Decimal
    budget: Decimal | None


@dataclass(frozen=True)
class Result:
    backend: str
    build_seconds: float
    plans: tuple[Timed, ...]
    build_peak_mb: float
    peak_mb: float


# --- plans ----------------------------------------------------------------------------------


def timed_plan(db: Database, variant: str, ask: PlanAsk) -> tuple[int, Timed]:
    started = time.perf_counter()
    plan_id = create_plan(db, ACTOR, ask)
    seconds = time.perf_counter() - started
    plan = get_plan(db, plan_id)
    summary = plan["summary"]
    timed = Timed(
        variant,
        seconds,
        sum(plan["lines"].values()),
        plan["lines"][LineStatus.ORDER.value],
        summary["solver"]["status"],
        tuple(summary["solver"]["binding"]),
        Decimal(summary["planned_value"]),
        ask.budget,
    )
    log.info("%s plan: %.1f s, %s", variant, seconds, summary["solver"]["status"])
    return plan_id, timed


def units_ordered_by_dc(db: Database, plan_id: int) -> dict[str, int]:
    query = (
        select(Location.code, func.sum(ReplenishmentLine.qty))
        .join(Location, Location.id == ReplenishmentLine.location_id)
        .where(ReplenishmentLine.plan_id == plan_id, ReplenishmentLine.status == LineStatus.ORDER)
        .group_by(Location.code)
    )
    return {code: int(units) for code, units in db.read(lambda s: s.execute(query).all())}


def plan_variants(db: Database, planning_date: date, options: Options) -> list[Timed]:
    free_id, free = timed_plan(db, "unconstrained", PlanAsk(planning_date))
    suggested = Decimal(get_plan(db, free_id)["summary"]["suggested_value"])
    budget = (suggested * Decimal(str(options.budget_share))).quantize(Decimal(1))
    budgeted = PlanAsk(planning_date, budget=budget)
    _, with_budget = timed_plan(db, "budget", budgeted)
    ordered = units_ordered_by_dc(db, free_id)
    space = {dc: int(share * ordered.get(dc, 0)) for dc, share in SPACE_SHARES.items()}
    spaced = PlanAsk(planning_date, budget=budget, space_by_location=space)
    _, with_space = timed_plan(db, "budget+space", spaced)
    if options.profile:
        profile(db, budgeted)
    return [free, with_budget, with_space]


def profile(db: Database, ask: PlanAsk) -> None:
    profiler = cProfile.Profile()
    profiler.runcall(create_plan, db, ACTOR, ask)
    stats = pstats.Stats(profiler, stream=None).strip_dirs().sort_stats("cumulative")
    support.console.print(f"[bold]budget plan under cProfile, top {PROFILE_LINES} by cumtime[/]")
    stats.print_stats(PROFILE_LINES)


# --- one backend ----------------------------------------------------------------------------


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_backend(name: str, url: str, options: Options) -> Result:
    with tempfile.TemporaryDirectory(prefix="keel-bench-mlflow-") as mlflow_dir:
        settings = Settings(
            database_url=url,
            mlflow_tracking_uri=f"sqlite:///{Path(mlflow_dir) / 'mlflow.db'}",
            solver_time_limit_seconds=options.time_limit,
            solver_workers=options.workers,
        )
        db = Database(settings)
        try:
            planning_date = utcnow().date()
            started = time.perf_counter()
            built = build_company(db, CompanyShape(options.skus, planning_date))
            build_seconds = time.perf_counter() - started
            log.info(
                "%s: built %d SKU-locations, %d supplier-items, %d history lines, %d forecast "
                "series in %.1f s",
                name,
                built.sku_locations,
                built.supplier_items,
                built.history_lines,
                built.forecast_series,
                build_seconds,
            )
            build_peak = peak_mb()
            plans = plan_variants(db, planning_date, options)
            return Result(name, build_seconds, tuple(plans), build_peak, peak_mb())
        finally:
            db.dispose()


# --- report ---------------------------------------------------------------------------------


def results_table(results: Sequence[Result]) -> Table:
    builds = ", ".join(
        f"{r.backend} {r.build_seconds:.0f} s (peak {r.build_peak_mb:,.0f} MB)" for r in results
    )
    peaks = ", ".join(f"{r.backend} {r.peak_mb:,.0f} MB" for r in results)
    table = support.results_grid(
        "Keel replenishment plan benchmark",
        f"Company build (not timed as the plan): {builds}. Peak RSS after the plans: {peaks}.\n"
        f"Target: a plan with a budget in under {TARGET_SECONDS:g} s.",
        ("backend", "plan", "wall s", "lines", "ordering", "solver", "binding")
        + ("planned value", "budget"),
    )
    for r in results:
        for p in r.plans:
            met = p.seconds < TARGET_SECONDS if p.budget is not None else None
            table.add_row(
                r.backend,
                p.variant,
                support.mark(f"{p.seconds:.1f}", met),
                f"{p.lines:,}",
                f"{p.ordering:,}",
                p.status,
                ", ".join(p.binding) or "-",
                f"{p.planned_value:,.2f}",
                "-" if p.budget is None else f"{p.budget:,.0f}",
            )
    return table


# --- entry point ----------------------------------------------------------------------------


def _own_options(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(backend="sqlite")
    parser.add_argument("--skus", type=int, default=3334, help="SKUs, each at 3 DCs")
    parser.add_argument("--budget-share", type=float, default=0.5)
    parser.add_argument("--time-limit", type=float, default=10.0, help="CP-SAT seconds")
    parser.add_argument("--workers", type=int, default=1, help="CP-SAT workers")
    parser.add_argument("--profile", action="store_true", help="profile the budget plan")


def parse_options(argv: Sequence[str] | None = None) -> Options:
    args = support.parse_args(__doc__, BENCH_DATABASE, _own_options, argv)
    return Options(
        args.backend,
        args.skus,
        args.budget_share,
        args.time_limit,
        args.workers,
        args.profile,
        args.pg_url,
    )


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(argv)
    bench = functools.partial(bench_backend, options=options)
    support.run_benchmark(options.backend, options.pg_url, BENCH_DATABASE, bench, results_table)


if __name__ == "__main__":
    main()
