"""The books over HTTP: chart, trial balance, journal, manual entries, reversals, period
close; finance's permissions; bad input answered 4xx with a code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from erp_core.adapters.database import Database
from erp_core.clock import replaying_at
from erp_core.domain.access import Role
from tests.conftest import KeyFor
from tests.factories import item, location

H = dict[str, str]


@pytest.fixture
def books(db: Database, app_client: TestClient, admin: H) -> TestClient:
    item(db, "A")
    location(db, "DC-1")
    with replaying_at(datetime(2026, 9, 10, 12, tzinfo=UTC)):
        received = app_client.post(
            "/v1/inventory/moves",
            headers=admin,
            json={
                "sku": "A",
                "location": "DC-1",
                "qty": 4,
                "to_status": "available",
                "unit_cost": "2.5",
            },
        )
    assert received.status_code == 201, received.text
    return app_client


def entry(memo: str = "bank charge", amount: str = "3.20") -> dict[str, Any]:
    return {
        "memo": memo,
        "reference": "bank:1",
        "lines": [
            {"account": "marketplace_fees", "debit": amount},
            {"account": "cash", "credit": amount},
        ],
    }


def test_finance_reads_the_chart_the_trial_balance_and_the_journal(
    books: TestClient, key_for: KeyFor
) -> None:
    finance = key_for(Role.FINANCE)
    chart = books.get("/v1/finance/accounts", headers=finance).json()
    assert {
        "code": "receivable",
        "name": "Receivables per channel",
        "type": "asset",
        "per_party": True,
    } in chart
    balance = books.get("/v1/finance/trial-balance?as_of=2026-09-30", headers=finance).json()
    assert [(a["account"], a["debit"], a["credit"]) for a in balance["accounts"]] == [
        ("inventory", "10.0000", "0"),
        ("grni", "0", "10.0000"),
    ]
    assert balance["difference"] == "0.0000"
    before = books.get("/v1/finance/trial-balance?as_of=2026-09-09", headers=finance).json()
    assert before["accounts"] == []
    journal = books.get("/v1/finance/journal?account=grni", headers=finance).json()
    assert [line["account"] for line in journal["data"][0]["lines"]] == ["inventory", "grni"]
    one = books.get(f"/v1/finance/journal/{journal['data'][0]['id']}", headers=finance)
    assert one.json() == journal["data"][0]


def test_manual_entries_reversals_and_period_close(books: TestClient, key_for: KeyFor) -> None:
    finance = key_for(Role.FINANCE)
    posted = books.post("/v1/finance/journal", headers=finance, json=entry())
    assert posted.status_code == 201 and posted.json()["actor"] == "test-finance"
    undone = books.post(
        f"/v1/finance/journal/{posted.json()['id']}/reverse",
        headers=finance,
        json={"reason": "charged twice"},
    )
    assert undone.status_code == 201 and undone.json()["reverses_id"] == posted.json()["id"]
    again = books.post(
        f"/v1/finance/journal/{posted.json()['id']}/reverse",
        headers=finance,
        json={"reason": "again"},
    )
    assert (again.status_code, again.json()["code"]) == (409, "already_reversed")
    closed = books.post("/v1/finance/periods/2026-09/close", headers=finance)
    assert closed.status_code == 200 and closed.json()["balances"]["inventory"] == "10.0000"
    assert [p["period"] for p in books.get("/v1/finance/periods", headers=finance).json()] == [
        "2026-09"
    ]
    twice = books.post("/v1/finance/periods/2026-09/close", headers=finance)
    assert (twice.status_code, twice.json()["code"]) == (409, "period_closed")


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("post", "/v1/finance/journal", entry(amount="-1"), 422, "validation_error"),
        (
            "post",
            "/v1/finance/journal",
            {**entry(), "lines": entry()["lines"][:1]},
            422,
            "validation_error",
        ),
        (
            "post",
            "/v1/finance/journal",
            {
                **entry(),
                "lines": [{"account": "cash", "debit": "1"}, {"account": "revenue", "credit": "2"}],
            },
            422,
            "unbalanced_entry",
        ),
        (
            "post",
            "/v1/finance/journal",
            {
                **entry(),
                "lines": [{"account": "cash", "debit": "1"}, {"account": "petty", "credit": "1"}],
            },
            422,
            "unknown_account",
        ),
        (
            "post",
            "/v1/finance/journal",
            {
                **entry(),
                "lines": [
                    {"account": "inventory", "debit": "1"},
                    {"account": "cash", "credit": "1"},
                ],
            },
            422,
            "stock_driven_account",
        ),
        ("post", "/v1/finance/periods/2026-13/close", None, 422, "invalid_input"),
        ("post", "/v1/finance/periods/2099-01/close", None, 409, "illegal_transition"),
        ("post", "/v1/finance/periods/26-1/close", None, 422, "validation_error"),
        ("get", "/v1/finance/trial-balance?as_of=yesterday", None, 422, "validation_error"),
        ("get", "/v1/finance/journal?account=petty_cash", None, 422, "unknown_account"),
        ("get", "/v1/finance/journal/99", None, 404, "not_found"),
        ("post", "/v1/finance/journal/99/reverse", {"reason": "x"}, 404, "not_found"),
    ],
)
def test_bad_input_is_refused_with_a_code(
    books: TestClient, admin: H, method: str, path: str, body: Any, status: int, code: str
) -> None:
    reply = books.request(method, path, headers=admin, json=body)
    assert (reply.status_code, reply.json()["code"]) == (status, code), reply.text


def test_only_finance_and_admin_keep_the_books(books: TestClient, key_for: KeyFor) -> None:
    for role in (Role.PLANNER, Role.OPERATIONS, Role.WAREHOUSE, Role.CUSTOMER_SERVICE):
        who = key_for(role)
        assert books.get("/v1/finance/trial-balance", headers=who).status_code == 403
        assert books.post("/v1/finance/journal", headers=who, json=entry()).status_code == 403
        assert books.post("/v1/finance/periods/2026-09/close", headers=who).status_code == 403
