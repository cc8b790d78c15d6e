"""The inventory endpoints end to end."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from erp_core.domain.access import Role
from tests.conftest import KeyFor

H = dict[str, str]


def _setup(client: TestClient, admin: H) -> None:
    client.post("/v1/items", headers=admin, json={"sku": "A", "name": "A"})
    for code in ("DC-1", "DC-2"):
        client.post(
            "/v1/locations",
            headers=admin,
            json={"code": code, "name": code, "kind": "own_dc", "region": "DE"},
        )


def test_receive_reserve_release_and_read_every_bucket(app_client: TestClient, admin: H) -> None:
    _setup(app_client, admin)
    received = app_client.post(
        "/v1/inventory/moves",
        headers=admin,
        json={
            "sku": "A",
            "location": "DC-1",
            "qty": 100,
            "to_status": "available",
            "reason": "receipt",
            "reference": "PO-1",
        },
    )
    assert received.status_code == 201
    app_client.post(
        "/v1/inventory/moves",
        headers=admin,
        json={
            "sku": "A",
            "location": "DC-1",
            "qty": 5,
            "from_status": "available",
            "to_status": "quarantine",
            "reason": "inspection_hold",
        },
    )
    reservation = app_client.post(
        "/v1/inventory/reservations",
        headers=admin,
        json={"sku": "A", "location": "DC-1", "qty": 30, "reference": "ORDER-9"},
    ).json()
    position = app_client.get(
        "/v1/inventory", headers=admin, params={"sku": "A", "location": "DC-1"}
    ).json()["data"][0]
    assert {
        k: position[k]
        for k in ("available", "reserved", "quarantine", "on_hand", "available_to_sell")
    } == {"available": 65, "reserved": 30, "quarantine": 5, "on_hand": 95, "available_to_sell": 65}
    released = app_client.delete(f"/v1/inventory/reservations/{reservation['id']}", headers=admin)
    assert released.json()["active"] is False
    twice = app_client.delete(f"/v1/inventory/reservations/{reservation['id']}", headers=admin)
    assert (twice.status_code, twice.json()["code"]) == (409, "illegal_transition")


def test_the_ledger_lists_every_move_in_order(app_client: TestClient, admin: H) -> None:
    _setup(app_client, admin)
    for qty in (10, 20):
        app_client.post(
            "/v1/inventory/moves",
            headers=admin,
            json={"sku": "A", "location": "DC-1", "qty": qty, "to_status": "available"},
        )
    app_client.post(
        "/v1/inventory/relocations",
        headers=admin,
        json={"sku": "A", "from_location": "DC-1", "to_location": "DC-2", "qty": 7},
    )
    app_client.post(
        "/v1/inventory/adjustments",
        headers=admin,
        json={"sku": "A", "location": "DC-2", "counted_qty": 6, "reason": "count_correction"},
    )
    moves = app_client.get("/v1/inventory/A/moves", headers=admin).json()["data"]
    assert [
        (m["location"], m["from_status"], m["to_status"], m["qty"], m["reason"]) for m in moves
    ] == [
        ("DC-1", None, "available", 10, "receipt"),
        ("DC-1", None, "available", 20, "receipt"),
        ("DC-1", "available", None, 7, "relocation_out"),
        ("DC-2", None, "available", 7, "relocation_in"),
        ("DC-2", "available", None, 1, "count_correction"),
    ]
    only_dc2 = app_client.get(
        "/v1/inventory/A/moves", headers=admin, params={"location": "DC-2"}
    ).json()["data"]
    assert len(only_dc2) == 2
    positions = app_client.get("/v1/inventory", headers=admin, params={"sku": "A"}).json()
    assert [(p["location"], p["available"]) for p in positions["data"]] == [
        ("DC-1", 23),
        ("DC-2", 6),
    ]


def test_positions_page_through_every_item_and_location_once(
    app_client: TestClient, admin: H
) -> None:
    _setup(app_client, admin)
    for n in range(4):
        app_client.post("/v1/items", headers=admin, json={"sku": f"P{n}", "name": f"P{n}"})
        for code, status in (("DC-1", "available"), ("DC-2", "damaged"), ("DC-2", "available")):
            app_client.post(
                "/v1/inventory/moves",
                headers=admin,
                json={"sku": f"P{n}", "location": code, "qty": n + 1, "to_status": status},
            )
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = app_client.get("/v1/inventory", headers=admin, params=params).json()
        seen += [(p["sku"], p["location"], p["available"], p["damaged"]) for p in page["data"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == [
        (f"P{n}", code, n + 1, n + 1 if code == "DC-2" else 0)
        for n in range(4)
        for code in ("DC-1", "DC-2")
    ]


def test_an_unknown_sku_or_location_is_404_not_an_empty_page(
    app_client: TestClient, admin: H
) -> None:
    _setup(app_client, admin)
    for params in ({"sku": "NOPE"}, {"location": "NOWHERE"}):
        reply = app_client.get("/v1/inventory", headers=admin, params=params)
        assert (reply.status_code, reply.json()["code"]) == (404, "not_found")
    assert app_client.get("/v1/inventory", headers=admin, params={"sku": "A"}).json() == {
        "data": [],
        "next_cursor": None,
    }


def test_unknown_query_parameters_are_refused_like_unknown_fields(
    app_client: TestClient, admin: H
) -> None:
    for url in ("/v1/inventory", "/v1/inventory/A/moves", "/v1/audit", "/v1/items"):
        reply = app_client.get(url, headers=admin, params={"colour": "red"})
        assert (reply.status_code, reply.json()["code"]) == (422, "validation_error"), url


def test_a_costed_receipt_moves_the_average_cost_which_only_cost_readers_see(
    app_client: TestClient, admin: H, key_for: KeyFor
) -> None:
    _setup(app_client, admin)
    warehouse = key_for(Role.WAREHOUSE)
    receipt = {"sku": "A", "location": "DC-1", "to_status": "available"}
    first = app_client.post(
        "/v1/inventory/moves", headers=warehouse, json={**receipt, "qty": 4, "unit_cost": "2.50"}
    )
    assert first.status_code == 201 and first.json()["unit_cost"] is None  # may not read cost
    second = app_client.post(
        "/v1/inventory/moves", headers=admin, json={**receipt, "qty": 6, "unit_cost": "5"}
    )
    assert Decimal(second.json()["unit_cost"]) == 5
    assert Decimal(app_client.get("/v1/items/A", headers=admin).json()["average_cost"]) == 4
    assert app_client.get("/v1/items/A", headers=warehouse).json()["average_cost"] is None
    ledger = app_client.get("/v1/inventory/A/moves", headers=warehouse).json()["data"]
    assert [m["unit_cost"] for m in ledger] == [None, None]


def test_a_unit_cost_belongs_to_receipts_only_and_is_never_negative(
    app_client: TestClient, admin: H
) -> None:
    _setup(app_client, admin)
    receipt = {"sku": "A", "location": "DC-1", "qty": 2, "to_status": "available"}
    negative = app_client.post(
        "/v1/inventory/moves", headers=admin, json={**receipt, "unit_cost": "-1"}
    )
    assert negative.status_code == 422
    app_client.post("/v1/inventory/moves", headers=admin, json=receipt)
    status_move = {**receipt, "from_status": "available", "to_status": "damaged", "unit_cost": 1}
    refused = app_client.post("/v1/inventory/moves", headers=admin, json=status_move)
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_input")
    assert app_client.get("/v1/items/A", headers=admin).json()["average_cost"] is None
