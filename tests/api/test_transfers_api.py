"""Transfers through the API: plan, ship, see stock in transit, receive in parts; bad input is
a 4xx with its own code and writes nothing; roles without transfers:write get 403."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from erp_core.adapters.database import Database
from erp_core.domain.access import ROLE_PERMISSIONS, Permission, Role
from tests.api.test_orders_api import order
from tests.api.test_orders_api import shop as shop  # noqa: F401  (the fixture)
from tests.conftest import KeyFor
from tests.factories import item, location, stocked
from tests.integration.test_failure_injection import everything

H = dict[str, str]


@pytest.fixture
def dcs(app_client: TestClient, db: Database) -> TestClient:
    stocked(db, 50, "A", "DC-1")
    item(db, "B")
    location(db, "DC-2")
    return app_client


def plan(client: TestClient, headers: H, **changes: Any) -> Any:
    body = {
        "source": "DC-1",
        "destination": "DC-2",
        "lines": [{"sku": "A", "qty": 10}],
        "expected_arrival": "2030-01-10",
        **changes,
    }
    return client.post("/v1/transfers", headers=headers, json=body)


def position(client: TestClient, headers: H, code: str) -> dict[str, int]:
    found = client.get("/v1/inventory", headers=headers, params={"sku": "A", "location": code})
    return found.json()["data"][0]


def test_a_transfer_ships_into_transit_and_is_received_in_parts(dcs: TestClient, admin: H) -> None:
    created = plan(dcs, admin)
    assert created.status_code == 201, created.text
    transfer = created.json()
    assert (transfer["status"], transfer["lines"][0]["qty_shipped"]) == ("draft", 0)

    shipped = dcs.post(f"/v1/transfers/{transfer['id']}/ship", headers=admin)
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped"
    assert position(dcs, admin, "DC-1")["available"] == 40
    assert position(dcs, admin, "DC-2")["in_transit"] == 10
    in_transit = dcs.get("/v1/locations/DC-2/in-transit", headers=admin).json()["data"]
    assert in_transit == [
        {
            "sku": "A",
            "in_transit": 10,
            "transfers": [
                {
                    "transfer_id": transfer["id"],
                    "source": "DC-1",
                    "in_transit": 10,
                    "expected_arrival": "2030-01-10",
                }
            ],
        }
    ]

    url = f"/v1/transfers/{transfer['id']}/receive"
    partly = dcs.post(url, headers=admin, json={"lines": [{"sku": "A", "qty": 4}]}).json()
    assert (partly["status"], partly["lines"][0]["in_transit"]) == ("partially_received", 6)
    done = dcs.post(url, headers=admin).json()
    assert (done["status"], done["lines"][0]["qty_received"]) == ("received", 10)
    assert (
        position(dcs, admin, "DC-2")["available"],
        position(dcs, admin, "DC-2")["in_transit"],
    ) == (10, 0)
    assert dcs.get("/v1/locations/DC-2/in-transit", headers=admin).json()["data"] == []
    assert dcs.get(f"/v1/transfers/{transfer['id']}", headers=admin).json() == done
    listed = dcs.get("/v1/transfers", headers=admin, params={"status": "received"}).json()
    assert [t["id"] for t in listed["data"]] == [transfer["id"]]
    assert dcs.get("/v1/transfers", headers=admin, params={"location": "DC-9"}).status_code == 404


def test_bad_transfers_get_their_code_and_write_nothing(
    dcs: TestClient, admin: H, db: Database
) -> None:
    shipped = plan(dcs, admin, lines=[{"sku": "A", "qty": 5}]).json()["id"]
    dcs.post(f"/v1/transfers/{shipped}/ship", headers=admin)
    short = plan(dcs, admin, lines=[{"sku": "A", "qty": 46}]).json()["id"]
    before = everything(db)
    refused = [
        (plan(dcs, admin, destination="DC-1"), 422, "same_location"),
        (
            plan(dcs, admin, lines=[{"sku": "A", "qty": 1}, {"sku": "A", "qty": 2}]),
            422,
            "duplicate_line",
        ),
        (plan(dcs, admin, lines=[{"sku": "NOPE", "qty": 1}]), 404, "not_found"),
        (plan(dcs, admin, lines=[{"sku": "A", "qty": 0}]), 422, "validation_error"),
        (plan(dcs, admin, lines=[]), 422, "validation_error"),
        (plan(dcs, admin, status="received"), 422, "validation_error"),
        (dcs.post(f"/v1/transfers/{short}/ship", headers=admin), 409, "insufficient_stock"),
        (
            dcs.post(
                f"/v1/transfers/{shipped}/receive",
                headers=admin,
                json={"lines": [{"sku": "A", "qty": 6}]},
            ),
            422,
            "receipt_exceeds_shipment",
        ),
        (dcs.post(f"/v1/transfers/{short}/receive", headers=admin), 409, "illegal_transition"),
        (dcs.post(f"/v1/transfers/{shipped}/cancel", headers=admin), 409, "illegal_transition"),
        (dcs.post(f"/v1/transfers/{shipped}/ship", headers=admin), 409, "illegal_transition"),
        (dcs.post("/v1/transfers/999/ship", headers=admin), 404, "not_found"),
        (dcs.get("/v1/locations/NOWHERE/in-transit", headers=admin), 404, "not_found"),
    ]
    for reply, status, code in refused:
        assert (reply.status_code, reply.json()["code"]) == (status, code), reply.text
    assert everything(db) == before


def test_roles_without_transfers_write_get_403_and_nothing_changes(
    dcs: TestClient, admin: H, key_for: KeyFor, db: Database
) -> None:
    draft = plan(dcs, admin).json()["id"]
    keys = {role: key_for(role) for role in Role}
    before = everything(db)
    for role, permissions in ROLE_PERMISSIONS.items():
        if Permission.TRANSFERS_WRITE in permissions:
            continue
        for reply in (
            plan(dcs, keys[role]),
            dcs.post(f"/v1/transfers/{draft}/ship", headers=keys[role]),
            dcs.post(f"/v1/transfers/{draft}/cancel", headers=keys[role]),
            dcs.post(f"/v1/transfers/{draft}/receive", headers=keys[role]),
        ):
            assert (reply.status_code, reply.json()["code"]) == (403, "forbidden"), role
    assert everything(db) == before
    warehouse = dcs.post(f"/v1/transfers/{draft}/ship", headers=keys[Role.WAREHOUSE])
    assert warehouse.status_code == 200


def test_a_received_transfer_allocates_the_orders_waiting_for_it(
    shop: TestClient, admin: H, db: Database
) -> None:
    location(db, "DC-2")
    body = {"source": "DC-1", "destination": "DC-2", "lines": [{"sku": "SKU-1", "qty": 30}]}
    transfer = shop.post("/v1/transfers", headers=admin, json=body).json()["id"]
    shop.post(f"/v1/transfers/{transfer}/ship", headers=admin)
    placed = shop.post(
        "/v1/orders",
        headers=admin,
        json=order(lines=[{"sku": "SKU-1", "qty": 40, "unit_price": "9"}]),
    ).json()
    released = shop.post(f"/v1/orders/{placed['id']}/release", headers=admin).json()
    assert released["status"] == "backordered"
    shop.post(f"/v1/transfers/{transfer}/receive", headers=admin)
    assert shop.get(f"/v1/orders/{placed['id']}", headers=admin).json()["status"] == "allocated"
