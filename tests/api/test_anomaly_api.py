"""Anomalies through the API: held orders in the flag queue, scoring an order without writing,
resolving holds with an outcome and flags by the team that owns them, scans, and roles."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from erp_core.adapters.anomaly_tables import AnomalyFlag, OrderAnomalyScore
from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import Order
from erp_core.domain.access import Role
from erp_core.domain.anomalies import FlagKind, NewFlag
from erp_core.services.anomaly_flags import raise_flags
from tests.anomaly_shop import address, open_shop
from tests.conftest import KeyFor

H = dict[str, str]


def body(external_id: str, discount: str = "0", qty: int = 1, **changes: Any) -> dict[str, Any]:
    return {
        "channel": "WEB",
        "external_id": external_id,
        "customer": {"code": "C1", "name": "Ada", "region": "DE"},
        "ship_to": address(1, "DE"),
        "shipping_method": "standard",
        "payment_status": "captured",
        "lines": [{"sku": "A-2", "qty": qty, "unit_price": "24.00", "discount": discount}],
        **changes,
    }


@pytest.fixture
def shop(db: Database, app_client: TestClient) -> TestClient:
    open_shop(db)
    return app_client


def _count(db: Database, table: Any) -> int:
    return db.read(lambda s: s.scalar(select(func.count()).select_from(table)))


def test_a_held_order_is_in_the_queue_and_its_outcome_is_learnt_from_its_hold(
    shop: TestClient, key_for: KeyFor, db: Database
) -> None:
    ops = key_for(Role.OPERATIONS)
    captured = shop.post("/v1/orders", headers=ops, json=body("W-1", discount="30.00", qty=2))
    assert captured.status_code == 201, captured.text
    order = captured.json()
    assert order["status"] == "held" and order["anomaly"]["scored_by"] == "rules"
    assert order["anomaly"]["degraded"]
    [hold] = order["holds"]
    queue = shop.get("/v1/anomalies", headers=ops, params={"kind": "order"}).json()
    [flag] = queue["data"]
    assert (flag["order_id"], flag["status"], flag["details"]["hold_id"]) == (
        order["id"],
        "open",
        hold["id"],
    )
    assert "discount of 62%" in flag["reasons"] and flag["customer"] == "C1"
    assert all("margin" not in r or "%" not in r for r in flag["details"]["reasons"])
    resolved = shop.post(
        f"/v1/holds/{hold['id']}/resolve",
        headers=ops,
        json={"action": "release", "comment": "regular customer", "outcome": "confirmed_fraud"},
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["anomaly"]["outcome"] == "confirmed_fraud"
    assert shop.get("/v1/anomalies", headers=ops, params={"kind": "order"}).json()["data"] == []
    closed = shop.get(
        "/v1/anomalies", headers=ops, params={"kind": "order", "status": "confirmed"}
    ).json()["data"]
    assert [f["id"] for f in closed] == [flag["id"]] and closed[0]["resolved_at"]
    refused = shop.post(
        f"/v1/anomalies/{flag['id']}/resolve",
        headers=ops,
        json={"action": "dismiss", "comment": "x"},
    )
    assert refused.status_code == 422 and "through its hold" in refused.json()["message"]


def test_scoring_an_order_writes_nothing_and_hides_margin_from_roles_without_cost(
    shop: TestClient, key_for: KeyFor, db: Database
) -> None:
    before = (_count(db, Order), _count(db, OrderAnomalyScore))
    ask = body("ASK-1", discount="40.00", qty=2)
    planner_view = shop.post(
        "/v1/anomaly/score-order", headers=key_for(Role.DATA_SCIENTIST), json=ask
    )
    assert planner_view.status_code == 200, planner_view.text
    verdict = planner_view.json()
    assert verdict["hold"] and (verdict["scored_by"], verdict["degraded"]) == ("rules", True)
    assert verdict["features"]["margin_after_discount"] == pytest.approx(-2.3)
    assert "negative margin after discount (-230%)" in verdict["reasons"]
    ops_view = shop.post("/v1/anomaly/score-order", headers=key_for(Role.OPERATIONS), json=ask)
    assert ops_view.json()["features"]["margin_after_discount"] is None
    assert "negative margin after discount" in ops_view.json()["reasons"]
    assert not any("%" in r and "margin" in r for r in ops_view.json()["reasons"])
    assert (_count(db, Order), _count(db, OrderAnomalyScore)) == before
    unknown = shop.post(
        "/v1/anomaly/score-order",
        headers=key_for(Role.OPERATIONS),
        json={**ask, "lines": [{"sku": "NOPE", "qty": 1, "unit_price": "1"}]},
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    warehouse = shop.post("/v1/anomaly/score-order", headers=key_for(Role.WAREHOUSE), json=ask)
    assert warehouse.status_code == 403


def test_flags_are_resolved_by_the_team_that_owns_their_kind_once(
    shop: TestClient, key_for: KeyFor, db: Database
) -> None:
    def work(session: Any) -> None:
        raise_flags(
            session,
            [
                NewFlag(
                    FlagKind.DEMAND,
                    "A-1@2026-09-03",
                    3.2,
                    ["sold 90 units vs forecast 4"],
                    day=date(2026, 9, 3),
                )
            ],
        )

    db.transact(work)
    [flag] = shop.get(
        "/v1/anomalies", headers=key_for(Role.PLANNER), params={"kind": "demand"}
    ).json()["data"]
    decision = {"action": "dismiss", "comment": "a real promotion"}
    cs = shop.post(
        f"/v1/anomalies/{flag['id']}/resolve", headers=key_for(Role.FINANCE), json=decision
    )
    assert cs.status_code == 403 and cs.json()["code"] == "forbidden"
    done = shop.post(
        f"/v1/anomalies/{flag['id']}/resolve", headers=key_for(Role.PLANNER), json=decision
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["comment"]) == ("dismissed", "a real promotion")
    again = shop.post(
        f"/v1/anomalies/{flag['id']}/resolve", headers=key_for(Role.PLANNER), json=decision
    )
    assert again.status_code == 409
    missing = shop.post(
        "/v1/anomalies/999999/resolve", headers=key_for(Role.PLANNER), json=decision
    )
    assert missing.status_code == 404


def test_bad_requests_get_a_coded_4xx(shop: TestClient, key_for: KeyFor) -> None:
    ops = key_for(Role.OPERATIONS)
    assert shop.get("/v1/anomalies", headers=ops, params={"kind": "weird"}).status_code == 422
    assert shop.get("/v1/anomalies", headers=key_for(Role.WAREHOUSE)).status_code == 403
    scan = shop.post("/v1/anomalies/scan", headers=ops, json={"kinds": ["everything"]})
    assert scan.status_code == 422
    hold_outcome = {"action": "release", "comment": "x", "outcome": "maybe"}
    assert shop.post("/v1/holds/1/resolve", headers=ops, json=hold_outcome).status_code == 422


def test_a_scan_over_a_quiet_shop_raises_nothing(
    shop: TestClient, key_for: KeyFor, db: Database
) -> None:
    reply = shop.post("/v1/anomalies/scan", headers=key_for(Role.OPERATIONS), json={})
    assert reply.status_code == 200, reply.text
    assert set(reply.json()["counts"]) == {"returns", "demand"}
    assert _count(db, AnomalyFlag) == 0
