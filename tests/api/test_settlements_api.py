"""Settlements through the API: import (201, the same file 200, other content 409, a
malformed file 422 naming line and column), the exceptions queue with its filters and pages,
resolving with a reason (twice is 409), and who may do what."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from erp_core.adapters.database import Database
from erp_core.domain.access import Role
from erp_core.services import master_data as md
from tests.conftest import KeyFor
from tests.factories import ACTOR
from tests.integration.test_failure_injection import everything
from tests.integration.test_settlements import DISCREPANCIES, HEADER, open_market

CSV = {"Content-Type": "text/csv"}


@pytest.fixture
def finance(db: Database, key_for: KeyFor) -> dict[str, str]:
    open_market(db)
    return key_for(Role.FINANCE)


def post_file(client: TestClient, headers: dict[str, str], text: str | bytes) -> Response:
    return client.post("/v1/settlements/import", headers={**headers, **CSV}, content=text)


def test_import_answers_201_then_200_with_the_same_settlement(
    app_client: TestClient, finance: dict[str, str]
) -> None:
    first = post_file(app_client, finance, DISCREPANCIES)
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["channel"], body["settlement_id"], body["exception_count"]) == ("AMZ", "S-1", 7)
    assert body["payout"] == "108.3400" and body["open_exceptions"] == 7
    again = post_file(app_client, finance, DISCREPANCIES)
    assert again.status_code == 200 and again.json() == body
    listed = app_client.get("/v1/settlements", headers=finance).json()
    assert [s["id"] for s in listed["data"]] == [body["id"]] and listed["next_cursor"] is None
    shown = app_client.get(f"/v1/settlements/{body['id']}", headers=finance)
    assert shown.status_code == 200 and shown.json() == body
    missing = app_client.get("/v1/settlements/999", headers=finance)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_other_content_under_the_same_settlement_id_is_409(
    app_client: TestClient, finance: dict[str, str], db: Database
) -> None:
    post_file(app_client, finance, DISCREPANCIES)
    before = everything(db)
    changed = DISCREPANCIES.replace("-2.50", "-2.60")
    refused = post_file(app_client, finance, changed)
    assert refused.status_code == 409 and refused.json()["code"] == "settlement_conflict"
    assert everything(db) == before


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("", 1, "header"),
        (
            "settlement_id,posted_date,channel,order_id,type,amount\nS,2026-11-15,AMZ,O-1,order,1\n",
            1,
            "header",
        ),
        (HEADER, 2, "-"),
        (HEADER + "S-1,15/11/2026,AMZ,O-1,order,Order payment,28.70\n", 2, "posted_date"),
        (HEADER + "S-1,2026-11-15,AMZ,O-1,order,Order payment,28.70,extra\n", 2, "-"),
        (HEADER + "S-1,2026-11-15,AMZ,O-1,refund,Refund,11.90\n", 2, "amount"),
        (HEADER + "S-1,2026-11-15,AMZ,O-1,adjustment,Nothing,0\n", 2, "amount"),
        (HEADER + "S-1,2026-11-15,NOPE,O-1,order,Order payment,28.70\n", 2, "channel"),
        (HEADER + "S-1,2026-11-15,WEB,O-1,order,Order payment,28.70\n", 2, "channel"),
        (HEADER + 'S-1,2026-11-15,AMZ,"O-1,order,Order payment,28.70\n', 2, "-"),
    ],
)
def test_a_malformed_file_is_422_naming_line_and_column_and_writes_nothing(
    app_client: TestClient,
    finance: dict[str, str],
    db: Database,
    text: str,
    line: int,
    column: str,
) -> None:
    md.create_record(db, ACTOR, md.CHANNELS, {"code": "WEB", "name": "Web", "kind": "web_store"})
    before = everything(db)
    refused = post_file(app_client, finance, text)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["code"] == "invalid_settlement_file"
    [first, *_] = body["details"]["rejected"]
    assert (first["line"], first["column"]) == (line, column)
    assert everything(db) == before


def test_a_body_that_is_not_utf8_is_422(app_client: TestClient, finance: dict[str, str]) -> None:
    refused = post_file(app_client, finance, b"\xff\xfe\x00")
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_input"


def test_the_queue_filters_pages_and_resolves_once(
    app_client: TestClient, finance: dict[str, str]
) -> None:
    post_file(app_client, finance, DISCREPANCIES)
    first = app_client.get("/v1/settlements/exceptions", headers=finance, params={"limit": 4})
    rest = app_client.get(
        "/v1/settlements/exceptions",
        headers=finance,
        params={"limit": 4, "cursor": first.json()["next_cursor"]},
    ).json()
    lines = [x["line"] for x in first.json()["data"] + rest["data"]]
    assert lines == [4, 5, 8, 10, 11, 12, 13] and rest["next_cursor"] is None
    fees = app_client.get(
        "/v1/settlements/exceptions",
        headers=finance,
        params={"kind": "fee_mismatch", "channel": "AMZ"},
    ).json()["data"]
    [fee] = fees
    assert (fee["line"], fee["expected"], fee["actual"]) == (5, "-1.6100", "-2.0000")
    assert fee["order_ref"] == "O-2" and fee["account"] == "marketplace_fees"
    other = app_client.get(
        "/v1/settlements/exceptions", headers=finance, params={"channel": "ZAL"}
    ).json()
    assert other["data"] == []

    url = f"/v1/settlements/exceptions/{fee['id']}/resolve"
    unreasoned = app_client.post(url, headers=finance, json={"action": "accept", "reason": ""})
    assert unreasoned.status_code == 422
    extra = {"action": "accept", "reason": "ok", "expected": "-2.00"}
    assert app_client.post(url, headers=finance, json=extra).status_code == 422
    done = app_client.post(url, headers=finance, json={"action": "accept", "reason": "new rate"})
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["reason"]) == ("accepted", "new rate")
    again = app_client.post(url, headers=finance, json={"action": "dismiss", "reason": "no"})
    assert again.status_code == 409 and again.json()["code"] == "exception_already_resolved"
    accepted = app_client.get(
        "/v1/settlements/exceptions", headers=finance, params={"status": "accepted"}
    ).json()["data"]
    assert [x["id"] for x in accepted] == [fee["id"]]
    unknown = app_client.post(
        "/v1/settlements/exceptions/999/resolve",
        headers=finance,
        json={"action": "dismiss", "reason": "no"},
    )
    assert unknown.status_code == 404


@pytest.mark.parametrize("role", [Role.OPERATIONS, Role.PLANNER, Role.WAREHOUSE])
def test_only_finance_and_admin_see_import_and_resolve_settlements(
    app_client: TestClient, finance: dict[str, str], key_for: KeyFor, db: Database, role: Role
) -> None:
    other = key_for(role)
    before = everything(db)
    refused = post_file(app_client, other, DISCREPANCIES)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert everything(db) == before
    admin = key_for(Role.ADMIN)
    assert post_file(app_client, admin, DISCREPANCIES).status_code == 201
    for path in ("/v1/settlements", "/v1/settlements/1", "/v1/settlements/exceptions"):
        assert app_client.get(path, headers=other).status_code == 403
        assert app_client.get(path, headers=finance).status_code == 200
    resolve = app_client.post(
        "/v1/settlements/exceptions/1/resolve",
        headers=other,
        json={"action": "dismiss", "reason": "not mine"},
    )
    assert resolve.status_code == 403
    assert app_client.get("/v1/settlements").status_code == 401


def test_a_settlement_file_is_bounded_by_the_import_size_not_the_body_size(
    app_client: TestClient, finance: dict[str, str], db: Database
) -> None:
    db.settings.max_body_bytes = 100  # DISCREPANCIES is about 700 bytes
    assert post_file(app_client, finance, DISCREPANCIES).status_code == 201
    db.settings.max_import_bytes = 100
    too_big = post_file(app_client, finance, DISCREPANCIES)
    assert too_big.status_code == 413 and too_big.json()["code"] == "payload_too_large"
