"""Every route but /health needs a key; roles without the permission get 403 and nothing is
written (RELIABILITY.md, promises 12 and 13). The one alternative: the web-store webhook of a
channel with a secret takes the channel's signature instead of a key (and then only that;
tests/api/test_shopify_webhook_signature.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.deps import PermissionCheck
from api.main import create_app
from api.webhook_auth import WebhookSender
from erp_core.adapters.database import Database
from erp_core.domain.access import ROLE_PERMISSIONS, Permission, Role
from tests.conftest import KeyFor
from tests.factories import stocked
from tests.integration.test_failure_injection import everything

OPEN_ROUTES = {"/health", "/dashboard/login"}  # the login form takes the key it checks
# Routes guarded by WebhookSender: the permission for a key, or the channel's signature.
SIGNED_ROUTES = {"/v1/channels/{code}/webhooks/shopify"}


def _guards(route: APIRoute) -> list[PermissionCheck | WebhookSender]:
    found: list[PermissionCheck | WebhookSender] = []
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        if isinstance(dependency.call, PermissionCheck | WebhookSender):
            found.append(dependency.call)
        stack.extend(dependency.dependencies)
    return found


def _permissions(route: APIRoute) -> set[Permission]:
    return {guard.permission for guard in _guards(route)}


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Routes of the app, looking inside included routers (newer FastAPI keeps them nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _api_routes(route.original_router.routes)


def test_every_route_but_health_declares_the_permission_it_needs(db: Database) -> None:
    routes = list(_api_routes(create_app(db.settings).routes))
    unguarded = [
        f"{sorted(r.methods)} {r.path}"
        for r in routes
        if r.path not in OPEN_ROUTES and len(_permissions(r)) != 1
    ]
    assert routes and unguarded == []
    signed = {r.path for r in routes if any(isinstance(g, WebhookSender) for g in _guards(r))}
    assert signed == SIGNED_ROUTES


def test_a_missing_key_is_401_and_a_bad_or_revoked_key_too(
    app_client: TestClient, admin: dict[str, str], key_for: KeyFor
) -> None:
    assert app_client.get("/v1/items").status_code == 401
    reply = app_client.get("/v1/items", headers={"X-API-Key": "keel_nothere_secret"})
    assert (reply.status_code, reply.json()["code"]) == (401, "not_authenticated")
    assert app_client.get("/v1/items", headers={"X-API-Key": "garbage"}).status_code == 401
    planner = key_for(Role.PLANNER)
    key_id = app_client.get("/v1/api-keys", headers=admin).json()[-1]["id"]
    assert app_client.delete(f"/v1/api-keys/{key_id}", headers=admin).status_code == 200
    assert app_client.get("/v1/items", headers=planner).status_code == 401


def test_the_key_is_accepted_as_a_bearer_token(
    app_client: TestClient, admin: dict[str, str]
) -> None:
    bearer = {"Authorization": f"Bearer {admin['X-API-Key']}"}
    assert app_client.get("/v1/items", headers=bearer).status_code == 200


def test_health_needs_no_key(app_client: TestClient) -> None:
    assert app_client.get("/health").json() == {"status": "ok"}


WRITES = [
    ("post", "/v1/items", Permission.ITEMS_WRITE, {"sku": "NEW-1", "name": "New"}),
    (
        "post",
        "/v1/locations",
        Permission.LOCATIONS_WRITE,
        {"code": "DC-9", "name": "Nine", "kind": "own_dc", "region": "DE"},
    ),
    (
        "post",
        "/v1/inventory/moves",
        Permission.INVENTORY_MOVE,
        {"sku": "SKU-1", "location": "DC-1", "qty": 1, "to_status": "available"},
    ),
    (
        "post",
        "/v1/inventory/adjustments",
        Permission.INVENTORY_ADJUST,
        {"sku": "SKU-1", "location": "DC-1", "delta": 1, "reason": "found"},
    ),
    (
        "post",
        "/v1/inventory/reservations",
        Permission.INVENTORY_RESERVE,
        {"sku": "SKU-1", "location": "DC-1", "qty": 1},
    ),
    ("post", "/v1/api-keys", Permission.KEYS_MANAGE, {"name": "x", "role": "admin"}),
]


@pytest.mark.parametrize(
    ("method", "path", "permission", "body"), WRITES, ids=[f"{m} {p}" for m, p, _, _ in WRITES]
)
def test_roles_without_the_permission_get_403_and_nothing_changes(
    app_client: TestClient,
    db: Database,
    key_for: KeyFor,
    method: str,
    path: str,
    permission: Permission,
    body: dict[str, object],
) -> None:
    stocked(db, 10)
    keys = {role: key_for(role) for role in Role}
    before = everything(db)
    for role, perms in ROLE_PERMISSIONS.items():
        if permission in perms:
            continue
        reply = getattr(app_client, method)(path, json=body, headers=keys[role])
        assert (reply.status_code, reply.json()["code"]) == (403, "forbidden"), role
    assert everything(db) == before


def test_cost_is_hidden_from_roles_that_may_not_read_it(
    app_client: TestClient, admin: dict[str, str], key_for: KeyFor
) -> None:
    app_client.post(
        "/v1/items", json={"sku": "C-1", "name": "Costly", "unit_cost": "12.5"}, headers=admin
    )
    assert (
        app_client.get("/v1/items/C-1", headers=key_for(Role.PLANNER)).json()["unit_cost"]
        == "12.5000"
    )
    for role in (Role.CUSTOMER_SERVICE, Role.WAREHOUSE, Role.ROUTING_SERVICE):
        headers = key_for(role)
        assert app_client.get("/v1/items/C-1", headers=headers).json()["unit_cost"] is None
        assert app_client.get("/v1/items", headers=headers).json()["data"][0]["unit_cost"] is None


def test_the_audit_trail_is_for_admins_only(
    app_client: TestClient, admin: dict[str, str], key_for: KeyFor
) -> None:
    assert app_client.get("/v1/audit", headers=key_for(Role.FINANCE)).status_code == 403
    trail = app_client.get("/v1/audit", params={"entity": "api_key"}, headers=admin).json()
    assert trail["data"] and trail["data"][0]["action"] == "api_key.create"
