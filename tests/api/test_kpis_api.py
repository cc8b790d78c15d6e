"""KPIs through the API: the catalog, one KPI as JSON and as CSV, a whole view, the groupings
and date ranges refused, and who may read which KPI."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from erp_core.adapters.database import Database
from erp_core.domain.access import Role
from tests.conftest import KeyFor
from tests.kpi_shop import open_shop

RANGE = {"start": "2026-10-01", "end": "2026-10-10"}
EXECUTIVE = {
    "backlog",
    "fill_rate",
    "on_time_shipment",
    "cycle_time",
    "inventory_turns",
    "stockout_risk",
    "cash_in_inventory",
    "gross_margin",
    "return_rate",
}


@pytest.fixture
def shop(db: Database, app_client: TestClient) -> TestClient:
    open_shop(db)
    return app_client


def test_the_catalog_names_every_executive_kpi_with_its_columns_and_groupings(
    app_client: TestClient, key_for: KeyFor
) -> None:
    reply = app_client.get("/v1/kpis", headers=key_for(Role.PLANNER))
    assert reply.status_code == 200, reply.text
    listed = {k["name"]: k for k in reply.json() if k["view"] == "executive"}
    assert set(listed) == EXECUTIVE
    margin = listed["gross_margin"]
    assert margin["groupings"] == ["channel"] and margin["needs_cost"]
    assert margin["columns"][-2:] == ["gross_margin", "margin_pct"]
    assert "fee rate" in margin["description"]
    assert listed["cash_in_inventory"]["groupings"] == ["category", "location"]


def test_one_kpi_grouped_by_channel_answers_money_to_the_cent(
    shop: TestClient, key_for: KeyFor
) -> None:
    reply = shop.get(
        "/v1/kpis/executive/gross_margin",
        headers=key_for(Role.FINANCE),
        params={**RANGE, "group_by": "channel"},
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["start"], body["end"], body["group_by"]) == ("2026-10-01", "2026-10-10", "channel")
    amz, web = body["rows"]
    # See tests/integration/test_kpis_executive.py for the arithmetic.
    assert (amz["group"], amz["fees"], amz["gross_margin"], amz["margin_pct"]) == (
        "AMZ",
        "10.02",
        "25.68",
        34.7,
    )
    assert (web["group"], web["refunds"], web["gross_margin"]) == ("WEB", "9.00", "11.10")


def test_csv_export_has_the_columns_after_group_and_a_file_name(
    shop: TestClient, key_for: KeyFor
) -> None:
    headers = key_for(Role.OPERATIONS)
    asked = {**RANGE, "group_by": "location"}
    reply = shop.get("/v1/kpis/executive/on_time_shipment", headers=headers, params=asked)
    by_accept = shop.get(
        "/v1/kpis/executive/on_time_shipment",
        headers={**headers, "Accept": "text/csv"},
        params=asked,
    )
    by_format = shop.get(
        "/v1/kpis/executive/on_time_shipment",
        headers=headers,
        params={**asked, "format": "csv"},
    )
    assert reply.headers["content-type"].startswith("application/json")
    for answer in (by_accept, by_format):
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/csv")
        assert answer.headers["content-disposition"] == (
            'attachment; filename="executive-on_time_shipment-2026-10-01-2026-10-10.csv"'
        )
        # DC-1 shipped O1 and O3 on time; DC-2 shipped O2 a day late.
        assert answer.text.splitlines() == [
            "group,shipments,on_time,on_time_rate",
            "DC-1,2,2,1.0",
            "DC-2,1,0,0.0",
        ]


def test_csv_leaves_an_undefined_figure_empty(shop: TestClient, key_for: KeyFor) -> None:
    reply = shop.get(
        "/v1/kpis/executive/fill_rate",
        headers=key_for(Role.PLANNER),
        params={"start": "2026-08-01", "end": "2026-08-31", "format": "csv"},
    )
    assert reply.text.splitlines() == ["group,units_ordered,units_filled,fill_rate", "all,0,0,"]


def test_the_view_answers_every_kpi_and_hides_cost_kpis_from_roles_without_cost(
    shop: TestClient, key_for: KeyFor
) -> None:
    full = shop.get("/v1/kpis/executive", headers=key_for(Role.FINANCE), params=RANGE)
    assert full.status_code == 200, full.text
    assert {k["name"] for k in full.json()["kpis"]} == EXECUTIVE
    ops = shop.get("/v1/kpis/executive", headers=key_for(Role.OPERATIONS), params=RANGE)
    assert {k["name"] for k in ops.json()["kpis"]} == EXECUTIVE - {
        "gross_margin",
        "inventory_turns",
        "cash_in_inventory",
    }
    backlog = next(k for k in ops.json()["kpis"] if k["name"] == "backlog")
    assert backlog["rows"] == [{"group": "all", "orders": 2, "units": 3, "value": "44.00"}]


def test_the_view_as_csv_is_long_form(shop: TestClient, key_for: KeyFor) -> None:
    reply = shop.get(
        "/v1/kpis/executive", headers=key_for(Role.FINANCE), params={**RANGE, "format": "csv"}
    )
    assert reply.status_code == 200, reply.text
    assert "executive-2026-10-01-2026-10-10.csv" in reply.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(reply.text)))
    assert table[0] == ["kpi", "group", "figure", "value"]
    assert ["gross_margin", "all", "gross_margin", "36.78"] in table
    assert ["return_rate", "all", "return_rate", "0.1429"] in table  # 1 of 7 units back


def test_a_grouping_the_kpi_does_not_support_is_refused(
    app_client: TestClient, key_for: KeyFor
) -> None:
    headers = key_for(Role.FINANCE)
    reply = app_client.get(
        "/v1/kpis/executive/gross_margin", headers=headers, params={"group_by": "location"}
    )
    assert reply.status_code == 422
    assert reply.json()["code"] == "unsupported_grouping"
    assert reply.json()["details"]["allowed"] == ["channel"]
    unknown = app_client.get(
        "/v1/kpis/executive/backlog", headers=headers, params={"group_by": "sku"}
    )
    assert (unknown.status_code, unknown.json()["code"]) == (422, "validation_error")


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-10-10", "end": "2026-10-01"},
        {"start": "2023-01-01", "end": "2026-01-01"},  # 1097 days
    ],
    ids=["start after end", "more than three years"],
)
def test_a_bad_range_is_refused_with_a_code(
    app_client: TestClient, key_for: KeyFor, params: dict[str, str]
) -> None:
    reply = app_client.get(
        "/v1/kpis/executive/backlog", headers=key_for(Role.PLANNER), params=params
    )
    assert (reply.status_code, reply.json()["code"]) == (422, "invalid_kpi_range")


def test_three_years_to_the_day_and_the_default_last_30_days_are_accepted(
    app_client: TestClient, key_for: KeyFor
) -> None:
    headers = key_for(Role.PLANNER)
    # 2023-01-02 .. 2026-01-01 is three years of days: 364 + 366 + 365 + 1 = 1096.
    longest = app_client.get(
        "/v1/kpis/executive/backlog",
        headers=headers,
        params={"start": "2023-01-02", "end": "2026-01-01"},
    )
    assert longest.status_code == 200, longest.text
    default = app_client.get("/v1/kpis/executive/backlog", headers=headers).json()
    today = datetime.now(UTC).date()
    assert (default["start"], default["end"]) == (
        (today - timedelta(days=29)).isoformat(),
        today.isoformat(),
    )
    malformed = app_client.get(
        "/v1/kpis/executive/backlog", headers=headers, params={"start": "10/01/2026"}
    )
    assert (malformed.status_code, malformed.json()["code"]) == (422, "validation_error")


def test_who_may_read_kpis_and_cost_kpis(app_client: TestClient, key_for: KeyFor) -> None:
    warehouse = key_for(Role.WAREHOUSE)
    assert app_client.get("/v1/kpis", headers=warehouse).status_code == 403
    assert app_client.get("/v1/kpis/executive/backlog", headers=warehouse).status_code == 403
    ops = key_for(Role.OPERATIONS)
    assert app_client.get("/v1/kpis/executive/backlog", headers=ops).status_code == 200
    refused = app_client.get("/v1/kpis/executive/cash_in_inventory", headers=ops)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    planner = key_for(Role.PLANNER)
    assert (
        app_client.get("/v1/kpis/executive/cash_in_inventory", headers=planner).status_code == 200
    )


def test_an_unknown_view_or_kpi_is_404(app_client: TestClient, key_for: KeyFor) -> None:
    headers = key_for(Role.ADMIN)
    assert app_client.get("/v1/kpis/board", headers=headers).status_code == 404
    assert app_client.get("/v1/kpis/executive/ebitda", headers=headers).status_code == 404


OPERATIONS = {
    "held_orders",
    "backorders",
    "pick_delays",
    "split_shipments",
    "replenishment_exceptions",
    "supplier_delivery",
    "inventory_accuracy",
    "return_disposition",
    "forecast_accuracy",
}


def test_the_operations_view_answers_its_nine_kpis_each_also_as_csv(
    shop: TestClient, key_for: KeyFor
) -> None:
    ops = key_for(Role.OPERATIONS)
    view = shop.get("/v1/kpis/operations", headers=ops, params=RANGE)
    assert view.status_code == 200, view.text
    assert {k["name"] for k in view.json()["kpis"]} == OPERATIONS
    for kpi in view.json()["kpis"]:
        csv = shop.get(
            f"/v1/kpis/operations/{kpi['name']}", headers=ops, params=RANGE | {"format": "csv"}
        )
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert csv.text.splitlines()[0] == ",".join(["group", *kpi["columns"]])
