"""PNG pictures of an order anomaly model: where its scores fall against the hold threshold,
and which reasons its holds give. Drawn on matplotlib's Agg canvas (no pyplot), so nothing
global is touched."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

TOP_REASONS = 12


def score_distribution_png(
    scores: pd.Series, threshold: float, anomalous: pd.Series | None = None
) -> bytes:
    """Histogram of scores (log count), the threshold, and the known anomalies on top."""
    figure = Figure(figsize=(8, 3.6), layout="constrained")
    axes = figure.add_subplot()
    bins = list(np.linspace(0.0, 1.0, 51))
    axes.hist(scores, bins=bins, color="#1f6f8b", alpha=0.75, label="orders", log=True)
    if anomalous is not None and anomalous.any():
        known = scores[anomalous.reindex(scores.index, fill_value=False).astype(bool)]
        axes.hist(known, bins=bins, color="#c0392b", alpha=0.8, label="known anomalies", log=True)
    axes.axvline(threshold, color="#333333", linestyle="--", label=f"hold at {threshold:.3f}")
    axes.set_xlabel("anomaly score")
    axes.set_ylabel("orders")
    axes.legend(loc="upper right", fontsize="small")
    return _png(figure)


def reason_frequency(reasons: pd.Series) -> pd.DataFrame:
    """How often each kind of reason is given, numbers blanked so "order value 9.3x this
    customer's median" and "... 12.0x ..." count as one kind."""
    kinds = reasons.explode().dropna().map(lambda r: re.sub(r"\d+(?:[.,]\d+)?", "N", str(r)))
    counts = kinds.value_counts()
    return pd.DataFrame({"reason": counts.index, "orders": counts.to_numpy()})


def reason_frequency_png(frequency: pd.DataFrame) -> bytes:
    top = frequency.head(TOP_REASONS).iloc[::-1]
    figure = Figure(figsize=(8, 0.4 * max(len(top), 3) + 1), layout="constrained")
    axes = figure.add_subplot()
    axes.barh(top["reason"], top["orders"], color="#e39b3b")
    axes.set_xlabel("held orders giving the reason")
    return _png(figure)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()
