"""Dependencies routes declare: the database, the caller, the permission an action needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.key_cache import KeyCache
from erp_core.adapters.database import Database
from erp_core.domain.access import Permission, Principal
from erp_core.domain.errors import InvalidInput, NotAuthenticated, PermissionDenied


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


Db = Annotated[Database, Depends(get_database)]

API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="Keel API key")
BEARER = HTTPBearer(auto_error=False, description="The API key as a bearer token")


def current_principal(
    request: Request,
    db: Db,
    api_key: Annotated[str | None, Security(API_KEY)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
) -> Principal:
    presented = api_key or (bearer.credentials if bearer else None)
    if not presented:
        raise NotAuthenticated("send an API key in the X-API-Key header or as a bearer token")
    cache: KeyCache = request.app.state.key_cache
    return cache.principal(db, presented)


class PermissionCheck:
    """A dependency that admits callers whose role holds one permission.

    The route-table test reads `.permission` off every route to prove none is left open.
    """

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __call__(self, principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.may(self.permission):
            raise PermissionDenied(
                f"role {principal.role.value} may not do {self.permission.value}",
                role=principal.role.value,
                permission=self.permission.value,
            )
        return principal


def require(permission: Permission) -> Callable[..., Principal]:
    return PermissionCheck(permission)


def page_limit(db: Database, limit: int | None) -> int:
    """Lists are capped by settings whatever the caller asks for."""
    return min(limit or db.settings.page_size_default, db.settings.page_size_max)


async def body_text(request: Request) -> str:
    """The raw request body as text, for routes that take files (CSV, flat reports)."""
    try:
        return (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the body is not UTF-8 text") from None


BodyText = Annotated[str, Depends(body_text)]
