"""Return-rate flags: a serial returner is flagged, a new customer's single return is not, and a
SKU's weekly return rate is flagged only when it breaks out of its own control chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomaly.return_rates import customer_flags, sku_spikes


def test_a_serial_returner_is_flagged_and_one_return_on_one_purchase_is_not() -> None:
    rng = np.random.default_rng(3)
    sold = rng.integers(5, 40, size=200)
    crowd = pd.DataFrame(
        {
            "customer": [f"C{i}" for i in range(200)],
            "sold": sold,
            "returned": rng.binomial(sold, 0.06),
        }
    )
    odd = pd.DataFrame({"customer": ["SERIAL", "NEW"], "sold": [30, 1], "returned": [18, 1]})
    flags = customer_flags(pd.concat([crowd, odd], ignore_index=True)).set_index("customer")
    assert flags.loc["SERIAL", "flagged"]
    assert flags.loc["SERIAL", "reason"].startswith("returned 18 of 30 units (60%)")
    assert not flags.loc["NEW", "flagged"], "one return on one purchase is not evidence"
    assert flags.loc["NEW", "smoothed_rate"] < 0.2
    assert flags["flagged"].sum() <= 3, "ordinary customers stay quiet"


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        customer_flags(pd.DataFrame({"customer": ["X"], "sold": [1], "returned": [2]}))


def test_a_sku_return_spike_breaks_its_control_chart_and_ordinary_weeks_do_not() -> None:
    rng = np.random.default_rng(5)
    rows = []
    for sku in ("STEADY", "SPIKY"):
        for week in range(26):
            sold = int(rng.integers(80, 120))
            rate = 0.35 if (sku == "SPIKY" and week == 20) else 0.05
            rows.append((sku, week, sold, int(rng.binomial(sold, rate))))
    weeks = pd.DataFrame(rows, columns=["sku", "week", "sold", "returned"])
    spikes = sku_spikes(weeks)
    assert list(zip(spikes["sku"], spikes["week"], strict=True)) == [("SPIKY", 20)]
    assert "above its control limit" in spikes.loc[0, "reason"]


def test_a_first_week_and_a_thin_week_are_never_flagged() -> None:
    weeks = pd.DataFrame(
        {"sku": ["A", "A", "A"], "week": [1, 2, 3], "sold": [50, 3, 50], "returned": [40, 3, 2]}
    )
    assert sku_spikes(weeks).empty
