"""Return-rate anomalies on plain frames: customers who return far more than others, with a
Bayesian shrinkage so one return on one purchase flags nobody, and SKUs whose weekly return
rate breaks out of its own control chart.

Customer: with the population's return rate p0 as a Beta(p0 k, (1 - p0) k) prior of strength k
units, a customer who returned r of n units has the posterior Beta(p0 k + r, (1 - p0) k + n - r).
The customer is flagged when even the posterior's 5th percentile lies above `factor` x p0: the
evidence, not the ratio alone, must say so.

SKU: a p-chart per SKU. The centre is the SKU's return rate over its earlier weeks; a week is out
of control when its rate exceeds centre + 3 sqrt(centre (1 - centre) / units sold that week).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import beta

# A customer's history counts like this many units of the population before their own.
PRIOR_UNITS = 20.0
# Flag a customer whose return rate is, with 95% confidence, above this multiple of everyone's.
CUSTOMER_FACTOR = 2.0
CONFIDENCE_QUANTILE = 0.05
SIGMAS = 3.0
# A week with fewer units sold than this says too little for a control limit.
MIN_WEEK_UNITS = 10


def customer_flags(sales: pd.DataFrame) -> pd.DataFrame:
    """sales: customer, sold (units), returned (units). One row per customer with the raw and
    smoothed rates, the posterior's lower bound, flagged and a reason for the flagged."""
    if (sales["returned"] > sales["sold"]).any() or (sales[["sold", "returned"]] < 0).any().any():
        raise ValueError("returned units must be between 0 and the units sold")
    sold, returned = sales["sold"].astype(float), sales["returned"].astype(float)
    p0 = returned.sum() / sold.sum() if sold.sum() else 0.0
    a = p0 * PRIOR_UNITS + returned
    b = (1 - p0) * PRIOR_UNITS + sold - returned
    lower = beta.ppf(CONFIDENCE_QUANTILE, np.maximum(a, 1e-9), np.maximum(b, 1e-9))
    flagged = lower > CUSTOMER_FACTOR * p0
    out = pd.DataFrame(
        {
            "customer": sales["customer"].to_numpy(),
            "sold": sales["sold"].to_numpy(),
            "returned": sales["returned"].to_numpy(),
            "rate": np.divide(returned, sold, out=np.zeros(len(sold)), where=sold > 0),
            "smoothed_rate": a / (a + b),
            "lower_bound": lower,
            "flagged": flagged,
        }
    )
    out["reason"] = [
        f"returned {r:g} of {n:g} units ({r / n:.0%}), against {p0:.0%} for all customers"
        if flag
        else None
        for r, n, flag in zip(out["returned"], out["sold"], flagged, strict=True)
    ]
    return out


def sku_spikes(weeks: pd.DataFrame) -> pd.DataFrame:
    """weeks: sku, week, sold, returned, one row per SKU and week. The weeks out of control,
    each with its centre, limit and a reason; the centre uses only the SKU's earlier weeks."""
    frame = weeks.sort_values(["sku", "week"]).reset_index(drop=True)
    grouped = frame.groupby("sku", sort=False)
    earlier_sold = grouped["sold"].cumsum() - frame["sold"]
    earlier_returned = grouped["returned"].cumsum() - frame["returned"]
    centre = np.divide(
        earlier_returned,
        earlier_sold,
        out=np.full(len(frame), np.nan),
        where=earlier_sold > 0,
    )
    sold = frame["sold"].astype(float)
    rate = np.divide(frame["returned"], sold, out=np.zeros(len(frame)), where=sold > 0)
    spread = np.sqrt(centre * (1 - centre) / np.maximum(sold, 1))
    limit = centre + SIGMAS * spread
    out_of_control = (sold >= MIN_WEEK_UNITS) & ~np.isnan(centre) & (rate > limit)
    found = frame.assign(rate=rate, centre=centre, limit=limit)[out_of_control].copy()
    found["reason"] = [
        f"return rate {r:.0%} in week {w}, above its control limit {lim:.0%} (usual {c:.0%})"
        for r, w, lim, c in zip(
            found["rate"], found["week"], found["limit"], found["centre"], strict=True
        )
    ]
    return found.reset_index(drop=True)
