"""API keys and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from api.schemas.common import Input, PageParams
from erp_core.domain.access import Role
from erp_core.services.api_keys import API_KEY_NAME_MAX


class ApiKeyCreate(Input):
    name: Annotated[str, Field(min_length=1, max_length=API_KEY_NAME_MAX)]
    role: Role


class AuditParams(PageParams):
    entity: Annotated[str, Field(max_length=64)] | None = None
    entity_key: Annotated[str, Field(max_length=200)] | None = None
    actor: Annotated[str, Field(max_length=100)] | None = None
    action: Annotated[str, Field(max_length=64)] | None = None


class ApiKeyPublic(BaseModel):
    id: int
    name: str
    role: Role
    prefix: str
    active: bool
    created_by: str
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyIssued(ApiKeyPublic):
    key: str


class AuditPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
