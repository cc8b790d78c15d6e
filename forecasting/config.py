"""The forecaster's configuration: a plain dict (JSON-able) holding everything needed to
rebuild a forecaster that predicts like the original, and the checks that refuse a bad one.

    freq               as given: "D", "W"/"W-xxx", "MS"/"ME"/"M"
    season_length      7, 52 or 12 by frequency unless overridden
    selection_horizon  h of each backtest window: 28 days, 8 weeks or 6 months by default
    n_windows          backtest windows (>= 2: the honest "keel" score leaves one out)
    level              interval levels predict gives by default
    selection_metric   "mase" (default) or "rmsse": the scaled error selection ranks by
    candidates         aliases per demand class, simplest first (`forecasting.candidates`)
    fallback           the alias per demand class for series too short to backtest
    rules              the library's fixed rules; a config recorded under other rules is
                       refused rather than replayed differently
"""

from __future__ import annotations

from typing import Any

import numpy as np

from forecasting import candidates
from forecasting.history import SEASON_LENGTHS, check_horizon, check_levels, frequency_kind
from forecasting.selection import PRIOR_ERRORS, TIE_TOLERANCE

SELECTION_HORIZONS = {"D": 28, "W": 8, "M": 6}
MAX_WINDOWS = 12
SELECTION_METRICS = ("mase", "rmsse")
RULES = {
    "version": 2,
    "min_seasons": candidates.MIN_SEASONS,
    "tie_tolerance": TIE_TOLERANCE,
    "prior_errors": PRIOR_ERRORS,
    "tsb_smoothing": candidates.TSB_SMOOTHING,
}


def forecaster_config(
    freq: str,
    season_length: int | None,
    selection_horizon: int | None,
    n_windows: int,
    level: list[int] | tuple[int, ...],
    selection_metric: str,
    candidate_models: dict[str, list[str]] | None,
    fallback: dict[str, str] | None,
) -> dict[str, Any]:
    """The checked configuration; None takes the frequency's default."""
    kind = frequency_kind(freq)
    season = SEASON_LENGTHS[kind] if season_length is None else season_length
    if isinstance(season, bool) or not isinstance(season, int | np.integer) or season < 1:
        raise ValueError(f"season_length must be a whole number >= 1, got {season!r}")
    horizon = SELECTION_HORIZONS[kind] if selection_horizon is None else selection_horizon
    chosen = candidate_models or candidates.default_candidates(kind)
    fallbacks = fallback or dict(candidates.FALLBACK)
    if selection_metric not in SELECTION_METRICS:
        raise ValueError(f"selection_metric must be one of {SELECTION_METRICS}")
    candidates.check_aliases(chosen)
    candidates.check_aliases({k: [v] for k, v in fallbacks.items()})
    return {
        "freq": freq,
        "season_length": int(season),
        "selection_horizon": check_horizon(horizon, kind, "selection_horizon"),
        "n_windows": check_windows(n_windows),
        "level": check_levels(level),
        "selection_metric": selection_metric,
        "candidates": {k: list(v) for k, v in chosen.items()},
        "fallback": dict(fallbacks),
        "rules": dict(RULES),
    }


def check_windows(n_windows: object) -> int:
    if isinstance(n_windows, bool) or not isinstance(n_windows, int | np.integer):
        raise ValueError(f"n_windows must be a whole number, got {n_windows!r}")
    if not 2 <= n_windows <= MAX_WINDOWS:
        raise ValueError(f"n_windows={n_windows} must lie in 2..{MAX_WINDOWS}")
    return int(n_windows)


def check_replayable(config: dict[str, Any], choices: Any) -> None:
    """ValueError unless `config` was recorded under this library's rules and `choices` names
    known models per unique_id."""
    if config.get("rules") != RULES:
        raise ValueError(f"config rules {config.get('rules')} differ from this library's {RULES}")
    missing = {"unique_id", "model"} - set(getattr(choices, "columns", []))
    if missing:
        raise ValueError(f"choices lack the column(s) {sorted(missing)}")
    unknown = set(choices["model"]) - set(candidates.MODELS)
    if unknown:
        raise ValueError(f"choices name unknown model(s) {sorted(unknown)}")
