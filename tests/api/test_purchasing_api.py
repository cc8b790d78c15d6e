"""Purchasing over HTTP: who may raise, approve, send and receive; what bad input gets; what
a receipt shows in stock, ATP, backorders and supplier performance."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from erp_core.adapters.database import Database
from erp_core.domain.access import Role
from tests.api.test_orders_api import order
from tests.conftest import KeyFor
from tests.factories import stocked
from tests.integration.test_failure_injection import everything

H = dict[str, str]
SOON = (date.today() + timedelta(days=5)).isoformat()


@pytest.fixture
def desk(app_client: TestClient, admin: H, db: Database) -> TestClient:
    """SKU-1 at DC-1 (10 on the shelf), supplier SUP selling it at 4.00 in packs of 10."""
    stocked(db, 10)
    app_client.post("/v1/suppliers", headers=admin, json={"code": "SUP", "name": "Supplier"})
    app_client.post(
        "/v1/suppliers/SUP/items",
        headers=admin,
        json={"sku": "SKU-1", "unit_cost": "4.00", "lead_time_days_mean": "5", "pack_size": 10},
    )
    return app_client


def new_order(client: TestClient, headers: H, qty: int = 100, **line: Any) -> dict[str, Any]:
    body = {
        "supplier": "SUP",
        "location": "DC-1",
        "lines": [{"sku": "SKU-1", "qty": qty, "expected_date": SOON, **line}],
    }
    reply = client.post("/v1/purchase-orders", headers=headers, json=body)
    assert reply.status_code == 201, reply.json()
    return dict(reply.json())


def test_a_planner_raises_finance_approves_and_the_warehouse_receives(
    desk: TestClient, key_for: KeyFor
) -> None:
    planner, finance, warehouse = (key_for(r) for r in (Role.PLANNER, Role.FINANCE, Role.WAREHOUSE))
    raised = new_order(desk, planner, qty=3000)  # 12,000 > 10,000
    url = f"/v1/purchase-orders/{raised['id']}"
    assert (raised["status"], raised["total_value"]) == ("draft", "12000.0000")
    refused = desk.post(f"{url}/send", headers=planner)
    assert (refused.status_code, refused.json()["code"]) == (409, "approval_required")
    assert desk.post(f"{url}/approve", headers=planner).status_code == 403
    approved = desk.post(f"{url}/approve", headers=finance).json()
    assert approved["status"] == "approved" and approved["approved_by"].endswith("finance")
    assert desk.post(f"{url}/send", headers=planner).json()["status"] == "sent"
    receipt = desk.post(
        f"{url}/receipts",
        headers=warehouse,
        json={"lines": [{"line_no": 1, "qty": 1000}], "freight": "100", "reference": "DN-1"},
    )
    assert receipt.status_code == 201, receipt.json()
    body = receipt.json()
    assert body["purchase_order"]["status"] == "partially_received"
    # The warehouse may not read cost: every money field is blanked, not dropped.
    assert body["lines"][0]["landed_unit_cost"] is None and body["freight"] is None
    assert body["purchase_order"]["lines"][0]["unit_cost"] is None
    stock = desk.get("/v1/inventory", headers=warehouse, params={"sku": "SKU-1"}).json()
    assert (stock["data"][0]["available"], stock["data"][0]["inbound"]) == (1010, 2000)
    detail = desk.get(url, headers=finance).json()
    assert detail["receipts"][0]["lines"][0]["landed_unit_cost"] == "4.1000"


def test_roles_without_purchasing_rights_get_403_and_nothing_changes(
    desk: TestClient, admin: H, key_for: KeyFor, db: Database
) -> None:
    po_id = new_order(desk, admin)["id"]
    before = everything(db)
    for role in (Role.WAREHOUSE, Role.CUSTOMER_SERVICE, Role.ROUTING_SERVICE):
        headers = key_for(role)
        before = everything(db)
        body = {"supplier": "SUP", "location": "DC-1", "lines": []}
        assert desk.post("/v1/purchase-orders", headers=headers, json=body).status_code == 403
        assert desk.post(f"/v1/purchase-orders/{po_id}/send", headers=headers).status_code == 403
        assert desk.post(f"/v1/purchase-orders/{po_id}/approve", headers=headers).status_code == 403
        assert everything(db) == before
    planner = key_for(Role.PLANNER)
    desk.post(f"/v1/purchase-orders/{po_id}/send", headers=planner)
    before = everything(db)
    receipt = {"lines": [{"line_no": 1, "qty": 1}]}
    reply = desk.post(f"/v1/purchase-orders/{po_id}/receipts", headers=planner, json=receipt)
    assert (reply.status_code, reply.json()["code"]) == (403, "forbidden")
    assert everything(db) == before


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"lines": [{"line_no": 1, "qty": 0}]}, 422, "validation_error"),
        ({"lines": [{"line_no": 1, "qty": -3}]}, 422, "validation_error"),
        ({"lines": []}, 422, "validation_error"),
        ({"lines": [{"line_no": 1, "qty": 1}], "cost": "1"}, 422, "validation_error"),
        ({"lines": [{"line_no": 1, "qty": 1}], "freight": "-1"}, 422, "validation_error"),
        ({"lines": [{"line_no": 7, "qty": 1}]}, 422, "unknown_line"),
        ({"lines": [{"line_no": 1, "qty": 106}]}, 409, "over_receipt"),
        ({"lines": [{"line_no": 1, "qty": 1}, {"line_no": 1, "qty": 1}]}, 422, "invalid_input"),
    ],
)
def test_a_bad_receipt_gets_a_coded_4xx_and_writes_nothing(
    desk: TestClient, admin: H, db: Database, body: dict[str, Any], status: int, code: str
) -> None:
    po_id = new_order(desk, admin)["id"]
    desk.post(f"/v1/purchase-orders/{po_id}/send", headers=admin)
    before = everything(db)
    reply = desk.post(f"/v1/purchase-orders/{po_id}/receipts", headers=admin, json=body)
    assert (reply.status_code, reply.json()["code"]) == (status, code)
    assert everything(db) == before


def test_receiving_an_unsent_or_cancelled_order_is_refused(
    desk: TestClient, admin: H, db: Database
) -> None:
    draft = new_order(desk, admin)["id"]
    cancelled = new_order(desk, admin)["id"]
    desk.post(f"/v1/purchase-orders/{cancelled}/cancel", headers=admin)
    before = everything(db)
    for po_id in (draft, cancelled, 987_654):
        reply = desk.post(
            f"/v1/purchase-orders/{po_id}/receipts",
            headers=admin,
            json={"lines": [{"line_no": 1, "qty": 1}]},
        )
        assert reply.status_code in (404, 409) and reply.json()["code"] in (
            "not_receivable",
            "not_found",
        )
    assert everything(db) == before


def test_pack_size_is_enforced_with_a_clear_code_unless_a_reason_is_given(
    desk: TestClient, admin: H, db: Database
) -> None:
    before = everything(db)
    body = {
        "supplier": "SUP",
        "location": "DC-1",
        "lines": [{"sku": "SKU-1", "qty": 15, "expected_date": SOON}],
    }
    reply = desk.post("/v1/purchase-orders", headers=admin, json=body)
    assert (reply.status_code, reply.json()["code"]) == (422, "not_pack_multiple")
    assert everything(db) == before
    overridden = new_order(desk, admin, qty=15, override_reason="broken pack on clearance")
    assert overridden["lines"][0]["override_reason"] == "broken pack on clearance"


def test_only_a_draft_line_can_be_patched(desk: TestClient, admin: H, db: Database) -> None:
    po_id = new_order(desk, admin)["id"]
    url = f"/v1/purchase-orders/{po_id}"
    patched = desk.patch(f"{url}/lines/1", headers=admin, json={"qty": 200, "unit_cost": "3.5"})
    assert patched.json()["total_value"] == "700.0000"
    desk.post(f"{url}/approve", headers=admin)
    before = everything(db)
    reply = desk.patch(f"{url}/lines/1", headers=admin, json={"qty": 100_000})
    assert (reply.status_code, reply.json()["code"]) == (409, "illegal_transition")
    assert everything(db) == before


def test_atp_and_backorders_show_what_purchase_orders_bring(desk: TestClient, admin: H) -> None:
    desk.post(
        "/v1/channels", headers=admin, json={"code": "WEB", "name": "Web", "kind": "web_store"}
    )
    placed = desk.post(
        "/v1/orders",
        headers=admin,
        json=order("B-1", lines=[{"sku": "SKU-1", "qty": 30, "unit_price": "9"}]),
    ).json()
    assert desk.post(f"/v1/orders/{placed['id']}/release", headers=admin).json()["status"] == (
        "backordered"
    )
    po_id = new_order(desk, admin, qty=100)["id"]
    desk.post(f"/v1/purchase-orders/{po_id}/send", headers=admin)
    waiting = desk.get("/v1/backorders", headers=admin).json()["data"]
    assert [(b["inbound_qty"], b["next_inbound_date"]) for b in waiting] == [(100, SOON)]
    atp = desk.get(
        "/v1/atp", headers=admin, params={"sku": "SKU-1", "location": "DC-1", "date": SOON}
    )
    assert atp.status_code == 200, atp.json()
    assert (atp.json()["available_to_sell"], atp.json()["available_to_promise"]) == (0, 100)
    # The arrival is allocated to the waiting order once the reply is sent.
    desk.post(
        f"/v1/purchase-orders/{po_id}/receipts",
        headers=admin,
        json={"lines": [{"line_no": 1, "qty": 100}]},
    )
    assert desk.get(f"/v1/orders/{placed['id']}", headers=admin).json()["status"] == "allocated"
    assert desk.get("/v1/backorders", headers=admin).json()["data"] == []
    unknown = desk.get("/v1/atp", headers=admin, params={"sku": "NOPE", "location": "DC-1"})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")


def test_supplier_performance_reports_lead_time_actuals(desk: TestClient, admin: H) -> None:
    po_id = new_order(desk, admin)["id"]
    desk.post(f"/v1/purchase-orders/{po_id}/send", headers=admin)
    desk.post(
        f"/v1/purchase-orders/{po_id}/receipts",
        headers=admin,
        json={"lines": [{"line_no": 1, "qty": 80, "close": True}]},
    )
    reply = desk.get("/v1/suppliers/SUP/performance", headers=admin).json()
    row = reply["data"][0]
    assert (row["sku"], row["receipts"], row["on_time_rate"], row["fill_rate"]) == (
        "SKU-1",
        1,
        "1.0000",
        "0.8000",
    )
    assert row["lead_time_days_mean"] == "0.00" and row["planned_lead_time_days"] == "5.00"
    listed = desk.get("/v1/purchase-orders", headers=admin, params={"status": "partially_received"})
    assert [o["id"] for o in listed.json()["data"]] == []
    assert desk.get("/v1/purchase-orders", headers=admin).json()["data"][0]["status"] == "received"
