"""Where statsforecast runs: in this process with n_jobs worker processes ("local"), or on a
Dask cluster through statsforecast's fugue backend ("dask"), which partitions the frame by
unique_id and runs the same models on each partition. Both take and give pandas frames sorted
by series (then cutoff) and date, so the rest of the library never knows which ran.

statsforecast's distributed backend returns float32 figures; the local engine rounds its
figures to float32 as well (7 significant digits, far finer than any demand), so both engines
give bit-identical forecasts and no selection tie or rounded bound can flip between them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.utils import ConformalIntervals

from forecasting.candidates import FAILURE_FALLBACK, MODELS

ENGINES = ("local", "dask")
# statsforecast warns when a short series has fewer conformal windows than asked; using as
# many as the series allows is the documented fallback, not a fault.
_FEWER_WINDOWS = "Prediction intervals settings require"


@dataclass(frozen=True)
class Engine:
    freq: str
    name: str = "local"
    n_jobs: int = 1
    dask_client: Any = None

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {self.name!r}")

    def cross_validation(
        self, models: list[Any], history: pd.DataFrame, h: int, n_windows: int
    ) -> pd.DataFrame:
        """Rolling-origin forecasts: n_windows windows of h periods, one after the other, each
        fitted on all periods before it; `unique_id, ds, cutoff, y, <alias>...`."""
        forecaster = self._statsforecast(models)
        return self._run(
            forecaster.cross_validation,
            history,
            ["unique_id", "cutoff", "ds"],
            h=h,
            n_windows=n_windows,
            step_size=h,
        )

    def forecast(
        self,
        models: list[Any],
        history: pd.DataFrame,
        h: int,
        level: list[int] | None = None,
        intervals: ConformalIntervals | None = None,
    ) -> pd.DataFrame:
        """`unique_id, ds, <alias>[-lo-<level>, -hi-<level>]...` for h periods after each series."""
        forecaster = self._statsforecast(models)
        return self._run(
            forecaster.forecast,
            history,
            ["unique_id", "ds"],
            h=h,
            level=level,
            prediction_intervals=intervals,
        )

    def _statsforecast(self, models: list[Any]) -> StatsForecast:
        fallback = MODELS[FAILURE_FALLBACK](1)
        return StatsForecast(models, freq=self.freq, n_jobs=self.n_jobs, fallback_model=fallback)

    def _run(
        self, method: Callable[..., Any], history: pd.DataFrame, order: list[str], **kwargs: Any
    ) -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_FEWER_WINDOWS)
            if self.name == "local":
                result = method(df=history, **kwargs)
            else:
                # fugue's dask calls trip pandas deprecations that are theirs to fix, not ours
                warnings.filterwarnings("ignore", category=FutureWarning, module="dask")
                with self._dask() as to_dask:
                    result = method(df=to_dask(history), **kwargs).compute()
        figures = [c for c in result.columns if c not in ("unique_id", "ds", "cutoff")]
        result = result.astype({"unique_id": str} | {c: np.float32 for c in figures})
        result = result.astype(
            {c: "datetime64[ns]" for c in order[1:]} | {c: np.float64 for c in figures}
        )
        return result.sort_values(order, ignore_index=True)

    @contextmanager
    def _dask(self) -> Iterator[Callable[[pd.DataFrame], Any]]:
        import dask.dataframe as dd  # only the dask engine needs dask installed

        workers = len(self.dask_client.scheduler_info()["workers"]) if self.dask_client else 1
        with self.dask_client.as_current() if self.dask_client else nullcontext():
            yield lambda frame: dd.from_pandas(frame, npartitions=max(2 * workers, 1), sort=False)
