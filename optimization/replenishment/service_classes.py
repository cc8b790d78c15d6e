"""Service targets per ABC (share of value) x XYZ (variability) class.

    ABC   rank by annual value, largest first, and accumulate shares of the total:
          A the lines making up the first 80% of value (including the one that crosses 80%),
          B the next 15% (to 95%), C the rest and every line without value
    XYZ   coefficient of variation of per-period demand cv = sd / mean:
          X cv <= 0.5, Y cv <= 1.0, Z cv > 1.0 (and no demand at all)

Valuable, steady lines earn the highest target: a stockout there loses most and a point of
service costs least stock. ABC classification as in Silver, Pyke & Thomas (2017), "Inventory
and Production Management in Supply Chains", 4th ed.; the cut-offs are Keel's defaults.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

A_SHARE = 0.80
B_SHARE = 0.95
X_CV = 0.5
Y_CV = 1.0

DEFAULT_TARGETS: dict[str, float] = {
    "AX": 0.98,
    "AY": 0.97,
    "AZ": 0.95,
    "BX": 0.96,
    "BY": 0.95,
    "BZ": 0.92,
    "CX": 0.93,
    "CY": 0.90,
    "CZ": 0.85,
}


def abc_xyz(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame (columns key, annual_value, mean, sd; per-period demand) with `abc`, `xyz`,
    `cv` and `service_class` (e.g. "AX") added, in the input's row order. Ties in value are
    ranked by key so the classes are deterministic."""
    missing = {"key", "annual_value", "mean", "sd"} - set(frame.columns)
    if missing:
        raise ValueError(f"abc_xyz needs the columns {sorted(missing)}")
    out = frame.copy()
    out["abc"] = _abc(out)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(out["mean"] > 0, out["sd"] / out["mean"], np.inf)
    out["cv"] = cv
    out["xyz"] = np.select([cv <= X_CV, cv <= Y_CV], ["X", "Y"], default="Z")
    out["service_class"] = out["abc"] + out["xyz"]
    return out


def _abc(frame: pd.DataFrame) -> pd.Series:
    order = sorted(
        range(len(frame)),
        key=lambda row: (-frame["annual_value"].iat[row], frame["key"].iat[row]),
    )
    value = frame["annual_value"].to_numpy(dtype=float)[order]
    total = value.sum()
    share = value / total if total > 0 else np.zeros_like(value)
    before = np.cumsum(share) - share  # value share of the lines ranked above
    ranked = np.select([value <= 0, before < A_SHARE, before < B_SHARE], ["C", "A", "B"], "C")
    classes = np.empty(len(frame), dtype=object)
    classes[order] = ranked
    return pd.Series(classes, index=frame.index, name="abc")
