"""Routing through the API: the cheapest route with its cost split, promised date and the
alternatives; channel, item and date rules; an order that cannot ship says why; what-ifs;
the cost model; bad input gets a coded 4xx and nothing is ever written."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from erp_core.adapters.database import Database
from erp_core.adapters.tables import AuditRecord, StockMove
from erp_core.clock import utcnow
from erp_core.domain.access import Role
from tests.conftest import KeyFor
from tests.routing_company import BERLIN, MUNICH, routing_company

ROUTE = "/v1/routing/route"
SIMULATE = "/v1/routing/simulate"
COST_MODEL = "/v1/routing/cost-model"


@pytest.fixture
def shop(db: Database) -> Database:
    return routing_company(db)


def _order(channel: str, *lines: tuple[str, int], ship_to: dict = BERLIN, **extra: Any) -> dict:
    body = [{"sku": sku, "qty": qty} for sku, qty in lines]
    return {"order": {"channel": channel, "lines": body, "ship_to": ship_to, **extra}}


def _route(client: TestClient, headers: dict[str, str], body: dict) -> dict:
    reply = client.post(ROUTE, headers=headers, json=body)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _sources(answer: dict) -> dict[str, dict[str, int]]:
    return {
        line["sku"]: {s["location"]: s["qty"] for s in line["sources"]} for line in answer["lines"]
    }


def _writes(db: Database) -> tuple[int, int]:
    def count(session: Any) -> tuple[int, int]:
        audits = session.scalar(select(func.count()).select_from(AuditRecord))
        moves = session.scalar(select(func.count()).select_from(StockMove))
        return audits, moves

    return db.read(count)


def test_the_cheapest_route_comes_with_its_costs_date_and_the_alternatives_that_lost(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    engine = key_for(Role.ROUTING_SERVICE)
    before = _writes(shop)
    answer = _route(app_client, engine, _order("WEB", ("A", 3), ("B", 1)))
    assert answer["status"] == "optimal" and answer["zone"] == "DE-BER"
    # 3.2 kg from Munich: 0.80 + 4 x 0.10 handling, the 5 kg band's 5.00 to Berlin.
    assert _sources(answer) == {"A": {"DC-MUC": 3}, "B": {"DC-MUC": 1}}
    cost = {k: Decimal(v) for k, v in answer["cost"].items()}
    assert cost == {
        "total": Decimal("6.20"),
        "handling": Decimal("1.20"),
        "shipping": Decimal("5.00"),
        "split_penalty": Decimal("0"),
    }
    assert answer["packages"][0]["lane"] == "rate table"
    assert answer["promised_delivery_date"] == (utcnow().date() + timedelta(days=2)).isoformat()
    assert Decimal(answer["solver"]["bound"]) == Decimal("6.20")
    lost = {a["name"]: a["why_lost"] for a in answer["alternatives"]}
    assert lost["all from DC-BER"] == "line 1 (A): only 2 in stock"
    assert lost["all from 3PL-POZ"] == "capacity: 3 units left today"
    assert _writes(shop) == before, "routing answers; it never reserves or writes"


def test_a_promised_date_forces_a_split_over_the_nodes_that_deliver_in_time(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    body = _order("WEB", ("A", 3), ("B", 1), requested_delivery_date=tomorrow)
    answer = _route(app_client, key_for(Role.OPERATIONS), body)
    assert answer["status"] == "optimal"
    assert _sources(answer) == {"A": {"DC-BER": 2, "3PL-POZ": 1}, "B": {"3PL-POZ": 1}}
    assert Decimal(answer["cost"]["split_penalty"]) == Decimal("1.50")
    lanes = {p["location"]: p["lane"] for p in answer["packages"]}
    assert lanes == {"DC-BER": "rate table", "3PL-POZ": "distance default"}
    assert answer["promised_delivery_date"] == tomorrow
    parts = ("handling", "shipping", "split_penalty")
    total = sum(Decimal(answer["cost"][part]) for part in parts)
    assert total == Decimal(answer["cost"]["total"])


def test_channel_item_and_ship_complete_rules_hold_and_an_order_that_cannot_ship_says_why(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    engine = key_for(Role.ROUTING_SERVICE)
    hazardous = _route(app_client, engine, _order("WEB", ("HAZ", 1), ship_to=MUNICH))
    assert hazardous["zone"] == "DE" and _sources(hazardous) == {"HAZ": {"DC-BER": 1}}
    dropship = _route(app_client, engine, _order("WEB", ("DROP", 2)))
    assert _sources(dropship) == {"DROP": {"DS-VEND": 2}}
    market = _route(app_client, engine, _order("MKT", ("A", 5)))
    assert set(_sources(market)["A"]) <= {"DC-BER", "DC-MUC"}
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    late = _route(app_client, engine, _order("MKT", ("A", 3), requested_delivery_date=tomorrow))
    assert late["status"] == "infeasible" and late["cost"] is None
    assert late["reasons"][0].startswith("line 1 (A): 2 of 3 units can ship")
    assert "the order's channel may not ship from it" in late["reasons"][0]
    complete = _route(app_client, engine, _order("B2B", ("A", 12)))
    assert complete["status"] == "infeasible"
    assert _sources(complete) == {"A": {}} and complete["lines"][0]["short"] == 12


def test_a_stored_order_routes_to_where_release_then_reserves(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    ops = key_for(Role.OPERATIONS)
    created = app_client.post(
        "/v1/orders",
        headers=ops,
        json={
            "channel": "WEB",
            "external_id": "R-1",
            "ship_to": BERLIN,
            "lines": [
                {"sku": "A", "qty": 3, "unit_price": "9"},
                {"sku": "B", "qty": 1, "unit_price": "9"},
            ],
            "shipping_method": "standard",
            "payment_status": "captured",
        },
    )
    assert created.status_code in (200, 201), created.text
    order_id = created.json()["id"]
    answer = _route(app_client, ops, {"order_id": order_id})
    released = app_client.post(f"/v1/orders/{order_id}/release", headers=ops)
    assert released.status_code == 200, released.text
    reserved = {(a["sku"], a["location"]): a["qty"] for a in released.json()["allocations"]}
    routed = {
        (sku, loc): qty for sku, where in _sources(answer).items() for loc, qty in where.items()
    }
    assert reserved == routed
    again = app_client.post(ROUTE, headers=ops, json={"order_id": order_id})
    assert (again.status_code, again.json()["code"]) == (422, "invalid_input")


def test_a_what_if_changes_the_answer_and_writes_nothing(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    engine = key_for(Role.ROUTING_SERVICE)
    before = _writes(shop)
    body = {
        **_order("WEB", ("A", 3), ("B", 1)),
        "stock": [{"sku": "A", "location": "DC-MUC", "qty": 0}],
        "locations": [{"location": "3PL-POZ", "units_left": 10}],
    }
    reply = app_client.post(SIMULATE, headers=engine, json=body)
    assert reply.status_code == 200, reply.text
    assert _sources(reply.json()) == {"A": {"3PL-POZ": 3}, "B": {"3PL-POZ": 1}}
    cheap = {
        **_order("WEB", ("A", 1)),
        "locations": [{"location": "3PL-POZ", "rates": [{"price": "0.10"}], "transit_days": 1}],
    }
    answer = app_client.post(SIMULATE, headers=engine, json=cheap).json()
    assert _sources(answer) == {"A": {"3PL-POZ": 1}} and answer["packages"][0]["lane"] == "what-if"
    assert _writes(shop) == before


def test_the_cost_model_is_read_and_replaced_whole_by_those_allowed(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    ops, engine = key_for(Role.OPERATIONS), key_for(Role.ROUTING_SERVICE)
    model = app_client.get(COST_MODEL, headers=engine).json()
    assert {z["code"] for z in model["zones"]} == {"DE", "DE-BER"} and len(model["lanes"]) == 3
    model["parameters"]["split_penalty"] = "9"
    model["lanes"] = model["lanes"][:1]
    assert app_client.put(COST_MODEL, headers=engine, json=model).status_code == 403
    replaced = app_client.put(COST_MODEL, headers=ops, json=model)
    assert replaced.status_code == 200, replaced.text
    assert len(replaced.json()["lanes"]) == 1
    assert Decimal(replaced.json()["parameters"]["split_penalty"]) == 9
    bad = {**model, "lanes": [{**model["lanes"][0], "location": "NOPE"}]}
    assert app_client.put(COST_MODEL, headers=ops, json=bad).json()["code"] == "not_found"
    assert app_client.get(COST_MODEL, headers=ops).json() == replaced.json()


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        (ROUTE, {"order_id": 999_999}, 404, "not_found"),
        (ROUTE, _order("WEB", ("NOPE", 1)), 404, "not_found"),
        (ROUTE, _order("NOPE", ("A", 1)), 404, "not_found"),
        (
            ROUTE,
            {"order": {"channel": "WEB", "lines": [], "ship_to": BERLIN}},
            422,
            "validation_error",
        ),
        (ROUTE, {**_order("WEB", ("A", 1)), "order_id": 1}, 422, "validation_error"),
        (ROUTE, {}, 422, "validation_error"),
        (ROUTE, _order("WEB", ("A", 0)), 422, "validation_error"),
        (
            SIMULATE,
            {**_order("WEB", ("A", 1)), "stock": [{"sku": "A", "location": "NOPE", "qty": 1}]},
            404,
            "not_found",
        ),
        (
            SIMULATE,
            {**_order("WEB", ("A", 1)), "stock": [{"sku": "B", "location": "DC-MUC", "qty": 1}]},
            422,
            "invalid_input",
        ),
        (
            SIMULATE,
            {
                **_order("WEB", ("A", 1)),
                "locations": [{"location": "DC-MUC", "rates": [{"price": "-1"}]}],
            },
            422,
            "validation_error",
        ),
        (
            SIMULATE,
            {
                **_order("WEB", ("A", 1)),
                "locations": [
                    {
                        "location": "DC-MUC",
                        "rates": [{"price": "1"}, {"max_weight_kg": "2", "price": "1"}],
                    }
                ],
            },
            422,
            "validation_error",
        ),
    ],
)
def test_bad_input_gets_a_coded_4xx(
    shop: Database,
    app_client: TestClient,
    key_for: KeyFor,
    path: str,
    body: dict,
    status: int,
    code: str,
) -> None:
    reply = app_client.post(path, headers=key_for(Role.ROUTING_SERVICE), json=body)
    assert (reply.status_code, reply.json()["code"]) == (status, code), reply.text


def test_a_cost_model_with_negative_rates_or_falling_bands_is_refused(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    ops = key_for(Role.OPERATIONS)
    model = app_client.get(COST_MODEL, headers=ops).json()
    negative = {**model, "lanes": [{**model["lanes"][0], "rates": [{"price": "-2"}]}]}
    falling = {
        **model,
        "lanes": [
            {
                **model["lanes"][0],
                "rates": [
                    {"max_weight_kg": "5", "price": "1"},
                    {"max_weight_kg": "1", "price": "1"},
                ],
            }
        ],
    }
    for body in (negative, falling):
        reply = app_client.put(COST_MODEL, headers=ops, json=body)
        assert (reply.status_code, reply.json()["code"]) == (422, "validation_error")
    assert app_client.get(COST_MODEL, headers=ops).json() == model


def test_only_routing_roles_may_ask(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    for role in (Role.WAREHOUSE, Role.CUSTOMER_SERVICE, Role.FINANCE):
        reply = app_client.post(ROUTE, headers=key_for(role), json=_order("WEB", ("A", 1)))
        assert reply.status_code == 403


def _stored(
    client: TestClient, headers: dict[str, str], external_id: str, *lines: tuple[str, int]
) -> int:
    created = client.post(
        "/v1/orders",
        headers=headers,
        json={
            "channel": "WEB",
            "external_id": external_id,
            "ship_to": BERLIN,
            "lines": [{"sku": sku, "qty": qty, "unit_price": "9"} for sku, qty in lines],
            "shipping_method": "standard",
            "payment_status": "captured",
        },
    )
    assert created.status_code in (200, 201), created.text
    return int(created.json()["id"])


def test_a_wave_shares_scarce_stock_reports_its_bound_and_beats_or_ties_greedy(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    ops = key_for(Role.OPERATIONS)
    orders = [_stored(app_client, ops, f"W-{n}", ("B", 6), ("A", 1)) for n in range(2)]
    before = _writes(shop)
    reply = app_client.post("/v1/routing/waves", headers=ops, json={"order_ids": orders})
    assert reply.status_code == 200, reply.text
    wave = reply.json()
    # 12 units of B asked: 5 at Munich, and the 3PL may ship only 3 more units today.
    assert wave["orders"] == 2 and wave["unfilled_units"] == 4
    assert Decimal(wave["bound"]) <= Decimal(wave["objective"]) and wave["gap"] >= 0
    assert Decimal(wave["saving_vs_greedy"]) >= 0
    taken: dict[tuple[str, str], int] = {}
    for route in wave["routes"]:
        for line in route["lines"]:
            for source in line["sources"]:
                key = (line["sku"], source["location"])
                taken[key] = taken.get(key, 0) + source["qty"]
    assert taken[("B", "DC-MUC")] <= 5 and taken.get(("B", "3PL-POZ"), 0) <= 3
    assert _writes(shop) == before


def test_a_wave_refuses_unknown_repeated_or_settled_orders(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    ops = key_for(Role.OPERATIONS)
    order_id = _stored(app_client, ops, "W-9", ("A", 1))
    waves = "/v1/routing/waves"
    for body, status, code in (
        ({"order_ids": [order_id, 999_999]}, 404, "not_found"),
        ({"order_ids": [order_id, order_id]}, 422, "invalid_input"),
        ({"order_ids": []}, 422, "validation_error"),
    ):
        reply = app_client.post(waves, headers=ops, json=body)
        assert (reply.status_code, reply.json()["code"]) == (status, code), reply.text
    assert app_client.post(f"/v1/orders/{order_id}/release", headers=ops).status_code == 200
    allocated = app_client.post(waves, headers=ops, json={"order_ids": [order_id]})
    assert (allocated.status_code, allocated.json()["code"]) == (422, "invalid_input")
