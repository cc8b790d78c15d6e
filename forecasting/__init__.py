"""Demand history to per-SKU forecasts with intervals, backtests and metrics (statsforecast)."""
