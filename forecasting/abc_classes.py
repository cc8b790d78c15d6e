"""ABC classes by share of volume (Pareto): rank series by total demand, largest first, and
accumulate their shares of the grand total.

    A  the series that make up the first 80% of volume (including the one that crosses 80%)
    B  the next 15% (up to 95%)
    C  the rest, and every series that sold nothing

Ties in volume are ranked by unique_id so the classes are deterministic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

A_SHARE = 0.80
B_SHARE = 0.95


def abc_classes(history: pd.DataFrame) -> pd.DataFrame:
    """`unique_id, volume, share, abc_class` per series of the long frame `unique_id, ds, y`,
    largest volume first; share is the series' fraction of the total volume."""
    volume = history.groupby("unique_id", sort=True)["y"].sum()
    ranked = (
        volume.rename("volume")
        .rename_axis("unique_id")
        .reset_index()
        .sort_values(["volume", "unique_id"], ascending=[False, True], kind="stable")
    )
    total = ranked["volume"].sum()
    ranked["share"] = ranked["volume"] / total if total > 0 else 0.0
    before = ranked["share"].cumsum() - ranked["share"]  # volume share of the series ranked above
    ranked["abc_class"] = np.select(
        [ranked["volume"] <= 0, before < A_SHARE, before < B_SHARE], ["C", "A", "B"], default="C"
    )
    return ranked.reset_index(drop=True)
