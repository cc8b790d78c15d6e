"""Demand anomalies: a planted spike is flagged in business words, a slow SKU's extra unit is
not, a spike never widens its own band nor hides the next one, and stockout days are never
flagged nor learnt from."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomaly.demand_days import IN_SAMPLE, in_sample_band, unusual_days
from tests.unit.generated_demand import START, intermittent, weekly_seasonal


def _day(n: int) -> pd.Timestamp:
    return START + pd.Timedelta(days=n)


def _set(history: pd.DataFrame, unique_id: str, n: int, units: float) -> pd.DataFrame:
    at = (history["unique_id"] == unique_id) & (history["ds"] == _day(n))
    return history.assign(y=history["y"].mask(at, units))


def _flagged(history: pd.DataFrame) -> pd.DataFrame:
    return unusual_days(history, in_sample_band(history))


def test_a_planted_spike_is_the_one_day_flagged_with_its_reason() -> None:
    history = _set(weekly_seasonal(20, 140, level=20.0), "weekly-03", 100, 140)
    found = _flagged(history)
    assert found[["unique_id", "ds"]].values.tolist() == [["weekly-03", _day(100)]]
    spike = found.iloc[0]
    assert spike["source"] == IN_SAMPLE
    assert spike["reason"].startswith("sold 140 units vs a usual ")
    assert f"on {_day(100):%A}s (95% band " in spike["reason"]
    assert spike["lo"] < spike["mean"] < spike["hi"] < 40


def test_a_forecast_interval_gives_the_reason_in_the_forecasts_words() -> None:
    history = pd.DataFrame({"unique_id": ["A", "A"], "ds": [_day(0), _day(1)], "y": [140.0, 9]})
    intervals = history[["unique_id", "ds"]].assign(mean=12.0, lo=3.0, hi=25.0)
    found = unusual_days(history, intervals)
    assert found["reason"].tolist() == ["sold 140 units vs forecast 12 (95% interval 3–25)"]
    assert found["score"].iloc[0] == pytest.approx((140 - 25) / 22)


def test_a_slow_sku_one_unit_over_its_bound_is_not_flagged() -> None:
    forecast = pd.DataFrame({"unique_id": ["SLOW"], "ds": [_day(0)], "mean": 0.3, "lo": 0, "hi": 1})
    over_by_one = forecast[["unique_id", "ds"]].assign(y=2.0)
    assert unusual_days(over_by_one, forecast).empty
    history = intermittent(1, 120, chance=0.2)
    band = in_sample_band(history).set_index("ds")
    hi = band.loc[_day(100), "hi"]
    assert hi < 5, "a slow SKU's band is a few units wide"
    assert _flagged(_set(history, "rare-00", 100, np.ceil(hi) + 1)).empty
    assert _day(100) in set(_flagged(_set(history, "rare-00", 100, 20))["ds"])


def test_a_spike_neither_widens_its_own_band_nor_hides_the_next_one() -> None:
    ordinary = weekly_seasonal(1, 140, level=20.0)
    spiky = _set(_set(ordinary, "weekly-00", 98, 150), "weekly-00", 105, 150)
    plain_band = in_sample_band(ordinary).set_index("ds")
    spiky_band = in_sample_band(spiky).set_index("ds")
    columns = ["mean", "lo", "hi"]
    assert spiky_band.loc[_day(98), columns].tolist() == plain_band.loc[_day(98), columns].tolist()
    assert spiky_band.loc[_day(105), "hi"] < 50, "the first spike barely moves the next band"
    assert set(_flagged(spiky)["ds"]) == {_day(98), _day(105)}


def test_stockout_days_are_never_flagged_nor_learnt_from() -> None:
    history = _set(weekly_seasonal(1, 140, level=20.0), "weekly-00", 100, 150)
    out_of_stock = history["ds"].between(_day(60), _day(100))
    censored = history.assign(censored=out_of_stock)
    assert _day(100) not in set(_flagged(censored)["ds"])
    emptied = censored.assign(y=censored["y"].mask(out_of_stock, 0.0))
    assert in_sample_band(emptied).equals(in_sample_band(censored)), "stockout zeros say nothing"


def test_a_series_with_missing_days_is_refused() -> None:
    history = weekly_seasonal(1, 30)
    with pytest.raises(ValueError, match="without gaps"):
        in_sample_band(history.drop(index=10))
