"""Who is looking at the dashboard. A browser cannot add the X-API-Key header to a link it
follows, so the login form puts the key in a cookie that only the dashboard's pages receive
(HttpOnly: page scripts cannot read it; SameSite=Strict: other sites cannot make the browser
send it), and every page checks it exactly as api/deps checks the header."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response

from api.deps import Db, PermissionCheck
from api.key_cache import KeyCache
from erp_core.adapters.database import Database
from erp_core.domain.access import Permission, Principal
from erp_core.domain.errors import NotAuthenticated

PREFIX = "/dashboard"
LOGIN_PATH = f"{PREFIX}/login"
COOKIE = "keel_dashboard_key"


def principal_of_key(request: Request, db: Database, key: str) -> Principal:
    """The key's owner, through the same cache as the API (a revoked key stops at once)."""
    cache: KeyCache = request.app.state.key_cache
    return cache.principal(db, key)


def cookie_principal(request: Request, db: Db) -> Principal:
    key = request.cookies.get(COOKIE)
    if not key:
        raise NotAuthenticated("log in to the dashboard with an API key")
    return principal_of_key(request, db, key)


class PageViewer(PermissionCheck):
    """PermissionCheck with the key from the dashboard's cookie instead of a header; being a
    PermissionCheck, the route-table test sees the permission each page needs."""

    def __call__(self, principal: Annotated[Principal, Depends(cookie_principal)]) -> Principal:
        return super().__call__(principal)


Viewer = Annotated[Principal, Depends(PageViewer(Permission.KPIS_READ))]


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a dashboard page, never another site (`//host` or a
    scheme would make the login form an open redirect)."""
    if not target or not target.startswith(PREFIX) or target.startswith("//") or "\\" in target:
        return PREFIX
    return target


def login_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{LOGIN_PATH}?next={quote(here, safe='')}"


def remember_key(response: Response, request: Request, key: str) -> None:
    response.set_cookie(
        COOKIE,
        key,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
