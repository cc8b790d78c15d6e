"""Replenishment plans through the API: a planner plans, reads the reasons, edits, approves into
draft purchase orders and looks at a line's projection; others are refused, and bad requests
get a coded 4xx that writes nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from erp_core.adapters.database import Database
from erp_core.domain.access import Role
from tests.conftest import KeyFor
from tests.plan_company import PLANNING_DATE, plan_company

PLANS = "/v1/replenishment/plans"


@pytest.fixture
def shop(db: Database) -> Database:
    return plan_company(db)


def _lines(client: TestClient, headers: dict[str, str], plan_id: int, **params: object) -> list:
    reply = client.get(f"{PLANS}/{plan_id}/lines", headers=headers, params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()["data"]


def test_a_planner_plans_edits_and_approves_into_draft_purchase_orders(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    planner = key_for(Role.PLANNER)
    created = app_client.post(
        PLANS, headers=planner, json={"planning_date": PLANNING_DATE.isoformat(), "budget": "900"}
    )
    assert created.status_code == 201, created.text
    plan = created.json()
    assert plan["status"] == "proposed" and plan["lines"]["order"] >= 1
    assert float(plan["order_value"]) <= 900
    ordering = _lines(app_client, planner, plan["id"], status="order")
    first = ordering[0]
    assert first["explanation"]["reorder_point"] > 0 and first["reason"]
    page = _lines(app_client, planner, plan["id"], limit=1)
    assert len(page) == 1
    edit = app_client.patch(
        f"{PLANS}/{plan['id']}/lines/{first['line']}",
        headers=planner,
        json={"drop": True, "note": "supplier closed"},
    )
    assert edit.status_code == 200 and edit.json()["status"] == "dropped"
    plot = app_client.get(f"{PLANS}/{plan['id']}/lines/{first['line']}/plot", headers=planner)
    assert plot.headers["content-type"] == "image/png" and plot.content.startswith(b"\x89PNG")
    approved = app_client.post(f"{PLANS}/{plan['id']}/approve", headers=planner)
    assert approved.status_code == 200, approved.text
    for po_id in approved.json()["purchase_order_ids"]:
        order = app_client.get(f"/v1/purchase-orders/{po_id}", headers=planner).json()
        assert order["status"] == "draft"
    again = app_client.post(f"{PLANS}/{plan['id']}/approve", headers=planner)
    assert (again.status_code, again.json()["code"]) == (409, "illegal_transition")


def test_roles_without_planning_rights_are_refused(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    body = {"planning_date": PLANNING_DATE.isoformat()}
    assert app_client.post(PLANS, headers=key_for(Role.OPERATIONS), json=body).status_code == 403
    plan = app_client.post(PLANS, headers=key_for(Role.PLANNER), json=body).json()
    finance = key_for(Role.FINANCE)
    assert app_client.get(f"{PLANS}/{plan['id']}", headers=finance).status_code == 200
    assert app_client.post(f"{PLANS}/{plan['id']}/approve", headers=finance).status_code == 403


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"budget": "-5"}, 422, "validation_error"),
        ({"suppliers": ["NOPE"]}, 404, "not_found"),
        ({"service_levels": {"AX": 1.2}}, 422, "invalid_input"),
        ({"service_levels": {"AX": 0}}, 422, "invalid_input"),
        ({"service_type": "often"}, 422, "validation_error"),
        ({"colour": "red"}, 422, "validation_error"),
    ],
)
def test_bad_plan_requests_get_a_coded_error_and_write_nothing(
    shop: Database,
    app_client: TestClient,
    key_for: KeyFor,
    body: dict[str, object],
    status: int,
    code: str,
) -> None:
    planner = key_for(Role.PLANNER)
    reply = app_client.post(PLANS, headers=planner, json=body)
    assert (reply.status_code, reply.json()["code"]) == (status, code), reply.text
    assert app_client.get(f"{PLANS}/1", headers=planner).status_code == 404


def test_an_unplannable_line_has_no_plot_but_says_why(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    planner = key_for(Role.PLANNER)
    body = {"planning_date": PLANNING_DATE.isoformat(), "skus": ["C"]}
    plan = app_client.post(PLANS, headers=planner, json=body).json()
    line = _lines(app_client, planner, plan["id"])[0]
    assert line["status"] == "cannot_plan"
    plot = app_client.get(f"{PLANS}/{plan['id']}/lines/{line['line']}/plot", headers=planner)
    assert plot.status_code == 422 and "could not be planned" in plot.json()["message"]
