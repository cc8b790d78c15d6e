"""Forecast runs: their life and the limits a request must keep."""

from __future__ import annotations

from enum import StrEnum

from erp_core.domain.errors import InvalidInput

LEVELS = (80, 95)
GROUPINGS = ("sku", "location", "channel")


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def check_horizon(horizon: int, max_horizon: int) -> None:
    if not 0 < horizon <= max_horizon:
        raise InvalidInput(
            f"the horizon is 1 to {max_horizon} days", horizon=horizon, limit=max_horizon
        )


def check_request(horizon: int, max_horizon: int, grouping: str) -> None:
    check_horizon(horizon, max_horizon)
    if grouping not in GROUPINGS:
        raise InvalidInput(
            f"forecasts are per {', '.join(GROUPINGS)}", grouping=grouping, allowed=GROUPINGS
        )
