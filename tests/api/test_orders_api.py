"""Order capture, validation into ready or held, and the hold queue, through the API."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from erp_core.adapters.database import Database
from erp_core.domain.access import Role
from tests.conftest import KeyFor
from tests.factories import stocked
from tests.integration.test_failure_injection import everything

H = dict[str, str]
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "1 Analytical Way",
    "city": "Berlin",
    "postcode": "10115",
    "country": "DE",
}


def order(external_id: str = "WEB-1", **changes: Any) -> dict[str, Any]:
    body = {
        "channel": "WEB",
        "external_id": external_id,
        "customer": {"code": "C-1", "name": "Ada", "email": "ada@example.com"},
        "ship_to": ADDRESS,
        "shipping_method": "standard",
        "payment_status": "captured",
        "lines": [
            {"sku": "SKU-1", "qty": 2, "unit_price": "10.00", "discount": "1.00", "tax": "3.61"}
        ],
        "shipping": "4.90",
    }
    return {**body, **changes}


@pytest.fixture
def shop(app_client: TestClient, admin: H, db: Database) -> TestClient:
    stocked(db, 50)
    app_client.patch("/v1/items/SKU-1", headers=admin, json={"unit_cost": "4.00"})
    app_client.post(
        "/v1/channels", headers=admin, json={"code": "WEB", "name": "Web", "kind": "web_store"}
    )
    return app_client


def test_a_good_order_is_captured_ready_with_its_amounts_and_timeline(
    shop: TestClient, admin: H
) -> None:
    reply = shop.post("/v1/orders", headers=admin, json=order())
    assert reply.status_code == 201, reply.json()
    got = reply.json()
    assert got["status"] == "ready" and got["holds"] == []
    assert (got["goods"], got["discount"], got["tax"], got["shipping"], got["total"]) == (
        "20.0000",
        "1.0000",
        "3.6100",
        "4.9000",
        "27.5100",
    )
    assert [(t["from_status"], t["to_status"]) for t in got["timeline"]] == [
        (None, "received"),
        ("received", "ready"),
    ]
    assert got["customer"] == "C-1"
    assert shop.get(f"/v1/orders/{got['id']}", headers=admin).json() == got


def test_the_same_channel_order_twice_returns_the_first_order_with_200(
    shop: TestClient, admin: H
) -> None:
    first = shop.post("/v1/orders", headers=admin, json=order())
    again = shop.post("/v1/orders", headers=admin, json=order())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert len(shop.get("/v1/orders", headers=admin).json()["data"]) == 1


def test_each_failed_check_opens_its_own_hold(shop: TestClient, admin: H) -> None:
    shop.put(
        "/v1/channels/WEB/order-policy",
        headers=admin,
        json={"margin_floor": "0.6", "max_order_value": "20", "shipping_methods": ["standard"]},
    )
    body = order(
        payment_status="pending", shipping_method="drone", ship_to={**ADDRESS, "postcode": None}
    )
    got = shop.post("/v1/orders", headers=admin, json=body).json()
    assert got["status"] == "held"
    assert sorted(h["reason"] for h in got["holds"]) == [
        "address",
        "margin",
        "max_value",
        "payment",
        "shipping_method",
    ]
    queue = shop.get("/v1/holds", headers=admin, params={"reason": "margin"}).json()["data"]
    assert [h["order_id"] for h in queue] == [got["id"]]


def test_restricted_items_are_held_for_regions_they_may_not_ship_to(
    shop: TestClient, admin: H
) -> None:
    shop.patch("/v1/items/SKU-1", headers=admin, json={"restricted_regions": ["CH"]})
    held = shop.post(
        "/v1/orders", headers=admin, json=order(ship_to={**ADDRESS, "country": "CH"})
    ).json()
    assert [h["reason"] for h in held["holds"]] == ["restricted_item"]


def test_holds_are_resolved_only_by_the_role_that_owns_the_reason(
    shop: TestClient, admin: H, key_for: KeyFor
) -> None:
    got = shop.post(
        "/v1/orders",
        headers=admin,
        json=order(payment_status="pending", ship_to={**ADDRESS, "city": ""}),
    ).json()
    holds = {h["reason"]: h["id"] for h in got["holds"]}
    service, finance = key_for(Role.CUSTOMER_SERVICE), key_for(Role.FINANCE)
    refused = shop.post(
        f"/v1/holds/{holds['payment']}/resolve",
        headers=service,
        json={"action": "release", "comment": "customer says paid"},
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    first = shop.post(
        f"/v1/holds/{holds['payment']}/resolve",
        headers=finance,
        json={"action": "release", "comment": "payment captured manually"},
    )
    assert first.json()["status"] == "held", "the address hold is still open"
    last = shop.post(
        f"/v1/holds/{holds['address']}/resolve",
        headers=service,
        json={"action": "release", "comment": "address confirmed by phone"},
    )
    assert last.json()["status"] == "ready"
    twice = shop.post(
        f"/v1/holds/{holds['address']}/resolve",
        headers=admin,
        json={"action": "release", "comment": "again"},
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "illegal_transition")
    assert [t["to_status"] for t in last.json()["timeline"]] == ["received", "held", "ready"]


def test_cancelling_from_a_hold_cancels_the_order_and_closes_its_other_holds(
    shop: TestClient, admin: H
) -> None:
    got = shop.post(
        "/v1/orders",
        headers=admin,
        json=order(payment_status="failed", ship_to={**ADDRESS, "city": None}),
    ).json()
    hold_id = got["holds"][0]["id"]
    cancelled = shop.post(
        f"/v1/holds/{hold_id}/resolve",
        headers=admin,
        json={"action": "cancel", "comment": "fraudulent"},
    ).json()
    assert cancelled["status"] == "cancelled"
    assert {h["status"] for h in cancelled["holds"]} == {"cancelled"}
    assert shop.get("/v1/holds", headers=admin).json()["data"] == []


def test_an_idempotency_key_replays_the_first_reply_and_refuses_a_different_body(
    shop: TestClient, admin: H
) -> None:
    keyed = {**admin, "Idempotency-Key": "retry-1"}
    first = shop.post("/v1/orders", headers=keyed, json=order())
    replies = [shop.post("/v1/orders", headers=keyed, json=order()) for _ in range(9)]
    assert {(r.status_code, r.text) for r in replies} == {(201, first.text)}
    other = shop.post("/v1/orders", headers=keyed, json=order("WEB-2"))
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_mismatch")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"channel": "NOPE"}, 404, "not_found"),
        ({"lines": [{"sku": "NOPE", "qty": 1, "unit_price": "1"}]}, 404, "not_found"),
        ({"lines": [{"sku": "SKU-1", "qty": 0, "unit_price": "1"}]}, 422, "validation_error"),
        ({"lines": [{"sku": "SKU-1", "qty": -2, "unit_price": "1"}]}, 422, "validation_error"),
        ({"lines": [{"sku": "SKU-1", "qty": 1, "unit_price": [1]}]}, 422, "validation_error"),
        ({"lines": []}, 422, "validation_error"),
        ({"ship_to": None}, 422, "validation_error"),
        ({"status": "shipped"}, 422, "validation_error"),
    ],
    ids=[
        "unknown-channel",
        "unknown-sku",
        "zero-qty",
        "negative-qty",
        "price-type",
        "no-lines",
        "missing-address",
        "unknown-field",
    ],
)
def test_bad_orders_get_a_4xx_and_write_nothing(
    shop: TestClient, admin: H, db: Database, change: dict[str, Any], status: int, code: str
) -> None:
    before = everything(db)
    reply = shop.post("/v1/orders", headers=admin, json=order(**change))
    assert (reply.status_code, reply.json()["code"]) == (status, code)
    assert everything(db) == before


def test_release_reserves_and_cancel_gives_the_stock_back(
    shop: TestClient, admin: H, key_for: KeyFor
) -> None:
    got = shop.post("/v1/orders", headers=admin, json=order()).json()
    ops = key_for(Role.OPERATIONS)
    warehouse = key_for(Role.WAREHOUSE)
    refused = shop.post(f"/v1/orders/{got['id']}/release", headers=warehouse)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    released = shop.post(f"/v1/orders/{got['id']}/release", headers=ops).json()
    assert released["status"] == "allocated"
    assert [(a["sku"], a["location"], a["qty"]) for a in released["allocations"]] == [
        ("SKU-1", "DC-1", 2)
    ]
    stock = shop.get("/v1/inventory", headers=admin, params={"sku": "SKU-1"}).json()["data"][0]
    assert (stock["available"], stock["reserved"]) == (48, 2)
    again = shop.post(f"/v1/orders/{got['id']}/release", headers=ops)
    assert (again.status_code, again.json()["code"]) == (409, "illegal_transition")
    cancelled = shop.post(
        f"/v1/orders/{got['id']}/cancel", headers=ops, json={"comment": "duplicate order"}
    ).json()
    assert cancelled["status"] == "cancelled"
    stock = shop.get("/v1/inventory", headers=admin, params={"sku": "SKU-1"}).json()["data"][0]
    assert (stock["available"], stock["reserved"]) == (50, 0)


def test_a_line_is_cancelled_in_part_by_a_permitted_role_and_its_units_freed(
    shop: TestClient, admin: H, key_for: KeyFor
) -> None:
    got = shop.post("/v1/orders", headers=admin, json=order()).json()
    ops = key_for(Role.OPERATIONS)
    shop.post(f"/v1/orders/{got['id']}/release", headers=ops)
    url = f"/v1/orders/{got['id']}/lines/1/cancel"
    refused = shop.post(url, headers=key_for(Role.WAREHOUSE), json={"qty": 1, "comment": "x"})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    too_many = shop.post(url, headers=ops, json={"qty": 3, "comment": "x"})
    assert (too_many.status_code, too_many.json()["code"]) == (422, "invalid_input")
    done = shop.post(url, headers=ops, json={"qty": 1, "comment": "only one wanted"}).json()
    assert (done["status"], done["lines"][0]["qty_cancelled"]) == ("allocated", 1)
    stock = shop.get("/v1/inventory", headers=admin, params={"sku": "SKU-1"}).json()["data"][0]
    assert (stock["available"], stock["reserved"]) == (49, 1)


def test_backorders_list_what_waits_for_stock(shop: TestClient, admin: H) -> None:
    big = order(lines=[{"sku": "SKU-1", "qty": 70, "unit_price": "10.00"}])
    got = shop.post("/v1/orders", headers=admin, json=big).json()
    released = shop.post(f"/v1/orders/{got['id']}/release", headers=admin).json()
    assert released["status"] == "backordered"
    waiting = shop.get("/v1/backorders", headers=admin).json()["data"]
    assert [(b["order_id"], b["sku"], b["qty"], b["open_qty"]) for b in waiting] == [
        (got["id"], "SKU-1", 70, 20)
    ]


def test_stock_arriving_goes_to_the_waiting_order_of_the_higher_priority_channel(
    shop: TestClient, admin: H
) -> None:
    shop.post(
        "/v1/channels",
        headers=admin,
        json={"code": "B2B", "name": "B2B", "kind": "b2b_portal", "allocation_priority": 1},
    )
    web = shop.post(
        "/v1/orders",
        headers=admin,
        json=order("W-1", lines=[{"sku": "SKU-1", "qty": 60, "unit_price": "9"}]),
    ).json()
    b2b = shop.post(
        "/v1/orders",
        headers=admin,
        json=order("B-1", channel="B2B", lines=[{"sku": "SKU-1", "qty": 30, "unit_price": "9"}]),
    ).json()
    for placed in (web, b2b):
        released = shop.post(f"/v1/orders/{placed['id']}/release", headers=admin).json()
        assert released["status"] == "backordered"
    shop.post(
        "/v1/inventory/moves",
        headers=admin,
        json={"sku": "SKU-1", "location": "DC-1", "qty": 30, "to_status": "available"},
    )
    assert shop.get(f"/v1/orders/{b2b['id']}", headers=admin).json()["status"] == "allocated"
    assert shop.get(f"/v1/orders/{web['id']}", headers=admin).json()["status"] == "backordered"
    waiting = shop.get("/v1/backorders", headers=admin).json()["data"]
    assert [(b["external_id"], b["open_qty"]) for b in waiting] == [("W-1", 10)]


def test_a_channel_can_hold_orders_it_has_no_stock_for(shop: TestClient, admin: H) -> None:
    shop.put("/v1/channels/WEB/order-policy", headers=admin, json={"hold_without_stock": True})
    short = order(lines=[{"sku": "SKU-1", "qty": 51, "unit_price": "9"}])
    got = shop.post("/v1/orders", headers=admin, json=short).json()
    assert [(h["reason"], h["details"]) for h in got["holds"]] == [("stock", {"skus": ["SKU-1"]})]
    fits = shop.post("/v1/orders", headers=admin, json=order("WEB-2")).json()
    assert fits["status"] == "ready"
