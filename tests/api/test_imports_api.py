"""CSV imports over HTTP: all rows or none, with a report."""

from __future__ import annotations

from fastapi.testclient import TestClient

from erp_core.adapters.database import Database
from tests.integration.test_failure_injection import everything

H = dict[str, str]
CSV = {"Content-Type": "text/csv"}


def test_an_items_file_creates_and_updates_and_reports_counts(
    app_client: TestClient, admin: H
) -> None:
    app_client.post("/v1/items", headers=admin, json={"sku": "OLD", "name": "Old name"})
    body = "sku,name,unit_cost,hazardous\nOLD,New name,1.00,false\nNEW,Fresh,2.5,true\n"
    report = app_client.post("/v1/imports/items", headers={**admin, **CSV}, content=body).json()
    assert (report["created"], report["updated"], report["rejected"]) == (1, 1, [])
    assert app_client.get("/v1/items/OLD", headers=admin).json()["name"] == "New name"
    assert app_client.get("/v1/items/NEW", headers=admin).json()["hazardous"] is True


def test_a_sku_twice_in_one_file_rejects_the_file(
    app_client: TestClient, admin: H, db: Database
) -> None:
    before = everything(db)
    body = "sku,name\nA,One\nB,Two\nA,Again\n"
    reply = app_client.post("/v1/imports/items", headers={**admin, **CSV}, content=body)
    assert (reply.status_code, reply.json()["code"]) == (422, "import_rejected")
    assert reply.json()["details"]["rejected"] == [{"line": 4, "reason": "A already on line 2"}]
    assert everything(db) == before


def test_a_stock_file_with_an_unknown_location_changes_nothing(
    app_client: TestClient, admin: H, db: Database
) -> None:
    app_client.post("/v1/items", headers=admin, json={"sku": "A", "name": "A"})
    app_client.post(
        "/v1/locations",
        headers=admin,
        json={"code": "DC-1", "name": "DC", "kind": "own_dc", "region": "DE"},
    )
    before = everything(db)
    body = "sku,location,qty\nA,DC-1,5\nA,DC-X,5\n"
    reply = app_client.post("/v1/imports/stock", headers={**admin, **CSV}, content=body)
    assert reply.status_code == 422
    assert [r["line"] for r in reply.json()["details"]["rejected"]] == [3]
    assert everything(db) == before
