"""Order anomaly scoring wired into capture: rules without a model, the MLflow champion after
training, a broken model falling back to the rules, and outcomes learnt from resolved holds."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from mlflow import MlflowClient
from sqlalchemy import func, select

from erp_core.adapters.anomaly_tables import AnomalyFlag, OrderAnomalyScore
from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import Hold
from erp_core.domain.access import Principal, Role
from erp_core.domain.errors import InvalidInput
from erp_core.domain.order_rules import HoldReason
from erp_core.queries.orders import order_detail
from erp_core.services.holds import resolve_hold
from erp_core.services.order_intake import score_command
from erp_core.settings import Settings
from models.order_anomaly_pyfunc import unwrap_scorer
from models.registry import ModelRegistry
from pipelines.order_anomaly_scorer import LiveOrderScorer, LoadedScorer, champion_loader
from pipelines.order_anomaly_training import train_order_model
from tests.anomaly_shop import (
    START,
    capture_at,
    history_with_planted,
    open_shop,
    order,
)

OPS = Principal(1, "ops", Role.OPERATIONS)
LATER = START + timedelta(days=22, hours=11)


@pytest.fixture
def shop(db: Database) -> Database:
    open_shop(db)
    return db


def live(settings: Settings) -> LiveOrderScorer:
    return LiveOrderScorer(champion_loader(settings), refresh_seconds=0)


def detail(db: Database, order_id: int) -> dict:
    return db.read(lambda s: order_detail(s, order_id))


def anomaly_hold(db: Database, order_id: int) -> int | None:
    query = select(Hold.id).where(Hold.order_id == order_id, Hold.reason == HoldReason.ANOMALY)
    return db.read(lambda s: s.scalars(query).one_or_none())


def test_without_a_model_capture_scores_by_the_rules_and_says_so_on_the_order(
    shop: Database, settings: Settings
) -> None:
    scorer = live(settings)
    plain, deep = capture_at(
        shop,
        [
            (LATER, order("OK-1", 1, [("A-1", 1)])),
            (LATER + timedelta(minutes=1), order("DEEP", 2, [("A-2", 2)], discount_rate=0.6)),
        ],
        scorer,
    )
    ready = detail(shop, plain.order_id)
    assert ready["status"].value == "ready"
    assert ready["anomaly"]["scored_by"] == "rules" and not ready["anomaly"]["held"]
    assert "no champion model registered" in ready["anomaly"]["note"]
    assert "scored by rules only" in ready["timeline"][-1]["note"]
    held = detail(shop, deep.order_id)
    assert held["status"].value == "held"
    [hold] = held["holds"]
    assert hold["reason"] == HoldReason.ANOMALY and "discount of 60%" in hold["message"]
    assert "scored by rules only" in hold["message"]
    flag = shop.read(lambda s: s.scalars(select(AnomalyFlag)).one())
    assert (flag.kind, flag.subject, flag.status) == ("order", f"order-{deep.order_id}", "open")
    assert flag.details["hold_id"] == hold["id"] and "discount of 60%" in flag.reasons


def test_a_channel_with_the_check_off_captures_without_a_score(
    shop: Database, settings: Settings
) -> None:
    from erp_core.services.order_policies import set_order_policy

    set_order_policy(shop, "test", "WEB", {"anomaly_check": False})
    [deep] = capture_at(
        shop, [(LATER, order("DEEP", 2, [("A-2", 2)], discount_rate=0.6))], live(settings)
    )
    got = detail(shop, deep.order_id)
    assert got["status"].value == "ready" and got["anomaly"] is None


def test_training_registers_a_champion_that_capture_then_scores_with(
    shop: Database, settings: Settings
) -> None:
    history_with_planted(shop)
    trained = train_order_model(shop, settings, hold_rate=0.05)
    assert (trained.version, trained.promoted, trained.verdict) == ("1", True, "first champion")
    assert trained.labels == "planted anomalies"
    metrics = trained.metrics
    assert metrics["orders"] == pytest.approx(312 * 0.7, abs=1)
    assert 0 < metrics["model_hold_rate"] <= 0.05 + 1e-9
    assert metrics["model_recall"] >= metrics["rules_recall"] and metrics["model_precision"] > 0
    client = MlflowClient(settings.mlflow_tracking_uri)
    run = client.get_run(trained.run_id)
    assert run.data.params["labels"] == "planted anomalies"
    assert run.data.metrics["model_f1"] == pytest.approx(metrics["model_f1"])
    files = {f.path for f in client.list_artifacts(trained.run_id, "plots")}
    assert {"plots/score_distribution.png", "plots/reason_frequency.png"} <= files
    assert "reason_frequency.csv" in {f.path for f in client.list_artifacts(trained.run_id)}

    scorer = live(settings)
    spike, plain = capture_at(
        shop,
        [
            (LATER, order("SPIKE-LIVE", 7, [("A-5", 60)])),
            (LATER + timedelta(hours=1), order("OK-LIVE", 8, [("A-1", 1)])),
        ],
        scorer,
    )
    held = detail(shop, spike.order_id)["anomaly"]
    assert (held["scored_by"], held["model_version"], held["held"]) == ("model", "1", True)
    assert not held["degraded"]
    assert any("order value" in reason for reason in held["reasons"])
    normal = detail(shop, plain.order_id)["anomaly"]
    assert (normal["scored_by"], normal["held"], normal["note"]) == ("model", False, None)


def test_scoring_is_deterministic_for_a_model_version(shop: Database, settings: Settings) -> None:
    history_with_planted(shop)
    train_order_model(shop, settings)
    cmd = order("ASK", 3, [("A-5", 25), ("A-1", 1)], country="NL")
    first = shop.read(lambda s: score_command(s, cmd, live(settings)))
    again = shop.read(lambda s: score_command(s, cmd, live(settings)))
    assert first.scored_by == "model" and first == again


def test_a_model_that_cannot_be_loaded_or_fails_falls_back_to_the_rules(
    shop: Database, settings: Settings
) -> None:
    history_with_planted(shop)
    train_order_model(shop, settings)
    registry = ModelRegistry.from_settings(settings)
    model = unwrap_scorer(registry.load_version("1", settings.anomaly_model_name))
    model.scaler = None  # a model whose scoring raises
    failing = LiveOrderScorer(lambda: LoadedScorer("1", model), refresh_seconds=0)
    cmd = order("DEEP", 4, [("A-2", 2)], discount_rate=0.6)
    verdict = shop.read(lambda s: score_command(s, cmd, failing))
    assert verdict.scored_by == "rules" and verdict.hold
    assert verdict.note == "scored by rules only: model v1 failed (AttributeError)"

    store = Path(settings.mlflow_tracking_uri.removeprefix("sqlite:///")).parent / "mlartifacts"
    shutil.rmtree(store)
    [captured] = capture_at(shop, [(LATER, cmd)], live(settings))
    scored = detail(shop, captured.order_id)
    assert scored["status"].value == "held"
    assert scored["anomaly"]["scored_by"] == "rules"
    assert scored["anomaly"]["note"].startswith("scored by rules only: model could not be loaded")


def test_resolving_anomaly_holds_records_outcomes_the_next_training_learns_from(
    shop: Database, settings: Settings
) -> None:
    history_with_planted(shop)
    frauds = [
        (LATER + timedelta(minutes=k), order(f"DEEP-L{k}", 20 + k, [("A-3", 2)], discount_rate=0.6))
        for k in range(12)
    ]
    captured = capture_at(
        shop,
        [*frauds, (LATER, order("DEEP-OK", 40, [("A-2", 1)], discount_rate=0.5))],
        live(settings),
    )
    *fraud_orders, honest = captured
    for outcome in fraud_orders:
        resolve_hold(shop, OPS, anomaly_hold(shop, outcome.order_id), False, "stolen card")
    resolve_hold(shop, OPS, anomaly_hold(shop, honest.order_id), True, "staff discount")

    rows = shop.read(
        lambda s: dict(
            s.execute(select(OrderAnomalyScore.order_id, OrderAnomalyScore.outcome)).all()
        )
    )
    assert rows[honest.order_id] == "false_positive"
    assert {rows[o.order_id] for o in fraud_orders} == {"confirmed_fraud"}
    statuses = shop.read(
        lambda s: dict(s.execute(select(AnomalyFlag.order_id, AnomalyFlag.status)).all())
    )
    assert statuses[honest.order_id] == "dismissed"
    assert {statuses[o.order_id] for o in fraud_orders} == {"confirmed"}

    trained = train_order_model(shop, settings, hold_rate=0.05)
    assert trained.labels == "resolved holds"
    assert trained.metrics["model_recall"] > 0


def test_an_outcome_is_recorded_on_anomaly_holds_only(shop: Database, settings: Settings) -> None:
    from erp_core.services.order_policies import set_order_policy

    set_order_policy(shop, "test", "WEB", {"max_order_value": "5"})
    [big] = capture_at(shop, [(LATER, order("BIG", 1, [("A-1", 1)]))], live(settings))
    hold_id = shop.read(
        lambda s: s.scalars(select(Hold.id).where(Hold.order_id == big.order_id)).one()
    )
    with pytest.raises(InvalidInput, match="anomaly holds only"):
        resolve_hold(shop, Principal(1, "fin", Role.FINANCE), hold_id, True, "ok", "false_positive")
    assert shop.read(lambda s: s.scalar(select(func.count()).select_from(OrderAnomalyScore))) == 1
