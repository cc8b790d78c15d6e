"""Create, read, list, update and deactivate master records: one router per kind, built from
the kind's schemas. (No `from __future__ import annotations` here: FastAPI reads the closures'
annotations as real types.)"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, create_model

from api.deps import Db, page_limit, require
from api.redaction import redact
from api.schemas import master as s
from api.schemas.common import Page, PageParams
from erp_core.domain.access import Permission, Principal
from erp_core.domain.master import ChannelKind, LocationKind
from erp_core.queries.master import get_record, list_records
from erp_core.services import master_data as md


class ListParams(PageParams):
    q: (
        Annotated[str, Field(max_length=100, description="Text contained in code or name")] | None
    ) = None


def master_router(
    kind: md.RecordKind,
    *,
    path: str,
    tag: str,
    create: type[BaseModel],
    update: type[BaseModel],
    public: type[BaseModel],
    filters: dict[str, Any],
    read: Permission,
    write: Permission,
) -> APIRouter:
    router = APIRouter(prefix=f"/v1/{path}", tags=[tag])
    params = create_model(
        f"{public.__name__}Filters",
        __base__=ListParams,
        **{f: (t | None, None) for f, t in filters.items()},
    )
    Reader = Annotated[Principal, Depends(require(read))]
    Writer = Annotated[Principal, Depends(require(write))]

    @router.post("", status_code=201, response_model=public, summary=f"Create a {kind.entity}")
    def create_one(body: create, db: Db, who: Writer) -> Any:
        return redact(md.create_record(db, who.actor, kind, body.model_dump()), who)

    @router.get("", response_model=Page[public], summary=f"List {path}")
    def list_all(query: Annotated[params, Query()], db: Db, who: Reader) -> Any:
        given = query.model_dump(exclude={"q", "cursor", "limit"}, exclude_none=True)
        page = list_records(db, kind, given, query.q, query.cursor, page_limit(db, query.limit))
        return {"data": [redact(r, who) for r in page.data], "next_cursor": page.next_cursor}

    @router.get("/{code}", response_model=public, summary=f"Read a {kind.entity}")
    def read_one(code: str, db: Db, who: Reader) -> Any:
        return redact(get_record(db, kind, code), who)

    @router.patch("/{code}", response_model=public, summary=f"Update a {kind.entity}")
    def update_one(code: str, body: update, db: Db, who: Writer) -> Any:
        changes = body.model_dump(exclude_unset=True)
        return redact(md.update_record(db, who.actor, kind, code, changes), who)

    @router.post(
        "/{code}/deactivate",
        response_model=public,
        summary=f"Deactivate a {kind.entity} (records are never deleted)",
    )
    def deactivate_one(code: str, db: Db, who: Writer) -> Any:
        return redact(md.deactivate_record(db, who.actor, kind, code), who)

    return router


P = Permission
routers = [
    master_router(
        md.ITEMS,
        path="items",
        tag="items",
        create=s.ItemCreate,
        update=s.ItemUpdate,
        public=s.ItemPublic,
        filters={"category": str, "active": bool, "hazardous": bool, "uom": str},
        read=P.MASTER_READ,
        write=P.ITEMS_WRITE,
    ),
    master_router(
        md.SUPPLIERS,
        path="suppliers",
        tag="suppliers",
        create=s.SupplierCreate,
        update=s.SupplierUpdate,
        public=s.SupplierPublic,
        filters={"active": bool, "region": str},
        read=P.MASTER_READ,
        write=P.SUPPLIERS_WRITE,
    ),
    master_router(
        md.LOCATIONS,
        path="locations",
        tag="locations",
        create=s.LocationCreate,
        update=s.LocationUpdate,
        public=s.LocationPublic,
        filters={"kind": LocationKind, "region": str, "active": bool},
        read=P.MASTER_READ,
        write=P.LOCATIONS_WRITE,
    ),
    master_router(
        md.CHANNELS,
        path="channels",
        tag="channels",
        create=s.ChannelCreate,
        update=s.ChannelUpdate,
        public=s.ChannelPublic,
        filters={"kind": ChannelKind, "active": bool},
        read=P.MASTER_READ,
        write=P.CHANNELS_WRITE,
    ),
    master_router(
        md.CUSTOMERS,
        path="customers",
        tag="customers",
        create=s.CustomerCreate,
        update=s.CustomerUpdate,
        public=s.CustomerPublic,
        filters={"region": str, "active": bool},
        read=P.CUSTOMERS_READ,
        write=P.CUSTOMERS_WRITE,
    ),
]
