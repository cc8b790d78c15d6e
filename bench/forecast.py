"""Forecasting benchmark: the Keel pipeline against AutoETS on every series and SeasonalNaive.

On N generated SKUs x 730 days of the demo company's demand (`pipelines.demo_demand`: about
half intermittent or lumpy; SKUs discontinued before the last day are left out, as the
training pipeline does), every method is fitted on all but the last --horizon days of each
SKU and forecasts those days with 80 and 95% intervals:

    (a) keel           DemandForecaster("D"): backtest of each class's candidates over 3
                       windows of 28 days, per-SKU selection, forecast with intervals
    (b) AutoETS        statsforecast AutoETS(season_length=7) on every series
    (c) SeasonalNaive  statsforecast SeasonalNaive(7) on every series

It prints, per method, wall time, peak resident memory (the method's own process and, apart,
its largest statsforecast worker process) and, on the held-out days, MASE (mean over SKUs of
the MAE over the seasonal-naive in-sample MAE of the training part), WAPE, bias and interval
coverage, overall and MASE per demand class; then the ratios (a)/(b). Goal: (a) at least as
accurate as (b) by MASE, in at most half its time. Every method runs in a fresh process on the
same data and the same number of worker processes (--jobs, default: every core).

    .venv/bin/python bench/forecast.py [--skus 10000] [--horizon 28] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context, set_start_method
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table
from statsforecast import StatsForecast
from statsforecast.models import AutoETS, SeasonalNaive

from forecasting import DemandForecaster, classify_demand
from forecasting.metrics import accuracy, naive_scales
from pipelines.demo_demand import DemandConfig, generate_demand

METHODS = ("keel", "AutoETS", "SeasonalNaive")
LEVELS = [80, 95]
SEASON = 7
console = Console(width=120)


def split_demand(skus: int, horizon: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training, held-out) long frames: all but the last `horizon` days of each SKU on sale
    to the end, and those days."""
    demand = generate_demand(DemandConfig(skus=skus))
    selling = demand.skus.loc[demand.skus["end_day"] >= len(demand.dates), "sku"]
    history = demand.to_long()
    history = history[history["unique_id"].isin(selling)].astype({"y": np.float64})
    cutoff = demand.dates[-1] - pd.Timedelta(days=horizon)
    return history[history["ds"] <= cutoff], history[history["ds"] > cutoff]


def run_method(method: str, skus: int, horizon: int, jobs: int) -> dict[str, Any]:
    """In a fresh process: the method's forecast (`unique_id, ds, mean, lo-*, hi-*`), its wall
    time and peak memory."""
    os.environ.setdefault("NUMBA_CACHE_DIR", "/tmp/numba-cache")
    # A spawned process hands "spawn" on to its own pools; statsforecast's worker pools
    # should start the way they do in any Linux process (fork), not re-import everything.
    set_start_method("fork", force=True)
    training, _ = split_demand(skus, horizon)
    started = time.perf_counter()
    if method == "keel":
        forecast = DemandForecaster("D", n_jobs=jobs).fit(training).predict(horizon, LEVELS)
    else:
        model = AutoETS(season_length=SEASON) if method == "AutoETS" else SeasonalNaive(SEASON)
        engine = StatsForecast([model], freq="D", n_jobs=jobs)
        raw = engine.forecast(h=horizon, df=training, level=LEVELS)
        forecast = raw.rename(columns=lambda c: c.replace(f"{method}-", "").replace(method, "mean"))
        bounds = [c for c in forecast.columns if c.startswith(("lo-", "hi-"))]
        forecast[["mean", *bounds]] = forecast[["mean", *bounds]].clip(lower=0)
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"forecast": forecast, "seconds": seconds, "rss_mb": own, "worker_rss_mb": workers}


def held_out_accuracy(
    forecast: pd.DataFrame, training: pd.DataFrame, held_out: pd.DataFrame
) -> pd.DataFrame:
    """Per SKU: MASE, RMSSE, WAPE, bias, coverage over the held-out days (forecasting.metrics)."""
    joined = held_out.merge(forecast, on=["unique_id", "ds"], how="left").sort_values(
        ["unique_id", "ds"]
    )
    ids = joined["unique_id"].unique()
    shape = (len(ids), 1, -1)
    periods = training.groupby("unique_id").size()
    plan = pd.DataFrame({"unique_id": ids, "season": SEASON, "training_periods": periods[ids]})
    scales = naive_scales(training.sort_values(["unique_id", "ds"]), plan)
    bands = {
        level: tuple(joined[f"{side}-{level}"].to_numpy().reshape(shape) for side in ("lo", "hi"))
        for level in LEVELS
    }
    figures = accuracy(
        joined["y"].to_numpy().reshape(shape),
        joined["mean"].to_numpy().reshape(shape),
        bands,  # type: ignore[arg-type]
        scales["mae_scale"].to_numpy(),
        scales["mse_scale"].to_numpy(),
    )
    return figures.assign(unique_id=ids)


def report(results: dict[str, dict[str, Any]], figures: dict[str, pd.DataFrame], n: int) -> None:
    table = Table(title=f"Forecasting {n:,} SKUs x 730 days", caption="held-out days")
    columns = [
        "method",
        "wall s",
        "peak MB",
        "worker MB",
        "MASE",
        "WAPE",
        "bias",
        "cov 80",
        "cov 95",
    ]
    for column in columns:
        table.add_column(column, justify="left" if column == "method" else "right")
    for method in METHODS:
        run, per_sku = results[method], figures[method]
        actual = per_sku["actual_total"].sum()
        table.add_row(
            method,
            f"{run['seconds']:.1f}",
            f"{run['rss_mb']:.0f}",
            f"{run['worker_rss_mb']:.0f}",
            f"{per_sku['mase'].mean():.4f}",
            f"{per_sku['abs_error_total'].sum() / actual:.4f}",
            f"{per_sku['error_total'].sum() / actual:+.4f}",
            f"{per_sku['coverage_80'].mean():.3f}",
            f"{per_sku['coverage_95'].mean():.3f}",
        )
    console.print(table)


def by_class(figures: dict[str, pd.DataFrame], training: pd.DataFrame) -> None:
    classes = classify_demand(training).set_index("unique_id")["demand_class"]
    mase = pd.DataFrame(
        {m: f.set_index("unique_id")["mase"].groupby(classes).mean() for m, f in figures.items()}
    )
    mase["series"] = classes.value_counts()
    console.print("MASE by demand class (classes of the training part):")
    console.print(mase.round(4).to_string())


def ratios(results: dict[str, dict[str, Any]], figures: dict[str, pd.DataFrame]) -> None:
    time_ratio = results["keel"]["seconds"] / results["AutoETS"]["seconds"]
    mase_ratio = figures["keel"]["mase"].mean() / figures["AutoETS"]["mase"].mean()
    faster = "[green]met[/]" if time_ratio <= 0.5 else "[red]missed[/]"
    better = "[green]met[/]" if mase_ratio <= 1 else "[red]missed[/]"
    console.print(f"(a)/(b) time {time_ratio:.3f} (goal <= 0.5: {faster})")
    console.print(f"(a)/(b) MASE {mase_ratio:.4f} (goal <= 1: {better})")
    memory = results["keel"]["worker_rss_mb"] / results["AutoETS"]["worker_rss_mb"]
    console.print(f"(a)/(b) peak worker memory {memory:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--horizon", type=int, default=28)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    options = parser.parse_args()
    training, held_out = split_demand(options.skus, options.horizon)
    console.print(f"{training['unique_id'].nunique():,} SKUs, {len(training):,} training rows")
    results, figures = {}, {}
    for method in METHODS:
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as fresh:
            args = (method, options.skus, options.horizon, options.jobs)
            results[method] = fresh.submit(run_method, *args).result()
        figures[method] = held_out_accuracy(results[method]["forecast"], training, held_out)
        console.print(f"{method}: {results[method]['seconds']:.1f} s")
    report(results, figures, options.skus)
    by_class(figures, training)
    ratios(results, figures)


if __name__ == "__main__":
    main()
