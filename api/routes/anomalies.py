"""Anomalies: the flags operations and planners work, scans that raise them, and scoring an
order for anomaly without capturing it."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from api.deps import Db, page_limit, require
from api.redaction import redact
from api.routes.orders import order_command
from api.schemas.anomalies import (
    FlagParams,
    FlagPublic,
    FlagResolution,
    ScanPublic,
    ScanRequest,
    VerdictPublic,
)
from api.schemas.common import Page
from api.schemas.orders import OrderCreate
from erp_core.domain.access import Permission, Principal
from erp_core.queries.anomalies import flag_page
from erp_core.queries.pages import INT64_MAX
from erp_core.services.anomaly_flags import resolve_flag
from erp_core.services.order_intake import score_command
from pipelines.demand_anomalies import scan_demand
from pipelines.return_anomalies import scan_returns

router = APIRouter(tags=["anomalies"])
FlagId = Annotated[int, Path(ge=1, le=INT64_MAX)]
Reader = Annotated[Principal, Depends(require(Permission.ANOMALIES_READ))]
Resolver = Annotated[Principal, Depends(require(Permission.ANOMALIES_RESOLVE))]
Scanner = Annotated[Principal, Depends(require(Permission.ANOMALIES_SCAN))]
Scorer = Annotated[Principal, Depends(require(Permission.ANOMALIES_SCORE))]
# Margin is cost by another name (RELIABILITY 13): its figure is hidden from roles without
# cost:read, in the features and in the words of a reason.
MARGIN_FEATURES = frozenset({"margin_after_discount"})
MARGIN_FIGURE = re.compile(r"\s*\(?-?\d+(?:\.\d+)?%\)?")


@router.get(
    "/v1/anomalies",
    response_model=Page[FlagPublic],
    summary="Anomaly flags, newest first: held orders, returns, serial returners, SKU return "
    "spikes and demand days, with score and reasons",
)
def get_flags(query: Annotated[FlagParams, Query()], db: Db, who: Reader) -> Any:
    page = db.read(
        lambda s: flag_page(s, query.kind, query.status, query.cursor, page_limit(db, query.limit))
    )
    return {"data": [_shown_flag(flag, who) for flag in page.data], "next_cursor": page.next_cursor}


@router.post(
    "/v1/anomalies/{flag_id}/resolve",
    response_model=FlagPublic,
    summary="Confirm a flag as a real anomaly or dismiss it as a false alarm (order flags are "
    "resolved through their hold)",
)
def post_resolve(flag_id: FlagId, body: FlagResolution, db: Db, who: Resolver) -> Any:
    return _shown_flag(resolve_flag(db, who, flag_id, body.action == "confirm", body.comment), who)


@router.post(
    "/v1/anomalies/scan",
    response_model=ScanPublic,
    summary="Scan returns (returners, SKU return spikes, refunds without receipt) and daily "
    "demand against its forecast interval, raising flags",
)
def post_scan(body: ScanRequest, db: Db, _: Scanner) -> Any:
    scans = {"returns": lambda: scan_returns(db), "demand": lambda: scan_demand(db)}
    return {"counts": {kind: scans[kind]() for kind in dict.fromkeys(body.kinds)}}


@router.post(
    "/v1/anomaly/score-order",
    response_model=VerdictPublic,
    summary="Score an order for anomaly as capture would, without capturing or writing anything",
)
def post_score_order(body: OrderCreate, request: Request, db: Db, who: Scorer) -> Any:
    scorer = request.app.state.order_scorer
    verdict = db.read(lambda s: score_command(s, order_command(body), scorer))
    shown = {**asdict(verdict), "hold": verdict.hold, "degraded": verdict.scored_by != "model"}
    return _shown_verdict(shown, who)


def _shown_flag(flag: dict[str, Any], who: Principal) -> dict[str, Any]:
    if who.may(Permission.COST_READ):
        return flag
    details = flag["details"]
    if "reasons" in details:  # an order flag carries its hold's details
        details = {**details, "reasons": _plain(details["reasons"])}
    return {**flag, "reasons": _plain(flag["reasons"]), "details": details}


def _shown_verdict(verdict: dict[str, Any], who: Principal) -> dict[str, Any]:
    if who.may(Permission.COST_READ):
        return verdict
    shown = redact(verdict, who, MARGIN_FEATURES)
    return {**shown, "reasons": _plain(verdict["reasons"])}


def _plain(reasons: list[str]) -> list[str]:
    return [MARGIN_FIGURE.sub("", r) if "margin" in r else r for r in reasons]
