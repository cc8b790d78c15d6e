"""Returns through the API: who may do what, bad input refused with a code, the queue, the
refund approval that no other endpoint bypasses, and restocks that feed backorders."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from erp_core.adapters.database import Database
from erp_core.domain.access import Role
from tests.api.test_orders_api import order
from tests.api.test_orders_api import shop as shop  # noqa: F401  (the fixture)
from tests.conftest import KeyFor
from tests.integration.test_failure_injection import everything

H = dict[str, str]


@pytest.fixture
def shipped(shop: TestClient, admin: H) -> int:
    """Order WEB-1: 2 x SKU-1 at 10.00 less 1.00, tax 3.61, shipping 4.90, shipped from DC-1."""
    order_id = shop.post("/v1/orders", headers=admin, json=order()).json()["id"]
    assert shop.post(f"/v1/orders/{order_id}/release", headers=admin).status_code == 200
    reply = shop.post(
        f"/v1/orders/{order_id}/shipments",
        headers=admin,
        json={"location": "DC-1", "carrier": "DHL", "lines": [{"line_no": 1, "qty": 2}]},
    )
    assert reply.status_code == 201, reply.json()
    return int(order_id)


def rma(order_id: int, qty: int = 2, **changes: Any) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "reason": "damaged",
        "lines": [{"line_no": 1, "qty": qty}],
        **changes,
    }


def inspected(client: TestClient, who: H, order_id: int, qty: int = 2) -> int:
    rma_id = client.post("/v1/returns", headers=who, json=rma(order_id, qty)).json()["id"]
    lines = [{"line_no": 1, "qty": qty}]
    assert client.post(
        f"/v1/returns/{rma_id}/receive", headers=who, json={"lines": lines}
    ).is_success
    condition = {"lines": [{"line_no": 1, "condition": "sealed"}]}
    assert client.post(f"/v1/returns/{rma_id}/inspect", headers=who, json=condition).is_success
    return int(rma_id)


def test_customer_service_authorizes_the_floor_receives_and_the_queue_shows_it(
    shop: TestClient, shipped: int, key_for: KeyFor
) -> None:
    desk, floor = key_for(Role.CUSTOMER_SERVICE), key_for(Role.WAREHOUSE)
    created = shop.post("/v1/returns", headers=desk, json=rma(shipped, location="DC-1"))
    assert created.status_code == 201, created.json()
    rma_id = created.json()["id"]
    queue = shop.get("/v1/returns", headers=floor, params={"status": "authorized"}).json()
    assert [r["id"] for r in queue["data"]] == [rma_id]
    assert queue["data"][0]["age_seconds"] >= 0
    received = shop.post(
        f"/v1/returns/{rma_id}/receive",
        headers=floor,
        json={"lines": [{"line_no": 1, "qty": 2}]},
    )
    assert received.json()["status"] == "received"
    assert shop.get("/v1/returns", headers=floor, params={"status": "authorized"}).json() == {
        "data": [],
        "next_cursor": None,
    }
    detail = shop.get(f"/v1/returns/{rma_id}", headers=desk).json()
    assert detail["lines"][0]["qty_received"] == 2 and "unit_cost" not in detail["lines"][0]


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (Role.WAREHOUSE, "/v1/returns"),
        (Role.CUSTOMER_SERVICE, "/v1/returns/{id}/receive"),
        (Role.FINANCE, "/v1/returns/{id}/dispositions"),
        (Role.PLANNER, "/v1/returns/{id}/refund"),
    ],
)
def test_a_role_without_the_permission_gets_403_and_nothing_changes(
    shop: TestClient, shipped: int, admin: H, key_for: KeyFor, db: Database, role: Role, path: str
) -> None:
    rma_id = shop.post("/v1/returns", headers=admin, json=rma(shipped)).json()["id"]
    who = key_for(role)
    before = everything(db)
    body = rma(shipped) if path == "/v1/returns" else {"lines": [{"line_no": 1, "qty": 1}]}
    reply = shop.post(path.format(id=rma_id), headers=who, json=body)
    assert (reply.status_code, reply.json()["code"]) == (403, "forbidden")
    assert everything(db) == before


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"reason": "changed_mood"}, "validation_error"),
        ({"reason": "other"}, "reason_text_required"),
        ({"lines": [{"line_no": 1, "qty": 3}]}, "return_exceeds_shipped"),
        ({"lines": [{"line_no": 9, "qty": 1}]}, "invalid_input"),
        ({"lines": [{"line_no": 1, "qty": 0}]}, "validation_error"),
        ({"status": "closed"}, "validation_error"),
    ],
)
def test_bad_returns_get_a_code_and_write_nothing(
    shop: TestClient, shipped: int, admin: H, db: Database, body: dict[str, Any], code: str
) -> None:
    before = everything(db)
    reply = shop.post("/v1/returns", headers=admin, json=rma(shipped) | body)
    assert (reply.status_code, reply.json()["code"]) == (422, code)
    assert everything(db) == before


def test_the_return_window_is_each_channels_policy(
    shop: TestClient, shipped: int, admin: H
) -> None:
    assert shop.get("/v1/channels/WEB/return-policy", headers=admin).json()["window_days"] == 30
    policy = {"window_days": 0, "restocking_fee_rate": "0.1"}
    assert shop.put("/v1/channels/WEB/return-policy", headers=admin, json=policy).is_success
    reply = shop.post("/v1/returns", headers=admin, json=rma(shipped))
    assert (reply.status_code, reply.json()["code"]) == (422, "outside_return_window")


def test_routing_before_inspection_is_refused(shop: TestClient, shipped: int, admin: H) -> None:
    rma_id = shop.post("/v1/returns", headers=admin, json=rma(shipped)).json()["id"]
    reply = shop.post(
        f"/v1/returns/{rma_id}/dispositions",
        headers=admin,
        json={"lines": [{"line_no": 1, "qty": 1, "disposition": "restock"}]},
    )
    assert (reply.status_code, reply.json()["code"]) == (409, "not_inspected")


def test_a_refund_above_the_threshold_is_posted_only_by_an_approver(
    shop: TestClient, shipped: int, admin: H, key_for: KeyFor, db: Database
) -> None:
    db.settings.refund_approval_amount = 5
    desk, finance = key_for(Role.CUSTOMER_SERVICE), key_for(Role.FINANCE)
    rma_id = inspected(shop, admin, shipped)
    refund = shop.post(f"/v1/returns/{rma_id}/refund", headers=desk, json={}).json()
    assert (refund["status"], refund["total"]) == ("pending_approval", "27.5100")  # the whole order
    pending = shop.get("/v1/refunds", headers=finance).json()["data"]
    assert [r["id"] for r in pending] == [refund["id"]]
    # No second refund of the same units, and the desk cannot approve its own request.
    again = shop.post(f"/v1/returns/{rma_id}/refund", headers=desk, json={})
    assert (again.status_code, again.json()["code"]) == (422, "refund_exceeds_received")
    denied = shop.post(f"/v1/refunds/{refund['id']}/approve", headers=desk)
    assert denied.status_code == 403
    approved = shop.post(f"/v1/refunds/{refund['id']}/approve", headers=finance).json()
    assert approved["status"] == "posted" and approved["journal_entry_id"] is not None
    assert approved["approved_by"].endswith("test-finance") and approved["approved_at"]


def test_only_an_approver_turns_a_pending_refund_down_with_a_comment(
    shop: TestClient, shipped: int, admin: H, key_for: KeyFor, db: Database
) -> None:
    db.settings.refund_approval_amount = 5
    desk, finance = key_for(Role.CUSTOMER_SERVICE), key_for(Role.FINANCE)
    rma_id = inspected(shop, admin, shipped)
    refund = shop.post(f"/v1/returns/{rma_id}/refund", headers=desk, json={}).json()
    url = f"/v1/refunds/{refund['id']}/reject"
    assert shop.post(url, headers=desk, json={"comment": "no"}).status_code == 403
    assert shop.post(url, headers=finance, json={}).status_code == 422
    rejected = shop.post(url, headers=finance, json={"comment": "paid by the marketplace"}).json()
    assert (rejected["status"], rejected["rejection_comment"]) == (
        "rejected",
        "paid by the marketplace",
    )
    assert shop.get("/v1/refunds", headers=finance).json()["data"] == []


def test_restocked_units_are_allocated_to_a_waiting_backorder(
    shop: TestClient, shipped: int, admin: H
) -> None:
    free = shop.get("/v1/inventory", headers=admin, params={"sku": "SKU-1"}).json()["data"][0]
    take = {"sku": "SKU-1", "location": "DC-1", "delta": -free["available"], "status": "available"}
    assert shop.post("/v1/inventory/adjustments", headers=admin, json=take | {"reason": "count"})
    waiting = shop.post("/v1/orders", headers=admin, json=order("WEB-2")).json()["id"]
    released = shop.post(f"/v1/orders/{waiting}/release", headers=admin).json()
    assert released["status"] == "backordered"
    rma_id = inspected(shop, admin, shipped)
    reply = shop.post(
        f"/v1/returns/{rma_id}/dispositions",
        headers=admin,
        json={"lines": [{"line_no": 1, "qty": 2, "disposition": "restock"}]},
    )
    assert reply.status_code == 201 and reply.json()["status"] == "closed"
    assert shop.get(f"/v1/orders/{waiting}", headers=admin).json()["status"] == "allocated"
