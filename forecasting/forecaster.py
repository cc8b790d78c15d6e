"""DemandForecaster: per-SKU demand forecasts with intervals from a long frame `unique_id, ds,
y`, each series' model chosen by a rolling-origin backtest of its demand class's candidates.

    fit(history)       impute stockouts, classify (Syntetos-Boylan), backtest each class's
                       candidates over n_windows windows of selection_horizon periods, choose
                       per series (choices_), keep the chosen model's errors for intervals
    predict(h, level)  refit each series' model on its whole history and forecast h periods
    backtest(history)  the same selection, scored without hindsight ("keel") next to the
                       SeasonalNaive and AutoETS baselines
    from_config(config_, choices_).fit_chosen(history)
                       replays recorded choices without selecting: predicts exactly like the
                       forecaster that recorded them, on the same history

The rules live in their modules: `history` (input), `censoring` (stockouts), `plan` (short
history, seasons), `candidates` (models, fallback), `selection`, `intervals`, `metrics`,
`engine` (local or Dask), `config`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, NamedTuple, Self

import pandas as pd

from forecasting.backtest import Backtest, score_backtest
from forecasting.candidates import BASELINES
from forecasting.config import check_replayable, check_windows, forecaster_config
from forecasting.engine import Engine
from forecasting.history import check_horizon, check_levels, frequency_kind
from forecasting.intervals import Residuals
from forecasting.plan import prepared_history
from forecasting.prediction import forecast_series
from forecasting.windows import replayed_residuals, run_windows


class Fitted(NamedTuple):
    history: pd.DataFrame  # validated, stockouts imputed
    freq: str  # statsforecast's, as the dates resolved it
    plan: pd.DataFrame  # per series: class, season, backtested, model...
    residuals: Residuals  # backtest errors of each backtested series' model


class DemandForecaster:
    def __init__(
        self,
        freq: str = "D",
        *,
        season_length: int | None = None,
        selection_horizon: int | None = None,
        n_windows: int = 3,
        level: list[int] | tuple[int, ...] = (80, 95),
        selection_metric: str = "mase",
        candidates: dict[str, list[str]] | None = None,
        fallback: dict[str, str] | None = None,
        n_jobs: int = -1,
        engine: str = "local",
        dask_client: Any = None,
    ) -> None:
        self.config_ = forecaster_config(
            freq,
            season_length,
            selection_horizon,
            n_windows,
            level,
            selection_metric,
            candidates,
            fallback,
        )
        self._kind = frequency_kind(freq)
        self._engine = Engine(freq, engine, n_jobs, dask_client)
        self._recorded: pd.DataFrame | None = None
        self._fitted: Fitted | None = None
        self.choices_: pd.DataFrame | None = None

    @classmethod
    def from_config(
        cls, config: dict[str, Any], choices: pd.DataFrame, **runtime: Any
    ) -> DemandForecaster:
        """A forecaster with another's `config_` and `choices_`, ready for `fit_chosen`;
        `runtime` may set n_jobs, engine and dask_client."""
        check_replayable(config, choices)
        settings = {k: v for k, v in config.items() if k not in ("freq", "rules")}
        forecaster = cls(config["freq"], **settings, **runtime)
        recorded = choices.reindex(columns=["unique_id", "model", "score"])
        forecaster._recorded = recorded.astype({"unique_id": str, "score": float})
        return forecaster

    def fit(self, history: pd.DataFrame) -> Self:
        """Choose a model per series by backtest; sets choices_ (`unique_id, demand_class,
        model, score`, score the chosen model's MASE, or RMSSE, over the windows)."""
        h, n_windows = self.config_["selection_horizon"], self.config_["n_windows"]
        frame, freq, plan = prepared_history(history, self.config_, h, n_windows)
        backtest = self._backtest(frame, freq, plan, (h, n_windows, self.config_["level"]), ())
        self.choices_ = backtest.choice
        plan = plan.merge(backtest.choice[["unique_id", "model"]], on="unique_id")
        self._fitted = Fitted(frame, freq, plan, backtest.residuals)
        return self

    def fit_chosen(self, history: pd.DataFrame) -> Self:
        """Fit with the recorded choices (from_config), re-measuring only the chosen models'
        backtest errors for the intervals; a series without a choice, or too short to
        backtest, gets its class's fallback model."""
        if self._recorded is None:
            raise ValueError("fit_chosen replays recorded choices: build with from_config")
        h, n_windows = self.config_["selection_horizon"], self.config_["n_windows"]
        frame, freq, plan = prepared_history(history, self.config_, h, n_windows)
        plan = plan.merge(self._recorded, on="unique_id", how="left")
        plan["model"] = plan["model"].where(plan["backtested"]).fillna(plan["fallback"])
        plan["score"] = plan["score"].where(plan["backtested"])
        residuals = replayed_residuals(self._engine_at(freq), frame, plan, h, n_windows)
        self.choices_ = plan[["unique_id", "demand_class", "model", "score"]]
        self._fitted = Fitted(frame, freq, plan, residuals)
        return self

    def predict(self, h: int, level: list[int] | None = None) -> pd.DataFrame:
        """`unique_id, ds, model, mean, lo-<level>, hi-<level>...` for the h periods after each
        series; 0 <= lo <= mean <= hi (bands in `forecasting.intervals`)."""
        if self._fitted is None:
            raise ValueError("fit (or fit_chosen) the forecaster before predict")
        frame, freq, plan, residuals = self._fitted
        return forecast_series(
            self._engine_at(freq),
            frame,
            plan,
            residuals,
            check_horizon(h, self._kind),
            check_levels(self.config_["level"] if level is None else level),
            self.config_["n_windows"] * self.config_["selection_horizon"],
        )

    def backtest(
        self,
        history: pd.DataFrame,
        h: int | None = None,
        n_windows: int | None = None,
        level: list[int] | None = None,
        baselines: bool = True,
    ) -> Backtest:
        """Selection over n_windows windows of h periods (defaults from the config), scored
        without hindsight as "keel", next to SeasonalNaive and AutoETS when `baselines`."""
        h = check_horizon(self.config_["selection_horizon"] if h is None else h, self._kind)
        n_windows = check_windows(self.config_["n_windows"] if n_windows is None else n_windows)
        levels = check_levels(self.config_["level"] if level is None else level)
        frame, freq, plan = prepared_history(history, self.config_, h, n_windows)
        return self._backtest(
            frame, freq, plan, (h, n_windows, levels), BASELINES if baselines else ()
        )

    def _backtest(
        self,
        frame: pd.DataFrame,
        freq: str,
        plan: pd.DataFrame,
        windows: tuple[int, int, list[int]],
        baselines: tuple[str, ...],
    ) -> Backtest:
        """Each backtested series runs its class's candidates, then the baselines it lacks."""
        h, n_windows, levels = windows
        tested = plan[plan["backtested"]]
        options = [self.config_["candidates"][c] for c in tested["demand_class"]]
        assignments = tested.assign(
            models=[(*o, *(b for b in baselines if b not in o)) for o in options],
            candidates=[len(o) for o in options],
        )
        cv = run_windows(self._engine_at(freq), frame, assignments, h, n_windows)
        metric = self.config_["selection_metric"]
        return score_backtest(cv, frame, plan, levels, baselines, metric)

    def _engine_at(self, freq: str) -> Engine:
        """The engine for the statsforecast frequency the history's dates resolved to."""
        return replace(self._engine, freq=freq)
