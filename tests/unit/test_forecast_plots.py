"""The forecast and backtest pictures are PNG images, and refuse what they cannot draw."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting import DemandForecaster
from forecasting.plots import error_by_class_png, forecast_png
from tests.unit.generated_demand import intermittent, weekly_seasonal

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return pd.concat([weekly_seasonal(2, 120), intermittent(2, 120, 0.2)], ignore_index=True)


def test_a_series_forecast_with_its_bands_and_actuals_is_a_png(history: pd.DataFrame) -> None:
    past = history[history["ds"] < history["ds"].max() - pd.Timedelta(days=13)]
    forecast = DemandForecaster("D", n_jobs=1).fit(past).predict(h=14)
    image = forecast_png(past, forecast, "weekly-00", actuals=history)
    assert image.startswith(PNG_SIGNATURE)
    with pytest.raises(ValueError, match="no forecast"):
        forecast_png(past, forecast, "unknown")


def test_the_backtest_error_by_demand_class_is_a_png(history: pd.DataFrame) -> None:
    backtest = DemandForecaster("D", n_jobs=1).backtest(history, h=14, n_windows=2)
    assert error_by_class_png(backtest.summary()).startswith(PNG_SIGNATURE)
    with pytest.raises(ValueError, match="nothing was backtested"):
        error_by_class_png(backtest.summary().head(0))
