"""Syntetos-Boylan classes of hand-made series: the cut-offs ADI 1.32 and CV2 0.49 and the
series without any demand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from forecasting.demand_classes import (
    ADI_CUTOFF,
    CV2_CUTOFF,
    DemandClass,
    class_shares,
    classify_demand,
)


def _history(series: dict[str, list[int]]) -> pd.DataFrame:
    frames = [
        pd.DataFrame({"unique_id": sku, "ds": pd.date_range("2025-01-01", periods=len(y)), "y": y})
        for sku, y in series.items()
    ]
    return pd.concat(frames, ignore_index=True)


def _classify(y: list[int]) -> pd.Series:
    return classify_demand(_history({"SKU": y})).iloc[0]


def test_constant_daily_demand_is_smooth() -> None:
    row = _classify([4] * 30)
    assert (row.demand_class, row.adi, row.cv2) == (DemandClass.SMOOTH, 1.0, 0.0)


def test_a_constant_sale_every_third_day_is_intermittent_with_adi_3() -> None:
    row = _classify([0, 0, 6] * 10)
    assert (row.periods, row.demand_periods) == (30, 10)
    assert (row.demand_class, row.adi, row.cv2) == (DemandClass.INTERMITTENT, 3.0, 0.0)


def test_daily_sales_alternating_1_and_10_are_erratic() -> None:
    row = _classify([1, 10] * 15)
    assert row.demand_class == DemandClass.ERRATIC
    assert row.cv2 == pytest.approx(20.25 / 5.5**2)


def test_rare_sales_of_wildly_varying_size_are_lumpy() -> None:
    row = _classify([0, 0, 0, 40, 0, 0, 1, 0, 0, 0, 0, 0, 12, 0, 0, 0, 2, 0, 0, 90])
    assert row.demand_class == DemandClass.LUMPY
    assert row.adi == 4.0


def test_a_series_without_demand_has_no_demand_and_no_adi_or_cv2() -> None:
    row = _classify([0] * 14)
    assert row.demand_class == DemandClass.NO_DEMAND
    assert row.demand_periods == 0
    assert math.isnan(row.adi) and math.isnan(row.cv2)


def test_a_series_on_the_adi_cutoff_counts_as_intermittent() -> None:
    row = _classify(([3] * 25) + [0] * 8)  # 33 periods / 25 demand periods = 1.32
    assert row.adi == ADI_CUTOFF
    assert row.demand_class == DemandClass.INTERMITTENT


def test_a_series_on_the_cv2_cutoff_counts_as_erratic() -> None:
    row = _classify([3, 17] * 10)  # std 7 around a mean of 10
    assert row.cv2 == CV2_CUTOFF
    assert row.demand_class == DemandClass.ERRATIC


def test_each_series_gets_one_row_sorted_by_id_whatever_the_row_order() -> None:
    history = _history({"B": [1, 0, 2], "A": [5, 5, 5, 5]}).sample(frac=1, random_state=3)
    classes = classify_demand(history)
    assert classes["unique_id"].tolist() == ["A", "B"]
    assert classes["periods"].tolist() == [4, 3]
    assert classes["demand_periods"].tolist() == [4, 2]


def test_categorical_ids_classify_like_strings() -> None:
    history = _history({"A": [1, 10] * 5, "B": [0, 0, 2] * 4})
    categorical = history.assign(unique_id=history["unique_id"].astype("category"))
    expected = classify_demand(history)
    pd.testing.assert_frame_equal(classify_demand(categorical).astype({"unique_id": str}), expected)


def test_class_shares_count_every_class_and_sum_to_one() -> None:
    history = _history(
        {"A": [4] * 10, "B": [0, 0, 6] * 4, "C": [1, 10] * 5, "D": [0] * 9, "E": [2] * 10}
    )
    shares = class_shares(classify_demand(history))
    assert set(shares) == set(DemandClass)
    assert shares[DemandClass.SMOOTH] == pytest.approx(0.4)
    assert shares[DemandClass.LUMPY] == 0.0
    assert sum(shares.values()) == pytest.approx(1.0)


def test_an_empty_history_has_a_zero_share_in_every_class() -> None:
    empty = _history({"A": [1]}).head(0)
    assert set(class_shares(classify_demand(empty)).values()) == {0.0}
