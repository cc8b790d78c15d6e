"""Forecasting accuracy on real monthly demand: Keel's selection against SeasonalNaive (Naive
where a series lacks two seasons) and AutoETS on every series, in the same backtest windows.

Data (read-only, ../shared/data/, see its README):

- carparts_monthly_wide.csv: monthly sales of 2,674 car parts, January 1998 to March 2002;
  Hyndman, Koehler, Ord & Snyder (2008), "Forecasting with Exponential Smoothing: The State
  Space Approach", Springer, data set `carparts` (R package expsmooth). Empty cells mean no
  observation: those series end early and are used over the months they have.
- syntetos_boylan_auto_3000x24_monthly_wide.csv: monthly demand of 3,000 automotive spare
  parts over 24 months; Syntetos & Boylan (2005), "The accuracy of intermittent demand
  estimates", International Journal of Forecasting 21(2):303-314. The months carry no dates;
  they are dated from January 2000 here.

Each set goes through `DemandForecaster(freq="MS").backtest`: rolling-origin windows (car
parts: 3 windows of 6 months, so the first fits on 33; automotive: 3 windows of 3 months, so
the first fits on 15 and no series has two seasons to be seasonal on). "keel" is the selection
scored without hindsight (each window forecast by the model chosen on the other windows, with
the interval measured on them). Printed per set: MASE, RMSSE, WAPE, bias and 80/95% interval
coverage overall and per demand class, the models chosen, and the wall time.

    .venv/bin/python bench/forecast_real.py [--data ../shared/data] [--jobs N] [--limit N]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from forecasting import DemandForecaster

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SETS = {  # file, id column, backtest horizon, windows
    "car parts": ("carparts_monthly_wide.csv", "Part", 6, 3),
    "automotive (Syntetos-Boylan)": ("syntetos_boylan_auto_3000x24_monthly_wide.csv", "sku", 3, 3),
}
MODELS = ("keel", "SeasonalNaive", "AutoETS")
console = Console(width=120)


def monthly_history(path: Path, id_column: str) -> pd.DataFrame:
    """The wide file as the long frame `unique_id, ds, y`, one row per observed month."""
    wide = pd.read_csv(path, dtype={id_column: str})
    long = wide.melt(id_vars=id_column, var_name="month", value_name="y").dropna(subset=["y"])
    months = list(wide.columns.drop(id_column))
    if id_column == "Part":
        dates = pd.to_datetime(pd.Series(months), format="%b-%y")
    else:
        dates = pd.Series(pd.date_range("2000-01-01", periods=len(months), freq="MS"))
    long["ds"] = long["month"].map(dict(zip(months, dates, strict=True)))
    long = long.rename(columns={id_column: "unique_id"})[["unique_id", "ds", "y"]]
    return long.sort_values(["unique_id", "ds"], ignore_index=True)


def table_for(name: str, summary: pd.DataFrame, seconds: float) -> Table:
    table = Table(title=f"{name}: backtest ({seconds:.0f} s)")
    columns = ["group", "model", "series", "MASE", "RMSSE", "WAPE", "bias", "cov 80", "cov 95"]
    for column in columns:
        table.add_column(column, justify="left" if column in ("group", "model") else "right")
    rows = summary[summary["scope"].isin(["overall", "demand_class"])]
    for _, row in rows.iterrows():
        table.add_row(
            str(row["group"]),
            str(row["model"]),
            f"{row['series']:.0f}",
            *(f"{row[c]:.3f}" for c in ("mase", "rmsse", "wape")),
            f"{row['bias']:+.3f}",
            f"{row['coverage_80']:.3f}",
            f"{row['coverage_95']:.3f}",
            end_section=row["model"] == MODELS[-1],
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--limit", type=int, default=None, help="first N series of each set")
    options = parser.parse_args()
    for name, (file, id_column, h, windows) in SETS.items():
        history = monthly_history(options.data / file, id_column)
        if options.limit:
            kept = history["unique_id"].drop_duplicates().head(options.limit)
            history = history[history["unique_id"].isin(kept)]
        started = time.perf_counter()
        forecaster = DemandForecaster("MS", n_jobs=options.jobs)
        backtest = forecaster.backtest(history, h=h, n_windows=windows)
        seconds = time.perf_counter() - started
        summary = backtest.summary()
        order = {"overall": 0, "demand_class": 1} | {m: i for i, m in enumerate(MODELS)}
        summary = summary.sort_values(
            ["scope", "group", "model"], key=lambda column: column.map(order).fillna(column)
        )
        console.print(table_for(name, summary, seconds))
        chosen = backtest.choice.groupby(["demand_class", "model"]).size().rename("series")
        console.print(chosen.unstack(fill_value=0).to_string(), "\n")


if __name__ == "__main__":
    main()
