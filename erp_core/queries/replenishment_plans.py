"""Reading replenishment plans: the header with its totals, and lines page by page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.replenishment_tables import ReplenishmentLine, ReplenishmentPlan
from erp_core.adapters.tables import Item, Location, Supplier
from erp_core.domain.errors import NotFound
from erp_core.domain.replenishment import LineStatus
from erp_core.queries.pages import Page, decode_cursor, encode_cursor

_PLAN_FIELDS = (
    "id",
    "status",
    "planning_date",
    "request",
    "budget",
    "forecast_run_id",
    "summary",
    "created_by",
    "created_at",
    "approved_by",
    "approved_at",
    "purchase_order_ids",
)
_Line = ReplenishmentLine
_LINES = (
    select(
        _Line.line_no.label("line"),
        _Line.status,
        Item.sku,
        Location.code.label("location"),
        Supplier.code.label("supplier"),
        _Line.suggested_qty,
        _Line.qty,
        _Line.unit_cost,
        (_Line.qty * _Line.unit_cost).label("cost"),
        _Line.order_by,
        _Line.expected_arrival,
        _Line.stockout_risk,
        _Line.binding,
        _Line.reason,
        _Line.explanation,
        _Line.edited_by,
        _Line.edit_note,
    )
    .join(Item, Item.id == _Line.item_id)
    .join(Location, Location.id == _Line.location_id)
    .outerjoin(Supplier, Supplier.id == _Line.supplier_id)
)


def plan_detail(session: Session, plan_id: int) -> dict[str, Any]:
    plan = session.get(ReplenishmentPlan, plan_id)
    if plan is None:
        raise NotFound(f"replenishment plan {plan_id} does not exist", id=plan_id)
    detail = {field: getattr(plan, field) for field in _PLAN_FIELDS}
    counts = session.execute(
        select(_Line.status, func.count(), func.sum(_Line.qty * _Line.unit_cost))
        .where(_Line.plan_id == plan_id)
        .group_by(_Line.status)
    )
    detail["lines"] = {status.value: 0 for status in LineStatus}
    detail["order_value"] = 0
    for status, count, value in counts:
        detail["lines"][status.value] = count
        if status == LineStatus.ORDER:
            detail["order_value"] = value or 0
    return detail


def get_plan(db: Database, plan_id: int) -> dict[str, Any]:
    return db.read(lambda session: plan_detail(session, plan_id))


def plan_lines(
    db: Database,
    plan_id: int,
    status: LineStatus | None,
    cursor: str | None,
    limit: int,
) -> Page:
    """Lines in line order; `status` narrows to ordering, dropped or unplannable lines."""

    def run(session: Session) -> Page:
        plan_detail(session, plan_id)  # a missing plan is a 404, not an empty page
        query = _LINES.where(_Line.plan_id == plan_id)
        if status is not None:
            query = query.where(_Line.status == status)
        after = decode_cursor(cursor)
        if after:
            query = query.where(_Line.line_no > after[0])
        rows = [
            dict(r._mapping)
            for r in session.execute(query.order_by(_Line.line_no).limit(limit + 1))
        ]
        if len(rows) <= limit:
            return Page(rows, None)
        return Page(rows[:limit], encode_cursor(rows[limit - 1]["line"]))

    return db.read(run)


def get_line(db: Database, plan_id: int, line_no: int) -> dict[str, Any]:
    def run(session: Session) -> dict[str, Any]:
        plan_detail(session, plan_id)
        row = session.execute(
            _LINES.where(_Line.plan_id == plan_id, _Line.line_no == line_no)
        ).one_or_none()
        if row is None:
            raise NotFound(f"plan {plan_id} has no line {line_no}", line_no=line_no)
        return {"planning_date": session.get_one(ReplenishmentPlan, plan_id).planning_date} | dict(
            row._mapping
        )

    return db.read(run)


def line_detail(session: Session, line: ReplenishmentLine) -> dict[str, Any]:
    """One line as the audit trail keeps it before and after an edit."""
    return dict(session.execute(_LINES.where(_Line.id == line.id)).one()._mapping)
