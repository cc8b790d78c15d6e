"""Syntetos-Boylan demand classes (Syntetos, Boylan & Croston 2005, "On the categorization of
demand patterns", JORS 56(5)).

Per series over its periods (zeros included):

    ADI = periods / demand_periods                       (average inter-demand interval)
    CV2 = (std(sizes) / mean(sizes)) ** 2, std with ddof=0, sizes = the non-zero demands

    smooth        ADI <  1.32 and CV2 <  0.49
    erratic       ADI <  1.32 and CV2 >= 0.49
    intermittent  ADI >= 1.32 and CV2 <  0.49
    lumpy         ADI >= 1.32 and CV2 >= 0.49
    no_demand     no period with demand: ADI and CV2 are undefined and reported as NaN

The class picks the forecasting family: smooth and erratic series suit exponential smoothing
and ARIMA, intermittent and lumpy ones Croston-type methods (SBA, ADIDA, IMAPA, TSB).
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49


class DemandClass(StrEnum):
    SMOOTH = "smooth"
    ERRATIC = "erratic"
    INTERMITTENT = "intermittent"
    LUMPY = "lumpy"
    NO_DEMAND = "no_demand"


def classify_demand(history: pd.DataFrame) -> pd.DataFrame:
    """One row per `unique_id` of the long frame `unique_id, ds, y` (one row per period, zeros
    included): `unique_id, periods, demand_periods, adi, cv2, demand_class`, sorted by id.

    A period has demand when y > 0. The variance of the sizes is taken around the group mean
    in a second pass, so a constant size gives CV2 exactly 0.
    """
    codes, ids = pd.factorize(history["unique_id"], sort=True)
    groups = len(ids)
    demand = history["y"].to_numpy(dtype=np.float64)
    has_demand = demand > 0
    sizes = np.where(has_demand, demand, 0.0)
    periods = np.bincount(codes, minlength=groups)
    demand_periods = np.bincount(codes, weights=has_demand, minlength=groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_size = np.bincount(codes, weights=sizes, minlength=groups) / demand_periods
        deviation = np.where(has_demand, sizes - mean_size[codes], 0.0)
        variance = np.bincount(codes, weights=deviation**2, minlength=groups) / demand_periods
        adi = np.where(demand_periods > 0, periods / demand_periods, np.nan)
        cv2 = np.where(demand_periods > 0, variance / mean_size**2, np.nan)
    return pd.DataFrame(
        {
            "unique_id": np.asarray(ids),
            "periods": periods,
            "demand_periods": demand_periods.astype(np.int64),
            "adi": adi,
            "cv2": cv2,
            "demand_class": _demand_class(adi, cv2),
        }
    )


def class_shares(classes: pd.DataFrame) -> dict[DemandClass, float]:
    """Share of series in each class (every class present, zero when empty); sums to 1 for a
    non-empty frame from `classify_demand`."""
    counts = classes["demand_class"].value_counts()
    total = max(len(classes), 1)
    return {
        demand_class: float(counts.get(demand_class, 0)) / total for demand_class in DemandClass
    }


def _demand_class(adi: np.ndarray, cv2: np.ndarray) -> np.ndarray:
    frequent = adi < ADI_CUTOFF
    steady = cv2 < CV2_CUTOFF
    return np.select(
        [np.isnan(adi), frequent & steady, frequent, steady],
        [
            DemandClass.NO_DEMAND.value,
            DemandClass.SMOOTH.value,
            DemandClass.ERRATIC.value,
            DemandClass.INTERMITTENT.value,
        ],
        default=DemandClass.LUMPY.value,
    )
