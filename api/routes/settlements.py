"""Marketplace settlements: importing payout files, and the exceptions queue finance works."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from api.deps import BodyText, Db, page_limit, require
from api.schemas.common import Page
from api.schemas.settlements import (
    ExceptionParams,
    ExceptionPublic,
    ExceptionResolution,
    SettlementListed,
    SettlementParams,
    SettlementPublic,
)
from erp_core.domain.access import Permission, Principal
from erp_core.queries.pages import INT64_MAX
from erp_core.queries.settlements import exception_page, settlement_detail, settlement_page
from erp_core.services.settlements import import_settlement, resolve_exception

router = APIRouter(prefix="/v1/settlements", tags=["settlements"])
RecordId = Annotated[int, Path(ge=1, le=INT64_MAX)]
Reader = Annotated[Principal, Depends(require(Permission.FINANCE_READ))]
Importer = Annotated[Principal, Depends(require(Permission.SETTLEMENTS_IMPORT))]
Resolver = Annotated[Principal, Depends(require(Permission.SETTLEMENTS_RESOLVE))]
SETTLEMENT_IMPORT_PATH = "/v1/settlements/import"
_CSV_BODY = {
    "requestBody": {
        "required": True,
        "description": "A settlement file: CSV with the header settlement_id, posted_date, "
        "channel, order_id, type (order, refund, fee, adjustment), description, amount "
        "(signed, money to the seller).",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


@router.post(
    "/import",
    status_code=201,
    response_model=SettlementPublic,
    responses={200: {"model": SettlementPublic, "description": "The file was imported before"}},
    openapi_extra=_CSV_BODY,
    summary="Import a marketplace settlement file: matched rows post to cash in one entry, "
    "the others open exceptions",
)
def post_import(text: BodyText, response: Response, db: Db, who: Importer) -> Any:
    """201 with the new settlement; the same file again is 200 with the settlement it made
    and changes nothing; the same settlement id with other content is 409
    `settlement_conflict`; a malformed file is 422 `invalid_settlement_file` naming each
    problem's line and column, and nothing is written."""
    imported = import_settlement(db, who.actor, text)
    if not imported.created:
        response.status_code = 200
    return imported.settlement


@router.get(
    "/exceptions",
    response_model=Page[ExceptionPublic],
    summary="Settlement exceptions, oldest first: missing orders, amount and fee mismatches, "
    "unexpected fees, duplicate payments, unmatched adjustments",
)
def get_exceptions(query: Annotated[ExceptionParams, Query()], db: Db, _: Reader) -> Any:
    limit = page_limit(db, query.limit)
    return db.read(
        lambda s: exception_page(
            s, query.status, query.kind, query.channel, query.settlement, query.cursor, limit
        )
    )


@router.post(
    "/exceptions/{exception_id}/resolve",
    response_model=ExceptionPublic,
    summary="Accept an exception (post the row as paid, the difference to "
    "marketplace_adjustments) or dismiss it (post nothing), with a reason",
)
def post_resolve(exception_id: RecordId, body: ExceptionResolution, db: Db, who: Resolver) -> Any:
    return resolve_exception(db, who.actor, exception_id, body.action == "accept", body.reason)


@router.get(
    "",
    response_model=Page[SettlementListed],
    summary="Imported settlements, newest first",
)
def get_settlements(query: Annotated[SettlementParams, Query()], db: Db, _: Reader) -> Any:
    limit = page_limit(db, query.limit)
    return db.read(lambda s: settlement_page(s, query.channel, query.cursor, limit))


@router.get(
    "/{settlement_id}",
    response_model=SettlementPublic,
    summary="One settlement: its payout, what matched, its exceptions by kind",
)
def get_settlement(settlement_id: RecordId, db: Db, _: Reader) -> Any:
    return db.read(lambda s: settlement_detail(s, settlement_id))
