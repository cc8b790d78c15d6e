"""What each supplier sells: cost, lead time, MOQ and pack size per item."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.deps import Db, page_limit, require
from api.redaction import redact
from api.schemas.common import Page, PageParams
from api.schemas.master import SupplierItemCreate, SupplierItemPublic, SupplierItemUpdate
from erp_core.domain.access import Permission, Principal
from erp_core.queries.master import list_supplier_items
from erp_core.services import supplier_items as si

router = APIRouter(prefix="/v1/suppliers/{code}/items", tags=["suppliers"])
Reader = Annotated[Principal, Depends(require(Permission.MASTER_READ))]
Writer = Annotated[Principal, Depends(require(Permission.SUPPLIERS_WRITE))]


@router.post(
    "",
    status_code=201,
    response_model=SupplierItemPublic,
    summary="Add an item this supplier sells",
)
def create_supplier_item(code: str, body: SupplierItemCreate, db: Db, who: Writer) -> Any:
    return redact(si.create_supplier_item(db, who.actor, code, body.model_dump()), who)


@router.get("", response_model=Page[SupplierItemPublic], summary="Items this supplier sells")
def list_items_of_supplier(
    code: str, query: Annotated[PageParams, Query()], db: Db, who: Reader
) -> Any:
    page = list_supplier_items(db, code, query.cursor, page_limit(db, query.limit))
    return {"data": [redact(r, who) for r in page.data], "next_cursor": page.next_cursor}


@router.patch(
    "/{sku}", response_model=SupplierItemPublic, summary="Change cost, lead time, MOQ or pack size"
)
def update_supplier_item(code: str, sku: str, body: SupplierItemUpdate, db: Db, who: Writer) -> Any:
    changes = body.model_dump(exclude_unset=True)
    return redact(si.update_supplier_item(db, who.actor, code, sku, changes), who)
