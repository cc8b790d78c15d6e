"""How each SKU-location is graded for planning: its Syntetos-Boylan demand class (which
picks the safety-stock method) and its ABC x XYZ service class (which picks the target)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import numpy as np
import pandas as pd

from forecasting.demand_classes import classify_demand
from optimization.replenishment.service_classes import abc_xyz


def service_grades(
    unit_costs: Mapping[str, Decimal], daily: dict[tuple[str, str], np.ndarray]
) -> dict[tuple[str, str], tuple[str, str]]:
    """(demand class, ABC x XYZ class) per SKU-location from its recent daily demand."""
    if not daily:
        return {}
    keys = list(daily)
    lengths = np.array([len(daily[key]) for key in keys])
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(
                np.array([f"{s}@{loc}" for s, loc in keys], dtype=object), lengths
            ),
            "ds": np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths),
            "y": np.concatenate([daily[key] for key in keys]),
        }
    )
    demand_classes = classify_demand(frame).set_index("unique_id")["demand_class"].to_dict()
    weekly = {key: _weekly(daily[key]) for key in keys}
    table = pd.DataFrame(
        {
            "key": [f"{sku}@{loc}" for sku, loc in keys],
            "annual_value": [weekly[k].mean() * 52 * float(unit_costs[k[0]]) for k in keys],
            "mean": [weekly[k].mean() for k in keys],
            "sd": [weekly[k].std() for k in keys],
        }
    )
    graded = abc_xyz(table).set_index("key")
    return {
        (sku, loc): (
            str(demand_classes.get(f"{sku}@{loc}", "smooth")),
            str(graded.at[f"{sku}@{loc}", "service_class"]),
        )
        for sku, loc in keys
    }


def _weekly(daily: np.ndarray) -> np.ndarray:
    """Weekly sums, newest week last; variability is judged per week, as daily demand of
    almost any SKU looks erratic."""
    whole = len(daily) - len(daily) % 7
    return daily[len(daily) - whole :].reshape(-1, 7).sum(axis=1) if whole else np.zeros(1)
