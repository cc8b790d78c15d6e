"""DemandForecaster on generated series of known structure: what it chooses, how its forecasts
and intervals behave, what it refuses, and that a recorded forecaster replays exactly."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from forecasting import Backtest, DemandClass, DemandForecaster
from forecasting.candidates import MODELS
from tests.unit.generated_demand import (
    WEEKLY_PROFILE,
    intermittent,
    trending,
    weekly_seasonal,
)

CROSTON_FAMILY = {"CrostonSBA", "TSB", "ADIDA", "IMAPA"}
FORECAST_COLUMNS = ["unique_id", "ds", "model", "mean", "lo-80", "hi-80", "lo-95", "hi-95"]
CHANCE = 0.15  # of a sale per day in the intermittent series: mean demand 0.3 a day


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return pd.concat(
        [weekly_seasonal(12, 120), intermittent(12, 120, CHANCE), trending(4, 120)],
        ignore_index=True,
    )


@pytest.fixture(scope="module")
def fitted(history: pd.DataFrame) -> DemandForecaster:
    return DemandForecaster("D", n_jobs=1).fit(history)


@pytest.fixture(scope="module")
def forecast(fitted: DemandForecaster) -> pd.DataFrame:
    return fitted.predict(h=28, level=[80, 95])


@pytest.fixture(scope="module")
def backtest(fitted: DemandForecaster, history: pd.DataFrame) -> Backtest:
    return fitted.backtest(history, h=28, n_windows=3)


def _chosen(fitted: DemandForecaster, prefix: str) -> pd.Series:
    assert fitted.choices_ is not None
    choices = fitted.choices_.set_index("unique_id")["model"]
    return choices[choices.index.str.startswith(prefix)]


def test_the_forecast_has_one_row_per_series_and_day_with_nested_bands_above_zero(
    forecast: pd.DataFrame, history: pd.DataFrame
) -> None:
    assert list(forecast.columns) == FORECAST_COLUMNS
    assert len(forecast) == history["unique_id"].nunique() * 28
    assert forecast["ds"].min() == history["ds"].max() + pd.Timedelta(days=1)
    bounds = forecast[["lo-95", "lo-80", "mean", "hi-80", "hi-95"]].to_numpy()
    assert (bounds[:, 0] >= 0).all()
    assert (np.diff(bounds, axis=1) >= 0).all()


def test_intermittent_series_get_a_croston_family_model_at_their_known_rate(
    fitted: DemandForecaster, forecast: pd.DataFrame
) -> None:
    assert set(_chosen(fitted, "rare")) <= CROSTON_FAMILY
    levels = forecast[forecast["unique_id"].str.startswith("rare")].groupby("unique_id")["mean"]
    assert levels.mean().median() == pytest.approx(2 * CHANCE, rel=0.25)


def test_clearly_weekly_seasonal_series_are_forecast_with_their_weekly_profile(
    fitted: DemandForecaster, forecast: pd.DataFrame
) -> None:
    assert set(_chosen(fitted, "weekly")) <= {"SeasonalNaive", "ETS_ANA", "Theta"}
    weekly = forecast[forecast["unique_id"].str.startswith("weekly")]
    profile = weekly.groupby(weekly["ds"].dt.dayofweek)["mean"].mean()
    assert np.corrcoef(profile.to_numpy(), WEEKLY_PROFILE)[0, 1] > 0.95


def test_a_rising_series_is_forecast_at_its_recent_level_not_its_average(
    forecast: pd.DataFrame, history: pd.DataFrame
) -> None:
    rising = history[history["unique_id"] == "rising-00"]["y"]
    ahead = forecast[forecast["unique_id"] == "rising-00"]["mean"].mean()
    assert ahead > 1.4 * rising.mean()
    assert ahead == pytest.approx(25.0, rel=0.2)


def test_80_and_95_percent_intervals_cover_about_that_share_in_the_backtest(
    backtest: Backtest,
) -> None:
    keel = backtest.summary().query("scope == 'demand_class' and model == 'keel'")
    smooth = keel.set_index("group").loc[DemandClass.SMOOTH.value]
    assert 0.7 <= smooth["coverage_80"] <= 0.9
    assert 0.88 <= smooth["coverage_95"] <= 0.99
    assert (keel["coverage_80"] >= 0.7).all()


def test_the_backtest_scores_every_candidate_and_the_selection_against_the_baselines(
    backtest: Backtest, history: pd.DataFrame
) -> None:
    models = set(backtest.errors["model"])
    assert {"keel", "SeasonalNaive", "AutoETS"} | CROSTON_FAMILY <= models
    assert set(backtest.choice["unique_id"]) == set(history["unique_id"])
    overall = backtest.summary().query("scope == 'overall'").set_index("model")
    assert overall.loc["keel", "mase"] < overall.loc["SeasonalNaive", "mase"]
    assert set(backtest.summary()["scope"]) == {"overall", "demand_class", "abc_class"}
    assert {"unique_id", "ds", "cutoff", "y", "ETS_ANA"} <= set(backtest.cv.columns)


def test_the_choices_record_each_series_class_model_and_scaled_error(
    fitted: DemandForecaster,
) -> None:
    choices = fitted.choices_
    assert choices is not None
    assert list(choices.columns) == ["unique_id", "demand_class", "model", "score"]
    assert choices["model"].isin(list(MODELS)).all()
    assert choices["score"].between(0.2, 5).all()


@pytest.mark.parametrize(
    "freq, history_of",
    [
        ("W", lambda: intermittent(6, 60, 0.3, freq="W-SUN")),
        ("MS", lambda: trending(6, 40, freq="MS")),
        ("M", lambda: trending(3, 30, freq="MS")),
    ],
)
def test_weekly_and_monthly_histories_are_forecast_in_their_own_periods(
    freq: str, history_of: object
) -> None:
    history = history_of()  # type: ignore[operator]
    forecast = DemandForecaster(freq, n_jobs=1).fit(history).predict(h=6)
    dates = forecast[forecast["unique_id"] == history["unique_id"].iloc[0]]["ds"]
    step = pd.Timedelta(days=7) if freq == "W" else None
    assert len(dates) == 6
    if step is not None:
        assert (dates.diff().dropna() == step).all()
    else:
        assert (dates.dt.day == 1).all() and dates.dt.month.nunique() == 6


def test_series_too_short_to_backtest_get_their_class_fallback_with_intervals() -> None:
    history = pd.concat(
        [
            weekly_seasonal(1, 30),
            intermittent(1, 30, 0.3),
            intermittent(1, 30, 0.0).assign(unique_id="never-sold"),
        ],
        ignore_index=True,
    )
    forecaster = DemandForecaster("D", n_jobs=1).fit(history)
    assert forecaster.choices_ is not None
    assert forecaster.choices_["model"].tolist() == ["Zero", "CrostonSBA", "SeasonalES"]
    assert forecaster.choices_["score"].isna().all()
    forecast = forecaster.predict(h=7)
    replayed = DemandForecaster.from_config(forecaster.config_, forecaster.choices_, n_jobs=1)
    pd.testing.assert_frame_equal(replayed.fit_chosen(history).predict(h=7), forecast)
    forecast = forecast.set_index("unique_id")
    assert (forecast.loc["weekly-00", "hi-80"] > forecast.loc["weekly-00", "mean"]).all()
    assert (forecast.loc["rare-00", "hi-95"] >= 1).all()
    assert (forecast.loc["never-sold", ["mean", "hi-95"]] == 0).all(axis=None)


def test_the_same_history_gives_the_same_forecast(
    history: pd.DataFrame, forecast: pd.DataFrame
) -> None:
    again = DemandForecaster("D", n_jobs=2).fit(history).predict(h=28)
    pd.testing.assert_frame_equal(again, forecast, check_exact=True)


def test_a_recorded_config_and_choices_replay_the_forecast_exactly(
    fitted: DemandForecaster, history: pd.DataFrame, forecast: pd.DataFrame
) -> None:
    assert fitted.choices_ is not None
    config = json.loads(json.dumps(fitted.config_))
    choices = fitted.choices_.copy()
    replayed = DemandForecaster.from_config(config, choices, n_jobs=1).fit_chosen(history)
    pd.testing.assert_frame_equal(replayed.predict(h=28), forecast, check_exact=True)
    pd.testing.assert_frame_equal(replayed.choices_, fitted.choices_)


def test_a_series_missing_from_the_recorded_choices_gets_its_class_fallback(
    fitted: DemandForecaster, history: pd.DataFrame
) -> None:
    assert fitted.choices_ is not None
    choices = fitted.choices_[fitted.choices_["unique_id"] != "rare-00"]
    replayed = DemandForecaster.from_config(fitted.config_, choices, n_jobs=1)
    models = replayed.fit_chosen(history).predict(h=7).groupby("unique_id")["model"].first()
    assert models["rare-00"] == "CrostonSBA"


def test_a_config_made_under_other_rules_is_refused(fitted: DemandForecaster) -> None:
    assert fitted.choices_ is not None
    config = fitted.config_ | {"rules": fitted.config_["rules"] | {"tie_tolerance": 0.5}}
    with pytest.raises(ValueError, match="rules"):
        DemandForecaster.from_config(config, fitted.choices_)


def test_stockout_days_are_not_learnt_as_zero_demand() -> None:
    history = weekly_seasonal(1, 120, level=10.0)
    lost = history.assign(y=history["y"].where(history.index < 100, 0.0))
    censored = lost.assign(censored=lost.index >= 100)
    naive = DemandForecaster("D", n_jobs=1).fit(lost).predict(h=7)["mean"].mean()
    imputed = DemandForecaster("D", n_jobs=1).fit(censored).predict(h=7)["mean"].mean()
    assert naive < 5 < imputed == pytest.approx(10.0, rel=0.25)


def _with(history: pd.DataFrame, **changes: object) -> pd.DataFrame:
    return history.head(240).assign(**changes)


@pytest.mark.parametrize(
    "make_bad, message",
    [
        (lambda h: pd.concat([h, h.head(1)]), "duplicate"),
        (lambda h: _with(h, y=-1.0), "negative"),
        (lambda h: _with(h, y=np.nan), "NaN"),
        (lambda h: h.head(0), "empty"),
        (lambda h: h.drop(columns="y"), "lacks"),
        (lambda h: h.drop(index=5), "missing periods"),
        (lambda h: h.head(2), "at least 3"),
        (lambda h: _with(h, ds=h["ds"].head(240).dt.tz_localize("UTC")), "time zone"),
    ],
)
def test_bad_histories_are_refused_with_a_clear_error(
    history: pd.DataFrame, make_bad: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        DemandForecaster("D", n_jobs=1).fit(make_bad(history))  # type: ignore[operator]


@pytest.mark.parametrize("h", [0, -3, 10_000, 2.5])
def test_horizons_that_are_not_whole_periods_within_two_years_are_refused(
    fitted: DemandForecaster, h: object
) -> None:
    with pytest.raises(ValueError, match="h"):
        fitted.predict(h=h)  # type: ignore[arg-type]


def test_an_unknown_frequency_and_weekly_dates_on_mixed_weekdays_are_refused(
    history: pd.DataFrame,
) -> None:
    with pytest.raises(ValueError, match="unknown freq"):
        DemandForecaster("H")
    with pytest.raises(ValueError, match="weekday"):
        DemandForecaster("W", n_jobs=1).fit(history)


def test_predict_before_fit_and_replay_without_a_record_are_refused(
    history: pd.DataFrame,
) -> None:
    with pytest.raises(ValueError, match="before predict"):
        DemandForecaster().predict(h=7)
    with pytest.raises(ValueError, match="from_config"):
        DemandForecaster().fit_chosen(history)


def test_the_dask_engine_gives_the_local_engine_forecasts(
    history: pd.DataFrame, forecast: pd.DataFrame
) -> None:
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as client:
        on_dask = DemandForecaster("D", engine="dask", dask_client=client).fit(history)
        pd.testing.assert_frame_equal(on_dask.predict(h=28), forecast, check_exact=True)
