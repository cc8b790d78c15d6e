"""Bulk loads over HTTP: the body is the CSV file itself (text/csv)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request

from api.csv_import import run_import
from api.deps import BodyText, Db, require
from api.routes.inventory import allocate_backorders_after
from erp_core.domain.access import Permission, Principal

router = APIRouter(prefix="/v1/imports", tags=["imports"])
_CSV_BODY = {
    "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
}


@router.post(
    "/items",
    openapi_extra=_CSV_BODY,
    summary="Create or update items from a CSV file; any bad row rejects the file",
)
def import_items(
    who: Annotated[Principal, Depends(require(Permission.ITEMS_WRITE))],
    text: BodyText,
    db: Db,
) -> dict[str, Any]:
    return asdict(run_import(db, who.actor, text, "items"))


@router.post(
    "/stock",
    openapi_extra=_CSV_BODY,
    summary="Load opening stock from a CSV file; any bad row rejects the file",
)
def import_stock(
    who: Annotated[Principal, Depends(require(Permission.INVENTORY_ADJUST))],
    text: BodyText,
    db: Db,
    request: Request,
    tasks: BackgroundTasks,
) -> dict[str, Any]:
    report = run_import(db, who.actor, text, "stock")
    allocate_backorders_after(tasks, request, db, who, *report.skus)
    return asdict(report)
