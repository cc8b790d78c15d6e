"""Demand history to per-SKU forecasts with intervals, backtests and metrics (statsforecast).

from forecasting import DemandForecaster
forecaster = DemandForecaster(freq="D").fit(history)   # unique_id, ds, y [, censored]
forecast = forecaster.predict(h=56, level=[80, 95])
backtest = forecaster.backtest(history, h=28, n_windows=3)
"""

from forecasting.backtest import Backtest
from forecasting.demand_classes import DemandClass, classify_demand
from forecasting.forecaster import DemandForecaster

__all__ = ["Backtest", "DemandClass", "DemandForecaster", "classify_demand"]
