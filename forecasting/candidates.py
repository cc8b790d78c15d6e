"""Which statsforecast models compete for a series, and which one a series too short to compete
gets. Every model has a fixed alias, and `build_models` rebuilds any of them from its alias,
so a recorded choice can be replayed.

Candidates per Syntetos-Boylan class (listed simplest first: selection breaks ties towards the
earlier one):

    smooth, erratic       SeasonalNaive, ETS_ANA, Theta                      daily
                          SeasonalES, Theta, AutoETS                         weekly, monthly
    intermittent, lumpy   CrostonSBA, TSB, ADIDA, IMAPA                      every frequency
    no_demand             Zero

CrostonSBA is Croston's method with the Syntetos & Boylan (2005) bias correction (1 - a/2);
TSB (Teunter, Syntetos & Babai 2011) smooths the demand probability instead of the interval,
so it follows obsolescence; ADIDA and IMAPA forecast temporal aggregates (Nikolopoulos et al.
2011, Petropoulos & Kourentzes 2015). ETS_ANA is ETS(A,N,A); SeasonalES smooths each position
in the cycle on its own.

What was left out, measured: SeasonalES on daily data won many backtests by chance and lost on
the held-out days (1,000 generated SKUs, smooth: held-out MASE 1.006 against 0.932 for
ETS_ANA; keeping it worsened the selection by 0.5%). SeasonalNaive on weekly and monthly data,
where it is mostly Naive, did the same (automotive set: MASE 0.951 with it, 0.922 without).
AutoARIMA is in MODELS for configurations that want it but pays nowhere by default: on the
automotive set it moved MASE by 0.001 for 95% of the run time (0.2 s a monthly fit); a 730-day
daily series costs it about 2 s (15x AutoETS, 10,000x the Croston family), a weekly one with a
52-week season 0.5 s.

Season: models are built with the series' effective season length, the frequency's own when
the training part of the first backtest window holds MIN_SEASONS full seasons, else 1
(SeasonalNaive is then Naive, SeasonalES simple exponential smoothing, ETS_ANA ETS(A,N,N)).

Short history: a series with fewer than (n_windows + 1) x h periods cannot be backtested. It
gets its class's FALLBACK without selection, built without a season (`forecasting.plan`):
SeasonalES, which is then simple exponential smoothing, for smooth and erratic series,
CrostonSBA for intermittent and lumpy ones, Zero for series that never sold. A candidate that
fails on a series (statsforecast's fallback_model) forecasts like Naive.

Intervals come from the same rule for every model, the Croston family included (it has none
natively): conformal intervals from backtest errors (`forecasting.intervals`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from statsforecast.models import (
    ADIDA,
    IMAPA,
    TSB,
    AutoARIMA,
    AutoETS,
    CrostonSBA,
    Naive,
    SeasonalExponentialSmoothingOptimized,
    SeasonalNaive,
    Theta,
    ZeroModel,
)

from forecasting.demand_classes import DemandClass

MIN_SEASONS = 2
TSB_SMOOTHING = 0.1  # alpha for both demand size and probability: slow, as for spare parts

MODELS: dict[str, Callable[[int], Any]] = {
    "Naive": lambda m: Naive(alias="Naive"),
    "SeasonalNaive": lambda m: SeasonalNaive(season_length=m, alias="SeasonalNaive"),
    "SeasonalES": lambda m: SeasonalExponentialSmoothingOptimized(m, alias="SeasonalES"),
    "ETS_ANA": lambda m: AutoETS(season_length=m, model="ANA" if m > 1 else "ANN", alias="ETS_ANA"),
    "Theta": lambda m: Theta(season_length=m, alias="Theta"),
    "AutoETS": lambda m: AutoETS(season_length=m, alias="AutoETS"),
    "AutoARIMA": lambda m: AutoARIMA(season_length=m, alias="AutoARIMA"),
    "CrostonSBA": lambda m: CrostonSBA(alias="CrostonSBA"),
    "TSB": lambda m: TSB(alpha_d=TSB_SMOOTHING, alpha_p=TSB_SMOOTHING, alias="TSB"),
    "ADIDA": lambda m: ADIDA(alias="ADIDA"),
    "IMAPA": lambda m: IMAPA(alias="IMAPA"),
    "Zero": lambda m: ZeroModel(alias="Zero"),
}
BASELINES = ("SeasonalNaive", "AutoETS")  # what the selection is reported against
FAILURE_FALLBACK = "Naive"

_INTERMITTENT = ["CrostonSBA", "TSB", "ADIDA", "IMAPA"]
_DAILY = ["SeasonalNaive", "ETS_ANA", "Theta"]
_SLOW_PERIODS = ["SeasonalES", "Theta", "AutoETS"]
FALLBACK = {
    DemandClass.SMOOTH.value: "SeasonalES",
    DemandClass.ERRATIC.value: "SeasonalES",
    DemandClass.INTERMITTENT.value: "CrostonSBA",
    DemandClass.LUMPY.value: "CrostonSBA",
    DemandClass.NO_DEMAND.value: "Zero",
}


def default_candidates(frequency_kind: str) -> dict[str, list[str]]:
    """Candidate aliases per demand class for "D", "W" or "M" (module docstring)."""
    frequent = _DAILY if frequency_kind == "D" else _SLOW_PERIODS
    return {
        DemandClass.SMOOTH.value: list(frequent),
        DemandClass.ERRATIC.value: list(frequent),
        DemandClass.INTERMITTENT.value: list(_INTERMITTENT),
        DemandClass.LUMPY.value: list(_INTERMITTENT),
        DemandClass.NO_DEMAND.value: ["Zero"],
    }


def check_aliases(aliases: dict[str, list[str]]) -> None:
    """ValueError unless every demand class has at least one model and every alias is known."""
    for demand_class in DemandClass:
        models = aliases.get(demand_class.value, [])
        unknown = set(models) - set(MODELS)
        if unknown or not models:
            raise ValueError(f"{demand_class.value}: unknown or no model(s) {sorted(unknown)}")


def build_models(aliases: list[str], season: int) -> list[Any]:
    """Fresh statsforecast model instances for the aliases, with the season length given."""
    return [MODELS[alias](season) for alias in aliases]
