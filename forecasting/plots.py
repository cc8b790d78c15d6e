"""PNG pictures of forecasts and backtests, for MLflow artifacts and the API.

Figures are drawn on matplotlib's Agg canvas directly (no pyplot), so nothing global is
touched and drawing is safe from any thread of a web server.
"""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from forecasting.demand_classes import DemandClass

BASELINE_COLOURS = {"keel": "#1f6f8b", "SeasonalNaive": "#b0b0b0", "AutoETS": "#e39b3b"}
HISTORY_SPANS = 8  # history shown before the forecast, in multiples of its length


def forecast_png(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    unique_id: str,
    actuals: pd.DataFrame | None = None,
) -> bytes:
    """One series: the tail of its history (HISTORY_SPANS x the forecast's length), the
    forecast mean with its widest and narrowest bands (e.g. 95 and 80), and the actual demand
    over the forecast periods when `actuals` (`unique_id, ds, y`) is given."""
    future = forecast[forecast["unique_id"] == unique_id].sort_values("ds")
    if future.empty:
        raise ValueError(f"no forecast for series {unique_id!r}")
    past = history[history["unique_id"] == unique_id].sort_values("ds")
    past = past.tail(HISTORY_SPANS * len(future))
    figure = Figure(figsize=(9, 3.6), layout="constrained")
    axes = figure.add_subplot()
    levels = sorted(int(c.removeprefix("lo-")) for c in future.columns if c.startswith("lo-"))
    for level, alpha in zip(reversed(levels), (0.18, 0.32, 0.45), strict=False):
        band = (future[f"lo-{level}"], future[f"hi-{level}"])
        colour = BASELINE_COLOURS["keel"]
        axes.fill_between(future["ds"], *band, color=colour, alpha=alpha, label=f"{level}%")
    axes.plot(past["ds"], past["y"], color="#333333", linewidth=1, label="demand")
    axes.plot(future["ds"], future["mean"], color=BASELINE_COLOURS["keel"], label="forecast")
    if actuals is not None:
        seen = actuals[(actuals["unique_id"] == unique_id) & actuals["ds"].isin(future["ds"])]
        axes.plot(seen["ds"], seen["y"], color="#c0392b", linewidth=1, label="actual")
    model = str(future["model"].iloc[0]) if "model" in future else ""
    axes.set_title(f"{unique_id}  ({model})", loc="left")
    axes.set_ylabel("units")
    axes.set_ylim(bottom=0)
    axes.legend(loc="upper left", fontsize="small", ncols=3)
    return _png(figure)


def error_by_class_png(summary: pd.DataFrame, metric: str = "mase") -> bytes:
    """Bars of a backtest metric per demand class, one bar per model ("keel" and the
    baselines), from `Backtest.summary()`."""
    by_class = summary[summary["scope"] == "demand_class"]
    if by_class.empty:
        raise ValueError("the summary has no demand-class rows: nothing was backtested")
    classes = [c.value for c in DemandClass if c.value in set(by_class["group"])]
    models = [m for m in BASELINE_COLOURS if m in set(by_class["model"])]
    figure = Figure(figsize=(7, 3.6), layout="constrained")
    axes = figure.add_subplot()
    width = 0.8 / max(len(models), 1)
    for offset, model in enumerate(models):
        rows = by_class[by_class["model"] == model].set_index("group").reindex(classes)
        positions = [i + (offset - (len(models) - 1) / 2) * width for i in range(len(classes))]
        axes.bar(positions, rows[metric], width, label=model, color=BASELINE_COLOURS[model])
    axes.set_xticks(range(len(classes)), classes)
    axes.set_ylabel(metric.upper())
    axes.set_title(f"Backtest {metric.upper()} by demand class (lower is better)", loc="left")
    figure.legend(loc="outside lower center", ncols=len(models), fontsize="small")
    return _png(figure)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()
