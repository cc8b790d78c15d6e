"""Replenishment plans against the database: lines that explain themselves, the same plan from
the same data, budgets kept, approval into draft purchase orders whole or not at all, and a
plan that changes nothing but itself."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from erp_core.adapters.database import Database
from erp_core.adapters.purchasing_tables import PurchaseOrder, PurchaseOrderLine
from erp_core.adapters.replenishment_tables import ReplenishmentPlan
from erp_core.adapters.tables import AuditRecord, StockMove
from erp_core.domain.errors import IllegalTransition, InvalidInput, NotFound
from erp_core.domain.replenishment import LineStatus, PlanStatus
from erp_core.queries.purchasing import get_purchase_order
from erp_core.queries.replenishment_plans import get_plan, plan_lines
from erp_core.services import purchasing
from erp_core.services.replenishment_plans import approve_plan, edit_line
from pipelines.replenishment_plan import PlanAsk, create_plan
from tests.factories import ACTOR
from tests.plan_company import PLANNING_DATE, plan_company


@pytest.fixture
def shop(db: Database) -> Database:
    return plan_company(db)


def _plan(db: Database, **ask: Any) -> tuple[int, dict[tuple[str, str], dict[str, Any]]]:
    plan_id = create_plan(db, ACTOR, PlanAsk(planning_date=PLANNING_DATE, **ask))
    lines = plan_lines(db, plan_id, None, None, 1_000).data
    return plan_id, {(line["sku"], line["location"]): line for line in lines}


def test_a_plan_orders_what_falls_below_its_reorder_point_and_says_why(shop: Database) -> None:
    _, lines = _plan(shop)
    a = lines[("A", "DC-1")]
    why = a["explanation"]
    assert a["status"] == LineStatus.ORDER and a["supplier"] == "SUP"
    assert a["qty"] >= 10 and a["qty"] % 5 == 0, "MOQ 10 in packs of 5"
    assert why["position"] == 5 and why["position"] <= why["reorder_point"]
    assert why["reorder_point"] == pytest.approx(
        why["demand_over_protection"] + why["safety_stock"], abs=0.02
    )
    assert why["protection_days"] == 14 and why["lead_time_source"] == "supplier-item terms"
    assert why["safety_stock"] > 0 and why["safety_method"]
    assert why["cover_days_after"] > why["cover_days_before"]
    assert a["order_by"] == PLANNING_DATE and a["expected_arrival"] > PLANNING_DATE
    assert a["cost"] == a["qty"] * Decimal(10)
    assert "reorder point" in a["reason"]
    b = lines[("B", "DC-1")]
    assert (b["status"], b["qty"]) == (LineStatus.NO_ORDER, 0)
    assert b["order_by"] > PLANNING_DATE, "the day B is expected to reach its reorder point"


def test_skus_without_a_supplier_or_a_forecast_get_a_line_saying_so(shop: Database) -> None:
    _, lines = _plan(shop)
    assert lines[("C", "DC-1")]["status"] == LineStatus.CANNOT_PLAN
    assert "no active supplier" in lines[("C", "DC-1")]["reason"]
    assert lines[("D", "DC-1")]["status"] == LineStatus.CANNOT_PLAN
    assert "no forecast" in lines[("D", "DC-1")]["reason"]


def test_the_same_data_and_settings_give_the_same_plan(shop: Database) -> None:
    def comparable(lines: dict[tuple[str, str], dict[str, Any]]) -> dict[Any, Any]:
        return {
            key: (line["qty"], line["reason"], line["explanation"]) for key, line in lines.items()
        }

    assert comparable(_plan(shop)[1]) == comparable(_plan(shop)[1])


def test_a_budget_is_never_exceeded_and_the_cut_lines_say_which_limit_bound(
    shop: Database,
) -> None:
    _, free = _plan(shop)
    wanted = sum(line["cost"] for line in free.values() if line["status"] == LineStatus.ORDER)
    budget = (wanted / 2).quantize(Decimal(1))
    plan_id, lines = _plan(shop, budget=budget)
    ordered = [line for line in lines.values() if line["status"] == LineStatus.ORDER]
    assert sum(line["cost"] for line in ordered) <= budget
    summary = get_plan(shop, plan_id)["summary"]
    assert summary["solver"]["status"] in ("optimal", "feasible")
    assert "budget" in summary["solver"]["binding"]
    cut = [line for line in lines.values() if line["qty"] < line["suggested_qty"]]
    assert cut and all("budget" in line["binding"] for line in cut)
    assert all("cut from" in line["reason"] for line in cut)


def test_without_a_binding_limit_the_plan_orders_the_suggestions(shop: Database) -> None:
    plan_id, lines = _plan(shop, budget=Decimal(10**9))
    assert get_plan(shop, plan_id)["summary"]["solver"]["status"] == "unconstrained"
    assert all(line["qty"] == line["suggested_qty"] for line in lines.values())


def test_approval_raises_draft_orders_per_supplier_and_location_with_edits_kept(
    shop: Database,
) -> None:
    plan_id, lines = _plan(shop)
    a1, a2 = lines[("A", "DC-1")], lines[("A", "DC-2")]
    assert a2["status"] == LineStatus.ORDER, "A sells from DC-2 too and has nothing there"
    edited = edit_line(shop, "planner-1", plan_id, a1["line"], a1["qty"] + 5, "promotion")
    assert (edited["qty"], edited["edited_by"], edited["edit_note"]) == (
        a1["qty"] + 5,
        "planner-1",
        "promotion",
    )
    with pytest.raises(InvalidInput):
        edit_line(shop, "planner-1", plan_id, a1["line"], 7, "not a pack multiple")
    plan = approve_plan(shop, "planner-1", plan_id)
    assert plan["status"] == PlanStatus.APPROVED and len(plan["purchase_order_ids"]) == 2
    orders = [get_purchase_order(shop, po_id) for po_id in plan["purchase_order_ids"]]
    assert {(o["supplier"], o["location"], o["status"].value) for o in orders} == {
        ("SUP", "DC-1", "draft"),
        ("SUP", "DC-2", "draft"),
    }
    dc1 = next(o for o in orders if o["location"] == "DC-1")
    assert [(line["sku"], line["qty_ordered"]) for line in dc1["lines"]] == [("A", a1["qty"] + 5)]
    with pytest.raises(IllegalTransition):
        approve_plan(shop, "planner-1", plan_id)
    with pytest.raises(IllegalTransition):
        edit_line(shop, "planner-1", plan_id, a1["line"], None, "too late")
    assert _audited(shop, "replenishment_line") == 1


def test_a_dropped_line_raises_no_order(shop: Database) -> None:
    plan_id, lines = _plan(shop)
    for key in (("A", "DC-1"), ("A", "DC-2")):
        edit_line(shop, ACTOR, plan_id, lines[key]["line"], None, "supplier on holiday")
    plan = approve_plan(shop, ACTOR, plan_id)
    assert plan["purchase_order_ids"] == [] and plan["lines"]["dropped"] == 2


def test_an_approval_that_fails_midway_raises_no_order_and_leaves_the_plan_proposed(
    shop: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_id, _ = _plan(shop)
    real = purchasing.raise_draft
    calls = []

    def second_fails(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("injected failure")
        return real(*args, **kwargs)

    monkeypatch.setattr("erp_core.services.replenishment_plans.raise_draft", second_fails)
    with pytest.raises(RuntimeError):
        approve_plan(shop, ACTOR, plan_id)
    assert _count(shop, PurchaseOrder) == 0 and _count(shop, PurchaseOrderLine) == 0
    assert get_plan(shop, plan_id)["status"] == PlanStatus.PROPOSED


def test_two_approvals_racing_raise_the_orders_once(shop: Database) -> None:
    plan_id, _ = _plan(shop)

    def attempt(_: int) -> bool:
        try:
            approve_plan(shop, ACTOR, plan_id)
            return True
        except IllegalTransition:
            return False

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, range(4)))
    assert outcomes.count(True) == 1
    assert _count(shop, PurchaseOrder) == len(get_plan(shop, plan_id)["purchase_order_ids"]) == 2


def test_planning_writes_no_stock_move_and_no_order(shop: Database) -> None:
    moves, orders = _count(shop, StockMove), _count(shop, PurchaseOrder)
    _plan(shop, budget=Decimal(100))
    assert (_count(shop, StockMove), _count(shop, PurchaseOrder)) == (moves, orders)


@pytest.mark.parametrize(
    ("ask", "error"),
    [
        ({"budget": Decimal(-1)}, InvalidInput),
        ({"suppliers": ("NOPE",)}, NotFound),
        ({"skus": ("NOPE",)}, NotFound),
        ({"locations": ("NOPE",)}, NotFound),
        ({"service_levels": {"AX": 1.0}}, InvalidInput),
        ({"service_levels": {"A": 0.0}}, InvalidInput),
        ({"service_levels": {"NOPE": 0.9}}, NotFound),
        ({"service_type": "sometimes"}, InvalidInput),
        ({"space_by_location": {"DC-1": -5}}, InvalidInput),
    ],
)
def test_bad_requests_are_refused_and_write_nothing(
    shop: Database, ask: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        create_plan(shop, ACTOR, PlanAsk(planning_date=PLANNING_DATE, **ask))
    assert _count(shop, ReplenishmentPlan) == 0


def _count(db: Database, table: type) -> int:
    return db.read(lambda s: s.scalar(select(func.count()).select_from(table)) or 0)


def _audited(db: Database, entity: str) -> int:
    query = select(func.count()).where(AuditRecord.entity == entity)
    return db.read(lambda s: s.scalar(query) or 0)
