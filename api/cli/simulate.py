"""`keel simulate policy`: replay held-out demand under Keel's policy and a static reorder point."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from api.cli.output import console, figure, reports_errors, show_table
from api.composition import database
from erp_core.clock import utcnow
from erp_core.domain.errors import InvalidInput
from optimization.lead_time_sampler import LeadTimeSampler
from optimization.policy_comparison import Comparison, ComparisonSetup, compare_policies
from optimization.replenishment.service_classes import DEFAULT_TARGETS
from pipelines.policy_simulation import csv_panel, erp_panel

app = typer.Typer(help="Replay demand under inventory policies.", no_args_is_help=True)
# Daily ERP history: a quarter replayed after a four-week warm-up, the baseline's average
# demand over the quarter before, and at least four weeks of history per series.
DAILY = {"held_out": 91, "baseline_window": 91, "min_training": 28, "warm_up": 28, "h": 28}
WEEKLY = {"held_out": 26, "baseline_window": 13, "min_training": 8, "warm_up": 8, "h": 8}
MONTHLY = {"held_out": 12, "baseline_window": 12, "min_training": 3, "warm_up": 6, "h": 3}
SHAPES = {"D": DAILY, "W": WEEKLY, "MS": MONTHLY}


@app.command("policy")
@reports_errors
def policy(
    csv_file: Annotated[Path | None, typer.Option("--csv", help="wide demand per period")] = None,
    freq: Annotated[str, typer.Option(help="the CSV's periods: D, W or MS")] = "MS",
    start: Annotated[
        str | None, typer.Option(help="CSV: first period, if headers are not dates")
    ] = None,
    lead_time: Annotated[float, typer.Option(help="CSV: mean lead time, periods")] = 1.0,
    lead_time_sd: Annotated[float, typer.Option(help="CSV: lead-time sd, periods")] = 0.5,
    unit_cost: Annotated[float, typer.Option(help="CSV: cost of a unit")] = 1.0,
    held_out: Annotated[int | None, typer.Option(help="periods replayed (the last ones)")] = None,
    target: Annotated[float, typer.Option(help="fill-rate target, 0-1")] = 0.95,
    class_targets: Annotated[bool, typer.Option(help="per ABC x XYZ class targets")] = False,
    review_period: Annotated[int | None, typer.Option(help="periods between reviews")] = None,
    replan_every: Annotated[int | None, typer.Option(help="periods between plans")] = None,
    until: Annotated[str | None, typer.Option(help="ERP: last day of history")] = None,
    seed: int = 0,
) -> None:
    """Keel's policy and a static reorder point (average demand x lead time x one factor for
    every SKU, the factor found to reach Keel's fill rate) on the same held-out demand and
    lead-time draws: fill rate, cycle service, average inventory value, orders, stockout days."""
    if not 0 < target < 1:
        raise InvalidInput("the fill-rate target lies strictly between 0 and 1")
    if csv_file is not None:
        if freq not in SHAPES:
            raise InvalidInput(f"--freq is one of {', '.join(SHAPES)}")
        shape, period = SHAPES[freq], freq
        review = review_period or 1
        first = date.fromisoformat(start) if start else None
        lanes = LeadTimeSampler(lead_time, lead_time_sd)
        panel, terms = csv_panel(csv_file, freq, first, lanes, unit_cost, review, target)
    else:
        shape, period = DAILY, "D"
        last = date.fromisoformat(until) if until else utcnow().date() - timedelta(days=1)
        db = database()
        review = review_period or db.settings.replenishment_review_period_days
        panel, terms = erp_panel(db, last, review, target)
    if class_targets:
        terms = replace(terms, service_classes=dict(DEFAULT_TARGETS))
    setup = ComparisonSetup(
        period,
        held_out or shape["held_out"],
        shape["baseline_window"],
        replan_every,
        seed=seed,
        forecaster={"selection_horizon": shape["h"], "n_windows": 3},
        min_training=shape["min_training"],
        warm_up=shape["warm_up"],
    )
    with console.status(f"backtesting and replaying {panel['unique_id'].nunique()} series"):
        comparison = compare_policies(panel, terms, setup)
    _report(comparison)


def _report(comparison: Comparison) -> None:
    rows = [
        {
            "policy": outcome.policy,
            "factor": figure(outcome.factor),
            "fill rate": figure(outcome.fill_rate),
            "cycle service": figure(outcome.cycle_service),
            "avg inventory value": f"{outcome.average_inventory_value:,.0f}",
            "orders": outcome.orders,
            "stockout days": outcome.stockout_days,
        }
        for outcome in (comparison.keel, comparison.matched, comparison.common)
    ]
    columns = list(rows[0])
    show_table(f"{comparison.series} series ({comparison.dropped} too short)", rows, columns)
    console.print(
        f"target {comparison.fill_rate_target:.2%}; Keel {comparison.keel.fill_rate:.2%}; "
        f"inventory saved against the baseline at the same fill rate: {comparison.saving:.1%}"
    )
