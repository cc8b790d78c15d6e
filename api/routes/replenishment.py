"""Replenishment plans: create one, read it line by line, edit or drop lines, approve it into
draft purchase orders, and plot a line's inventory projection."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from api.deps import Db, page_limit, require
from api.schemas.common import Page
from api.schemas.replenishment import LineEdit, LineParams, LinePublic, PlanCreate, PlanPublic
from erp_core.clock import utcnow
from erp_core.domain.access import Permission, Principal
from erp_core.domain.errors import InvalidInput
from erp_core.queries.pages import INT64_MAX
from erp_core.queries.replenishment_plans import get_plan, plan_lines
from erp_core.services.replenishment_plans import approve_plan, edit_line
from pipelines.replenishment_plan import PlanAsk, create_plan
from pipelines.replenishment_plots import line_plot

router = APIRouter(tags=["replenishment"])
PlanId = Annotated[int, Path(ge=1, le=INT64_MAX)]
LineNo = Annotated[int, Path(ge=1, le=2**31 - 1)]
Reader = Annotated[Principal, Depends(require(Permission.PLANS_READ))]
Planner = Annotated[Principal, Depends(require(Permission.PLANS_RUN))]
Approver = Annotated[Principal, Depends(require(Permission.PLANS_APPROVE))]


@router.post(
    "/v1/replenishment/plans",
    status_code=201,
    response_model=PlanPublic,
    summary="Plan purchases: a suggested quantity per SKU-location with its reasons, cut to "
    "the budget, space and supplier limits; writes only the plan",
)
def post_plan(body: PlanCreate, db: Db, who: Planner) -> Any:
    ask = PlanAsk(
        planning_date=body.planning_date or utcnow().date(),
        skus=tuple(body.skus),
        locations=tuple(body.locations),
        suppliers=tuple(body.suppliers),
        budget=body.budget,
        space_by_location=body.space_by_location,
        units_by_supplier=body.units_by_supplier,
        service_levels=body.service_levels,
        service_type=body.service_type,
        review_period=body.review_period,
    )
    return get_plan(db, create_plan(db, who.actor, ask))


@router.get("/v1/replenishment/plans/{plan_id}", response_model=PlanPublic)
def get_one(plan_id: PlanId, db: Db, _: Reader) -> Any:
    return get_plan(db, plan_id)


@router.get(
    "/v1/replenishment/plans/{plan_id}/lines",
    response_model=Page[LinePublic],
    summary="A plan's lines with their reasons, in line order",
)
def get_lines(plan_id: PlanId, query: Annotated[LineParams, Query()], db: Db, _: Reader) -> Any:
    page = plan_lines(db, plan_id, query.status, query.cursor, page_limit(db, query.limit))
    return {"data": page.data, "next_cursor": page.next_cursor}


@router.patch(
    "/v1/replenishment/plans/{plan_id}/lines/{line_no}",
    response_model=LinePublic,
    summary="Change a line's quantity or drop it before approval; the edit and its note are kept",
)
def patch_line(plan_id: PlanId, line_no: LineNo, body: LineEdit, db: Db, who: Planner) -> Any:
    if body.drop == (body.qty is not None):
        raise InvalidInput("give either a new qty or drop=true")
    return edit_line(db, who.actor, plan_id, line_no, body.qty, body.note)


@router.post(
    "/v1/replenishment/plans/{plan_id}/approve",
    response_model=PlanPublic,
    summary="Approve the plan: its ordering lines become draft purchase orders, one per "
    "supplier and location",
)
def post_approve(plan_id: PlanId, db: Db, who: Approver) -> Any:
    return approve_plan(db, who.actor, plan_id)


@router.get(
    "/v1/replenishment/plans/{plan_id}/lines/{line_no}/plot",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
    summary="A PNG of the line's projected on hand, inbound and reorder point",
)
def get_plot(plan_id: PlanId, line_no: LineNo, db: Db, _: Reader) -> Response:
    return Response(content=line_plot(db, plan_id, line_no), media_type="image/png")
