"""Forecast accuracy figures computed by hand on tiny series: MASE, RMSSE, WAPE, bias and
coverage per series, their summaries, the ABC classes, and the interval and selection rules
the figures feed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.abc_classes import abc_classes
from forecasting.intervals import banded, leave_one_window_out, quantile_offsets
from forecasting.metrics import accuracy, naive_scales, summarise
from forecasting.selection import blended_scores, choose, cross_fitted_choices


def _one(values: list[float]) -> np.ndarray:
    return np.array(values, dtype=np.float64).reshape(1, 1, -1)


def test_per_series_figures_follow_their_formulas() -> None:
    actual, forecast = _one([2, 0, 4, 2]), _one([1, 1, 1, 1])
    lo, hi = _one([0, 0, 0, 0]), _one([2, 2, 2, 2])
    row = accuracy(actual, forecast, {80: (lo, hi)}, np.array([2.0]), np.array([4.0])).iloc[0]
    assert row["mase"] == pytest.approx((1 + 1 + 3 + 1) / 4 / 2.0)
    assert row["rmsse"] == pytest.approx(np.sqrt((1 + 1 + 9 + 1) / 4 / 4.0))
    assert row["wape"] == pytest.approx(6 / 8)
    assert row["bias"] == pytest.approx((4 - 8) / 8)
    assert row["coverage_80"] == pytest.approx(3 / 4)
    assert (row["actual_total"], row["abs_error_total"], row["error_total"]) == (8, 6, -4)


def test_a_series_without_scale_or_sales_has_no_scaled_or_relative_error() -> None:
    zeros = _one([0, 0])
    row = accuracy(zeros, zeros, {}, np.array([0.0]), np.array([0.0])).iloc[0]
    assert np.isnan([row["mase"], row["rmsse"], row["wape"], row["bias"]]).all()


def test_scales_are_the_seasonal_naive_errors_of_the_training_part_only() -> None:
    history = pd.DataFrame(
        {
            "unique_id": ["s"] * 6 + ["n"] * 4,
            "ds": [
                *pd.date_range("2025-01-01", periods=6),
                *pd.date_range("2025-01-01", periods=4),
            ],
            "y": [1.0, 5.0, 3.0, 9.0, 100.0, 100.0, 1.0, 2.0, 4.0, 50.0],
        }
    )
    plan = pd.DataFrame({"unique_id": ["s", "n"], "season": [2, 1], "training_periods": [4, 3]})
    scales = naive_scales(history, plan).set_index("unique_id")
    assert scales.loc["s", "mae_scale"] == pytest.approx((2 + 4) / 2)  # 3-1, 9-5
    assert scales.loc["s", "mse_scale"] == pytest.approx((4 + 16) / 2)
    assert scales.loc["n", "mae_scale"] == pytest.approx((1 + 2) / 2)


def _errors(**by_model: dict[str, dict[str, float]]) -> pd.DataFrame:
    rows = [
        {"unique_id": uid, "model": model, "demand_class": "smooth", **figures}
        for model, series in by_model.items()
        for uid, figures in series.items()
    ]
    return pd.DataFrame(rows)


def test_summaries_average_scaled_errors_but_add_up_volumes_for_wape_and_bias() -> None:
    big = {"mase": 0.5, "rmsse": 0.5, "coverage_80": 1.0, "actual_total": 90.0}
    small = {"mase": 1.5, "rmsse": 1.5, "coverage_80": 0.5, "actual_total": 10.0}
    errors = _errors(
        keel={
            "a": big | {"abs_error_total": 9.0, "error_total": -9.0},
            "b": small | {"abs_error_total": 10.0, "error_total": 10.0},
        }
    ).assign(wape=np.nan, bias=np.nan)
    row = summarise(errors, ["keel"], ["demand_class"]).iloc[0]
    assert (row["scope"], row["group"], row["series"]) == ("overall", "all", 2)
    assert row["mase"] == pytest.approx(1.0)
    assert row["wape"] == pytest.approx(19 / 100)
    assert row["bias"] == pytest.approx(1 / 100)
    assert row["coverage_80"] == pytest.approx(0.75)


def test_abc_classes_split_volume_at_80_and_95_percent() -> None:
    volumes = {"a": 70, "b": 15, "c": 8, "d": 4, "e": 3, "f": 0}
    history = pd.DataFrame({"unique_id": list(volumes), "y": list(volumes.values())})
    classes = abc_classes(history).set_index("unique_id")["abc_class"]
    # shares of volume before each: a 0, b 70%, c 85%, d 93%, e 97%
    assert classes.to_dict() == {"a": "A", "b": "A", "c": "B", "d": "B", "e": "C", "f": "C"}


def test_interval_offsets_are_the_conformal_order_statistics_of_the_errors() -> None:
    errors = np.arange(1.0, 20.0)[None, :]  # n = 19
    offsets = quantile_offsets(errors, [80, 95])
    assert offsets[80][:, 0].tolist() == [2.0, 18.0]  # floor(20 x 0.1), ceil(20 x 0.9)
    assert offsets[95][:, 0].tolist() == [1.0, 19.0]


def test_each_window_takes_its_interval_from_the_other_windows() -> None:
    errors = np.array([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]])
    assert leave_one_window_out(errors)[0].tolist() == [[3, 4, 5, 6], [1, 2, 5, 6], [1, 2, 3, 4]]


def test_bands_of_counts_are_whole_units_and_always_hold_the_clipped_mean() -> None:
    forecast = np.array([0.8, 0.8, -0.5])
    whole = np.array([True, False, True])
    mean, lo, hi = banded(forecast, np.full(3, -0.75), np.full(3, -0.2), whole)
    assert mean.tolist() == [0.8, 0.8, 0.0]
    assert lo.tolist() == pytest.approx([0.0, 0.05, 0.0])
    assert hi.tolist() == pytest.approx([1.0, 0.8, 0.0])


def test_selection_takes_the_best_score_but_the_simpler_model_within_a_tie() -> None:
    pairs = pd.DataFrame(
        {
            "unique_id": ["a", "a", "a", "b", "b"],
            "rank": [0, 1, 2, 0, 1],
            "candidate": [True, True, False, True, True],
        }
    )
    chosen = choose(pairs, np.array([1.005, 1.0, 0.1, 2.0, 1.0]))
    assert chosen.tolist() == [0, 4]  # a: within 1% of the best; the baseline never competes


def test_with_few_errors_a_series_leans_on_its_class_record() -> None:
    pairs = pd.DataFrame(
        {
            "unique_id": ["a", "a", "b", "b", "c", "c"],
            "rank": [0, 1] * 3,
            "candidate": [True] * 6,
        }
    )
    own = np.array([1.1, 1.0, 1.0, 2.0, 1.0, 2.0])  # a alone prefers the second model
    scales, pools = np.ones(6), np.array(["smooth/X", "smooth/Y"] * 3)
    assert choose(pairs, blended_scores(own, scales, pools, errors=9))[0] == 0
    assert choose(pairs, blended_scores(own, scales, pools, errors=100_000))[0] == 1
    unscaled = np.array([0.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    assert blended_scores(own, unscaled, pools, errors=9)[0] == own[0]


def test_cross_fitted_choices_never_use_the_window_they_are_scored_on() -> None:
    pairs = pd.DataFrame({"unique_id": ["a", "a"], "rank": [0, 1], "candidate": [True, True]})
    window_errors = np.array([[1.0, 1.0, 9.0], [2.0, 2.0, 2.0]])
    rows = cross_fitted_choices(pairs, window_errors, np.ones(2), np.array(["X", "Y"]), h=1000)
    assert rows.tolist() == [[1, 1, 0]]
