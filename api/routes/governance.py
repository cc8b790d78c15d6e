"""API keys (admins issue and revoke them) and the audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from api.deps import Db, page_limit, require
from api.schemas.common import Page
from api.schemas.governance import (
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyPublic,
    AuditParams,
    AuditPublic,
)
from erp_core.domain.access import Permission, Principal
from erp_core.queries.governance import api_key_list, audit_page
from erp_core.queries.pages import INT32_MAX
from erp_core.services import api_keys

router = APIRouter(tags=["governance"])
Admin = Annotated[Principal, Depends(require(Permission.KEYS_MANAGE))]
Auditor = Annotated[Principal, Depends(require(Permission.AUDIT_READ))]


@router.post(
    "/v1/api-keys",
    status_code=201,
    response_model=ApiKeyIssued,
    summary="Issue an API key for a role; the key is shown only in this reply",
)
def create_api_key(body: ApiKeyCreate, db: Db, who: Admin) -> Any:
    record, key = api_keys.create_key(db, who.actor, body.name, body.role)
    return {**record, "key": key}


@router.get("/v1/api-keys", response_model=list[ApiKeyPublic], summary="All API keys")
def list_api_keys(db: Db, _: Admin) -> Any:
    return api_key_list(db)


@router.delete("/v1/api-keys/{key_id}", response_model=ApiKeyPublic, summary="Revoke a key")
def revoke_api_key(
    key_id: Annotated[int, Path(ge=1, le=INT32_MAX)], request: Request, db: Db, who: Admin
) -> Any:
    revoked = api_keys.revoke_key(db, who.actor, key_id)
    request.app.state.key_cache.clear()
    return revoked


@router.get("/v1/audit", response_model=Page[AuditPublic], summary="The audit trail, newest first")
def get_audit(query: Annotated[AuditParams, Query()], db: Db, _: Auditor) -> Any:
    filters = query.model_dump(exclude={"cursor", "limit"})
    return audit_page(db, filters, query.cursor, page_limit(db, query.limit))
