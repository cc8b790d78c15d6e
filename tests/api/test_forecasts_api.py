"""Forecasts through the API: runs in the background with progress, published whole with
intervals and the model that made them, the baseline standing in (degraded) when no champion
can be used, failures recorded without touching earlier forecasts, and bad requests refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient

from erp_core.adapters.database import Database
from erp_core.domain.access import Role
from erp_core.services import master_data as md
from erp_core.services.history import HistoricalLine, HistoricalOrder, load_history
from models.registry import ModelRegistry
from models.training_run import train_and_log
from pipelines import forecast_publishing
from pipelines.demand_frames import demand_frame
from tests.conftest import KeyFor
from tests.factories import ACTOR, item, location

H = dict[str, str]
DAYS = 84


@pytest.fixture
def sales(db: Database) -> Database:
    """Twelve weeks of daily orders for a weekly-seasonal SKU and an intermittent one."""
    rng = np.random.default_rng(3)
    for sku in ("A", "B"):
        item(db, sku)
    location(db, "DC-1")
    md.create_record(db, ACTOR, md.CHANNELS, {"code": "WEB", "name": "Web", "kind": "web_store"})
    start = datetime(2026, 1, 5, 12, tzinfo=UTC)
    orders = []
    for day in range(DAYS):
        weekly = 12 if day % 7 in (5, 6) else 6
        wanted = {"A": int(rng.poisson(weekly)), "B": int(rng.random() < 0.2) * 2}
        lines = tuple(HistoricalLine(sku, qty) for sku, qty in wanted.items() if qty)
        if lines:
            orders.append(
                HistoricalOrder("WEB", f"H{day}", start + timedelta(days=day), "DC-1", lines)
            )
    load_history(db, ACTOR, orders)
    return db


def _run(client: TestClient, headers: H, **body: object) -> dict[str, object]:
    started = client.post("/v1/forecasts/runs", headers=headers, json=body)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "queued"
    return client.get(f"/v1/forecasts/runs/{started.json()['id']}", headers=headers).json()


def test_without_a_champion_the_baseline_is_published_and_the_run_says_degraded(
    sales: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    planner = key_for(Role.PLANNER)
    run = _run(app_client, planner, horizon=14)
    assert (run["status"], run["degraded"], run["series"], run["progress"]) == (
        "succeeded",
        True,
        2,
        1.0,
    )
    assert "no champion" in run["metrics"]["degraded_reason"]
    reply = app_client.get("/v1/forecasts", headers=planner, params={"sku": "A"}).json()
    assert len(reply["values"]) == 14 and reply["run"]["id"] == run["id"]
    first = reply["values"][0]
    assert first["model"] == "SeasonalNaive"
    assert (
        0 <= first["lo_95"] <= first["lo_80"] <= first["mean"] <= first["hi_80"] <= first["hi_95"]
    )
    week = app_client.get("/v1/forecasts", headers=planner, params={"sku": "A", "horizon": 7})
    assert len(week.json()["values"]) == 7
    plot = app_client.get("/v1/forecasts/A/plot", headers=planner)
    assert plot.headers["content-type"] == "image/png" and plot.content.startswith(b"\x89PNG")


def test_the_champion_forecasts_and_the_run_names_its_version(
    sales: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    outcome = train_and_log(demand_frame(sales), sales.settings, h=7, n_windows=2, freq="D")
    registry = ModelRegistry.from_settings(sales.settings)
    assert registry.promote(sales.settings.forecast_model_name, outcome.version).promoted
    scientist = key_for(Role.DATA_SCIENTIST)
    run = _run(app_client, scientist, horizon=21)
    assert (run["status"], run["degraded"], run["model_version"]) == (
        "succeeded",
        False,
        outcome.version,
    )
    values = app_client.get("/v1/forecasts", headers=scientist, params={"sku": "B"}).json()[
        "values"
    ]
    assert len(values) == 21 and values[0]["model"] != "SeasonalNaive"


def test_a_champion_that_fails_degrades_to_the_baseline_with_its_reason(
    sales: Database, app_client: TestClient, key_for: KeyFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken:
        def predict(self, *_: object, **__: object) -> None:
            raise RuntimeError("corrupt artifact")

    outcome = train_and_log(demand_frame(sales), sales.settings, h=7, n_windows=2, freq="D")
    ModelRegistry.from_settings(sales.settings).promote(
        sales.settings.forecast_model_name, outcome.version
    )
    monkeypatch.setattr(ModelRegistry, "load_version", lambda *_: Broken())
    run = _run(app_client, key_for(Role.PLANNER), horizon=7)
    assert (run["status"], run["degraded"]) == ("succeeded", True)
    assert "corrupt artifact" in run["metrics"]["degraded_reason"]


def test_a_failed_run_is_marked_with_its_reason_and_earlier_forecasts_stay(
    sales: Database, app_client: TestClient, key_for: KeyFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    planner = key_for(Role.PLANNER)
    first = _run(app_client, planner, horizon=7)

    def broken_history(*_: object, **__: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(forecast_publishing, "demand_frame", broken_history)
    failed = _run(app_client, planner, horizon=7)
    assert failed["status"] == "failed" and "went away" in failed["message"]
    reply = app_client.get("/v1/forecasts", headers=planner, params={"sku": "A"}).json()
    assert reply["run"]["id"] == first["id"]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"sku": "A", "horizon": 0}, 422, "validation_error"),
        ({"sku": "A", "horizon": 5000}, 422, "invalid_input"),
        ({"sku": "NOPE"}, 404, "not_found"),
        ({"sku": "A", "colour": "red"}, 422, "validation_error"),
    ],
)
def test_bad_forecast_requests_are_refused(
    sales: Database,
    app_client: TestClient,
    key_for: KeyFor,
    params: dict[str, object],
    status: int,
    code: str,
) -> None:
    reply = app_client.get("/v1/forecasts", headers=key_for(Role.PLANNER), params=params)
    assert (reply.status_code, reply.json()["code"]) == (status, code)


def test_bad_runs_and_roles_without_the_permission_are_refused(
    sales: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    planner = key_for(Role.PLANNER)
    for body in ({"horizon": 0}, {"horizon": 400}, {"grouping": "region"}, {"engine": "spark"}):
        reply = app_client.post("/v1/forecasts/runs", headers=planner, json=body)
        assert reply.status_code == 422, body
    warehouse = key_for(Role.WAREHOUSE)
    assert app_client.post("/v1/forecasts/runs", headers=warehouse, json={}).status_code == 403
    assert (
        app_client.get("/v1/forecasts", headers=warehouse, params={"sku": "A"}).status_code == 403
    )
    assert app_client.get("/v1/forecasts/runs/1", headers=planner).status_code == 404
