"""Counts and adjustment approvals through the API: blind count sheets, variances posted or
held for approval, the adjustments endpoint held to the same threshold, and approval that
cannot be bypassed: not by the requester, not twice, not by a role without the permission."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from erp_core.adapters.database import Database
from erp_core.domain.access import ROLE_PERMISSIONS, Permission, Role
from erp_core.domain.stock import StockStatus
from erp_core.services import inventory as inv
from tests.conftest import KeyFor
from tests.factories import ACTOR, item, stocked
from tests.integration.test_failure_injection import everything

H = dict[str, str]


@pytest.fixture
def shelf(app_client: TestClient, db: Database) -> TestClient:
    """DC-1 holds 20 A and 10 B; corrections of more than 5 units need approval."""
    stocked(db, 20, "A", "DC-1")
    item(db, "B")
    inv.move_stock(db, ACTOR, inv.MoveCommand("B", "DC-1", 10, StockStatus.AVAILABLE))
    db.settings.adjustment_approval_units = 5
    return app_client


def free(client: TestClient, headers: H, sku: str) -> int:
    found = client.get("/v1/inventory", headers=headers, params={"sku": sku, "location": "DC-1"})
    return int(found.json()["data"][0]["available"])


def sheet(client: TestClient, headers: H, found: dict[str, int]) -> Any:
    made = client.post(
        "/v1/count-sheets", headers=headers, json={"location": "DC-1", "skus": list(found)}
    )
    assert made.status_code == 201, made.text
    lines = [{"sku": sku, "counted_qty": qty} for sku, qty in found.items()]
    entered = client.put(
        f"/v1/count-sheets/{made.json()['id']}/lines", headers=headers, json={"lines": lines}
    )
    assert entered.status_code == 200, entered.text
    return entered.json()


def test_a_blind_count_posts_small_variances_and_holds_large_ones(
    shelf: TestClient, admin: H, key_for: KeyFor
) -> None:
    counter = key_for(Role.WAREHOUSE)
    counted = sheet(shelf, counter, {"A": 10, "B": 9})
    assert [line["expected_qty"] for line in counted["lines"]] == [None, None]
    assert shelf.get(f"/v1/count-sheets/{counted['id']}", headers=counter).json() == counted
    posted = shelf.post(f"/v1/count-sheets/{counted['id']}/post", headers=counter).json()
    assert [(x["sku"], x["expected_qty"], x["variance"]) for x in posted["lines"]] == [
        ("A", 20, -10),
        ("B", 10, -1),
    ]
    assert (free(shelf, admin, "A"), free(shelf, admin, "B")) == (20, 9)
    pending = shelf.get("/v1/adjustment-requests", headers=counter).json()["data"]
    assert [(r["sku"], r["delta"], r["reason"], r["state"]) for r in pending] == [
        ("A", -10, "count_variance", "pending")
    ]
    approved = shelf.post(f"/v1/adjustment-requests/{pending[0]['id']}/approve", headers=admin)
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert free(shelf, admin, "A") == 10
    accuracy = shelf.get(
        "/v1/inventory-accuracy",
        headers=counter,
        params={"location": "DC-1", "since": "2020-01-01T00:00:00Z"},
    ).json()
    assert accuracy == [{"location": "DC-1", "counted": 2, "within_tolerance": 0, "accuracy": 0.0}]
    sheets = shelf.get("/v1/count-sheets", headers=counter, params={"status": "posted"}).json()
    assert [s["id"] for s in sheets["data"]] == [counted["id"]]


def test_a_large_adjustment_through_the_adjustments_endpoint_waits_with_202(
    shelf: TestClient, admin: H, key_for: KeyFor, db: Database
) -> None:
    clerk = key_for(Role.WAREHOUSE)
    small = shelf.post(
        "/v1/inventory/adjustments",
        headers=clerk,
        json={"sku": "A", "location": "DC-1", "delta": -5, "reason": "damaged_in_aisle"},
    )
    assert small.status_code == 201 and small.json()["qty"] == 5
    held = shelf.post(
        "/v1/inventory/adjustments",
        headers=clerk,
        json={"sku": "A", "location": "DC-1", "counted_qty": 0, "reason": "count_correction"},
    )
    assert held.status_code == 202, held.text
    request = held.json()
    assert (request["state"], request["delta"], request["move_id"]) == ("pending", -15, None)
    assert free(shelf, admin, "A") == 15

    url = f"/v1/adjustment-requests/{request['id']}"
    keys = {role: key_for(role) for role in Role}
    before = everything(db)
    for role, permissions in ROLE_PERMISSIONS.items():
        if Permission.ADJUSTMENTS_APPROVE in permissions:
            continue
        for verb in ("approve", "reject"):
            reply = shelf.post(f"{url}/{verb}", headers=keys[role])
            assert (reply.status_code, reply.json()["code"]) == (403, "forbidden"), role
    own = shelf.post(f"{url}/approve", headers=clerk)
    assert (own.status_code, own.json()["code"]) == (403, "forbidden")
    assert everything(db) == before

    finance = keys[Role.FINANCE]
    approved = shelf.post(f"{url}/approve", headers=finance, json={"comment": "shelf empty"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["comment"] == "shelf empty" and approved.json()["move_id"]
    assert free(shelf, admin, "A") == 0
    decided = everything(db)
    for verb in ("approve", "reject"):
        again = shelf.post(f"{url}/{verb}", headers=admin)
        assert (again.status_code, again.json()["code"]) == (409, "illegal_transition")
    assert everything(db) == decided


def test_the_requester_cannot_approve_their_own_request(
    shelf: TestClient, admin: H, db: Database
) -> None:
    held = shelf.post(
        "/v1/inventory/adjustments",
        headers=admin,
        json={"sku": "B", "location": "DC-1", "delta": 50, "reason": "found"},
    ).json()
    before = everything(db)
    own = shelf.post(f"/v1/adjustment-requests/{held['id']}/approve", headers=admin)
    assert (own.status_code, own.json()["code"]) == (403, "self_approval")
    assert everything(db) == before


def test_bad_count_requests_get_their_code_and_write_nothing(
    shelf: TestClient, admin: H, db: Database
) -> None:
    open_sheet = shelf.post(
        "/v1/count-sheets", headers=admin, json={"location": "DC-1", "skus": ["A", "B"]}
    ).json()["id"]
    shelf.put(
        f"/v1/count-sheets/{open_sheet}/lines",
        headers=admin,
        json={"lines": [{"sku": "A", "counted_qty": 20}]},
    )
    posted = sheet(shelf, admin, {"B": 10})["id"]
    shelf.post(f"/v1/count-sheets/{posted}/post", headers=admin)
    before = everything(db)

    def lines(sheet_id: int, *found: tuple[str, int]) -> Any:
        body = {"lines": [{"sku": s, "counted_qty": q} for s, q in found]}
        return shelf.put(f"/v1/count-sheets/{sheet_id}/lines", headers=admin, json=body)

    refused = [
        (
            shelf.post(
                "/v1/count-sheets", headers=admin, json={"location": "DC-1", "skus": ["A", "A"]}
            ),
            422,
            "duplicate_line",
        ),
        (lines(open_sheet, ("B", 1), ("B", 2)), 422, "duplicate_line"),
        (lines(open_sheet, ("A", 19)), 409, "already_counted"),
        (lines(open_sheet, ("NOPE", 1)), 422, "invalid_input"),
        (lines(open_sheet, ("B", -1)), 422, "validation_error"),
        (shelf.post(f"/v1/count-sheets/{open_sheet}/post", headers=admin), 422, "invalid_input"),
        (shelf.post(f"/v1/count-sheets/{posted}/post", headers=admin), 409, "illegal_transition"),
        (lines(posted, ("A", 1)), 409, "illegal_transition"),
        (shelf.post("/v1/count-sheets/999/post", headers=admin), 404, "not_found"),
        (
            shelf.get(
                "/v1/inventory-accuracy", headers=admin, params={"since": "2020-01-01T00:00:00"}
            ),
            422,
            "validation_error",
        ),
        (shelf.post("/v1/adjustment-requests/999/approve", headers=admin), 404, "not_found"),
    ]
    for reply, status, code in refused:
        assert (reply.status_code, reply.json()["code"]) == (status, code), reply.text
    assert everything(db) == before


def test_roles_without_counts_write_get_403_and_nothing_changes(
    shelf: TestClient, admin: H, key_for: KeyFor, db: Database
) -> None:
    open_sheet = shelf.post(
        "/v1/count-sheets", headers=admin, json={"location": "DC-1", "skus": ["A"]}
    ).json()["id"]
    keys = {role: key_for(role) for role in Role}
    before = everything(db)
    for role, permissions in ROLE_PERMISSIONS.items():
        if Permission.COUNTS_WRITE in permissions:
            continue
        headers = keys[role]
        for reply in (
            shelf.post("/v1/count-sheets", headers=headers, json={"location": "DC-1"}),
            shelf.put(
                f"/v1/count-sheets/{open_sheet}/lines",
                headers=headers,
                json={"lines": [{"sku": "A", "counted_qty": 1}]},
            ),
            shelf.post(f"/v1/count-sheets/{open_sheet}/post", headers=headers),
        ):
            assert (reply.status_code, reply.json()["code"]) == (403, "forbidden"), role
    assert everything(db) == before
