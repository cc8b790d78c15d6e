"""When a new forecaster version may replace the champion: only on the same backtest windows,
and only with a lower scaled error (`mase_keel`), unless forced with a recorded reason."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from mlflow.entities import Run
from mlflow.entities.model_registry import ModelVersion

if TYPE_CHECKING:
    from forecasting import Backtest

SCORE_METRIC = "mase_keel"
WINDOW_TAG = "backtest"


class MissingPromotionReason(ValueError):
    """A forced promotion skips the backtest comparison, so it must say why."""


@dataclass(frozen=True)
class BacktestWindows:
    """What makes two backtest scores comparable: the same rolling-origin windows (last
    cutoff, periods per window, number of windows) over the same set of series."""

    last_cutoff: str
    h: int
    n_windows: int
    series_hash: str

    @classmethod
    def of(cls, backtest: Backtest) -> BacktestWindows:
        cv = backtest.cv
        if cv.empty:
            raise ValueError(
                "nothing was backtested: no series holds the (n_windows + 1) x h periods a "
                "backtest needs, so the forecaster has no score to be registered with"
            )
        series = "\n".join(sorted(map(str, cv["unique_id"].unique())))
        return cls(
            last_cutoff=cv["cutoff"].max().isoformat(),
            h=int(cv.groupby(["unique_id", "cutoff"]).size().max()),
            n_windows=int(cv["cutoff"].nunique()),
            series_hash=hashlib.sha256(series.encode()).hexdigest(),
        )

    @classmethod
    def from_tags(cls, tags: Mapping[str, str]) -> BacktestWindows | None:
        try:
            return cls(
                last_cutoff=tags[f"{WINDOW_TAG}.last_cutoff"],
                h=int(tags[f"{WINDOW_TAG}.h"]),
                n_windows=int(tags[f"{WINDOW_TAG}.n_windows"]),
                series_hash=tags[f"{WINDOW_TAG}.series_hash"],
            )
        except KeyError:
            return None

    def as_tags(self) -> dict[str, str]:
        return {f"{WINDOW_TAG}.{key}": str(value) for key, value in asdict(self).items()}


@dataclass(frozen=True)
class Promotion:
    promoted: bool
    version: str
    previous_champion: str | None
    reason: str


def compare(
    candidate: ModelVersion, ours: Run, champion: ModelVersion, theirs: Run
) -> tuple[bool, str]:
    """Whether the candidate beats the champion, and the sentence that says why (not)."""
    our_windows = BacktestWindows.from_tags(ours.data.tags)
    their_windows = BacktestWindows.from_tags(theirs.data.tags)
    if our_windows is None or our_windows != their_windows:
        return False, (
            f"backtest windows differ: v{candidate.version} {our_windows} vs champion "
            f"v{champion.version} {their_windows}"
        )
    our_score = ours.data.metrics.get(SCORE_METRIC, math.nan)
    their_score = theirs.data.metrics.get(SCORE_METRIC, math.nan)
    if math.isnan(our_score) or math.isnan(their_score):
        return False, f"{SCORE_METRIC} missing on v{candidate.version} or v{champion.version}"
    relation = "<" if our_score < their_score else ">="
    return our_score < their_score, (
        f"{SCORE_METRIC} {our_score:.6g} {relation} champion v{champion.version}'s "
        f"{their_score:.6g} on the same backtest windows"
    )
