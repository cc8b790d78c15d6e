"""A replenishment plan's life: saved whole, its lines edited or dropped by a planner (each edit
recorded), then approved into draft purchase orders grouped by supplier and location, in one
transaction: an approval raises every order or none."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.replenishment_tables import ReplenishmentLine, ReplenishmentPlan
from erp_core.adapters.tables import Item, Location, Supplier
from erp_core.clock import utcnow
from erp_core.domain.errors import InvalidInput, NotFound
from erp_core.domain.replenishment import (
    LineStatus,
    PlanStatus,
    check_editable,
    check_line_qty,
)
from erp_core.queries.replenishment_plans import line_detail, plan_detail
from erp_core.services import audit
from erp_core.services.lookup import locked
from erp_core.services.purchasing import PoCommand, PoLineCommand, raise_draft, supplier_item


@dataclass(frozen=True)
class PlannedLine:
    sku: str
    location: str
    supplier: str | None
    status: LineStatus
    suggested_qty: int
    qty: int
    unit_cost: Decimal
    order_by: date | None
    expected_arrival: date | None
    stockout_risk: float | None
    binding: str | None
    reason: str
    explanation: dict[str, Any]


@dataclass(frozen=True)
class PlanDraft:
    planning_date: date
    request: dict[str, Any]
    budget: Decimal | None
    forecast_run_id: int | None
    summary: dict[str, Any]
    lines: Sequence[PlannedLine]


def save_plan(db: Database, actor: str, draft: PlanDraft) -> int:
    def work(session: Session) -> int:
        plan = ReplenishmentPlan(
            status=PlanStatus.PROPOSED,
            planning_date=draft.planning_date,
            request=draft.request,
            budget=draft.budget,
            forecast_run_id=draft.forecast_run_id,
            summary=draft.summary,
            created_by=actor,
            purchase_order_ids=[],
        )
        session.add(plan)
        session.flush()
        rows = _line_rows(session, plan.id, draft.lines)
        if rows:
            session.execute(insert(ReplenishmentLine), rows)
        audit.record_for(session, "replenishment_plan", actor, "create", plan.id, None, None)
        return plan.id

    return db.transact(work)


def edit_line(
    db: Database, actor: str, plan_id: int, line_no: int, qty: int | None, note: str
) -> dict[str, Any]:
    """A planner's change to one ordering line: a new quantity, or None to drop it."""

    def work(session: Session) -> dict[str, Any]:
        plan = locked(session, ReplenishmentPlan, plan_id, "replenishment plan")
        check_editable(plan.id, plan.status)
        line = _line(session, plan.id, line_no)
        if line.status not in (LineStatus.ORDER, LineStatus.NO_ORDER, LineStatus.DROPPED):
            raise InvalidInput(f"line {line_no} could not be planned: {line.reason}")
        before = line_detail(session, line)
        if qty is None:
            line.status = LineStatus.DROPPED
        else:
            assert line.supplier_id is not None  # a plannable line names its supplier
            terms = supplier_item(session, line.supplier_id, line.item_id)
            check_line_qty(qty, terms.moq, terms.pack_size)
            line.qty, line.status = qty, LineStatus.ORDER if qty else LineStatus.NO_ORDER
        line.edited_by, line.edit_note = actor, note
        session.flush()
        after = line_detail(session, line)
        audit.record_for(session, "replenishment_line", actor, "edit", line.id, before, after)
        return after

    return db.transact(work)


def approve_plan(db: Database, actor: str, plan_id: int) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        plan = locked(session, ReplenishmentPlan, plan_id, "replenishment plan")
        check_editable(plan.id, plan.status)
        orders = []
        for (supplier, location), lines in _ordering(session, plan.id).items():
            po = raise_draft(
                session,
                actor,
                PoCommand(
                    supplier=supplier,
                    location=location,
                    lines=tuple(lines),
                    note=f"replenishment plan {plan.id}",
                ),
            )
            orders.append(po["id"])
        plan.status, plan.approved_by, plan.approved_at = PlanStatus.APPROVED, actor, utcnow()
        plan.purchase_order_ids = orders
        session.flush()
        audit.record_for(
            session, "replenishment_plan", actor, "approve", plan.id, None, {"orders": orders}
        )
        return plan_detail(session, plan.id)

    return db.transact(work)


def _line_rows(
    session: Session, plan_id: int, lines: Sequence[PlannedLine]
) -> list[dict[str, Any]]:
    items = dict(session.execute(select(Item.sku, Item.id)).all())
    locations = dict(session.execute(select(Location.code, Location.id)).all())
    suppliers = dict(session.execute(select(Supplier.code, Supplier.id)).all())
    return [
        {
            "plan_id": plan_id,
            "line_no": number,
            "status": line.status,
            "item_id": items[line.sku],
            "location_id": locations[line.location],
            "supplier_id": suppliers[line.supplier] if line.supplier else None,
            "suggested_qty": line.suggested_qty,
            "qty": line.qty,
            "unit_cost": line.unit_cost,
            "order_by": line.order_by,
            "expected_arrival": line.expected_arrival,
            "stockout_risk": line.stockout_risk,
            "binding": line.binding,
            "reason": line.reason[:1000],
            "explanation": line.explanation,
        }
        for number, line in enumerate(lines, start=1)
    ]


def _line(session: Session, plan_id: int, line_no: int) -> ReplenishmentLine:
    line = session.scalars(
        select(ReplenishmentLine).where(
            ReplenishmentLine.plan_id == plan_id, ReplenishmentLine.line_no == line_no
        )
    ).one_or_none()
    if line is None:
        raise NotFound(f"plan {plan_id} has no line {line_no}", line_no=line_no)
    return line


def _ordering(session: Session, plan_id: int) -> dict[tuple[str, str], list[PoLineCommand]]:
    rows = session.execute(
        select(
            Supplier.code,
            Location.code,
            Item.sku,
            ReplenishmentLine.qty,
            ReplenishmentLine.unit_cost,
            ReplenishmentLine.expected_arrival,
        )
        .join(Supplier, Supplier.id == ReplenishmentLine.supplier_id)
        .join(Location, Location.id == ReplenishmentLine.location_id)
        .join(Item, Item.id == ReplenishmentLine.item_id)
        .where(
            ReplenishmentLine.plan_id == plan_id,
            ReplenishmentLine.status == LineStatus.ORDER,
            ReplenishmentLine.qty > 0,
        )
        .order_by(Supplier.code, Location.code, ReplenishmentLine.line_no)
    )
    grouped: dict[tuple[str, str], list[PoLineCommand]] = defaultdict(list)
    for supplier, location, sku, qty, cost, arrival in rows:
        # Every line the plan could plan carries its expected arrival.
        grouped[(supplier, location)].append(PoLineCommand(sku, qty, cast(date, arrival), cost))
    return dict(grouped)
