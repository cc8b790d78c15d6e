"""The web-store webhook signed the Shopify way: for a channel with a secret
(KEEL_WEBHOOK_SECRETS) the X-Shopify-Hmac-Sha256 header must sign the raw body, no API key is
needed and none stands in for it; a channel without a secret still needs an API key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from fastapi.testclient import TestClient

from erp_core.adapters.database import Database
from erp_core.domain.access import Role
from erp_core.domain.stock import StockStatus
from erp_core.services import master_data as md
from erp_core.services.inventory import MoveCommand, move_stock
from erp_core.settings import Settings
from tests.api.test_order_import import SHOPIFY_WEBHOOK
from tests.conftest import KeyFor
from tests.factories import ACTOR, item, stocked
from tests.integration.test_failure_injection import everything

SECRET = "shpss_5f0c1d2e3a4b"
SIGNED = "/v1/channels/WEB/webhooks/shopify"
UNSIGNED = "/v1/channels/OUTLET/webhooks/shopify"
BODY = json.dumps(SHOPIFY_WEBHOOK, indent=2).encode()


def signature(body: bytes, secret: str = SECRET) -> str:
    """Computed here as Shopify documents it, not with the module under test."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signed(body: bytes = BODY, secret: str = SECRET) -> dict[str, str]:
    return {"X-Shopify-Hmac-Sha256": signature(body, secret), "Content-Type": "application/json"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings with a secret for channel WEB; channel OUTLET has none."""
    return settings.model_copy(update={"webhook_secrets": {"WEB": SECRET}})


@pytest.fixture
def shop(app_client: TestClient, db: Database) -> TestClient:
    stocked(db, 100, "SKU-1", "DC-1")
    item(db, "SKU-2")
    move_stock(db, ACTOR, MoveCommand("SKU-2", "DC-1", 100, StockStatus.AVAILABLE))
    for code in ("WEB", "OUTLET"):
        md.create_record(db, ACTOR, md.CHANNELS, {"code": code, "name": code, "kind": "web_store"})
    return app_client


def test_a_signed_webhook_needs_no_key_and_is_recorded_as_sent_by_the_channel(
    shop: TestClient, admin: dict[str, str]
) -> None:
    first = shop.post(SIGNED, content=BODY, headers=signed())
    assert first.status_code == 201, first.text
    order_id = first.json()["id"]
    order = shop.get(f"/v1/orders/{order_id}", headers=admin).json()
    assert order["external_id"] == "5520437788932"
    assert order["timeline"] and {c["actor"] for c in order["timeline"]} == {"webhook:WEB"}
    trail = shop.get("/v1/audit", params={"actor": "webhook:WEB"}, headers=admin).json()["data"]
    assert {"order", "customer"} <= {record["entity"] for record in trail}

    again = shop.post(SIGNED, content=BODY, headers=signed())
    assert (again.status_code, again.json()["id"]) == (200, order_id)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Shopify-Hmac-Sha256": signature(BODY, "another-shops-secret")},
        {"X-Shopify-Hmac-Sha256": signature(json.dumps(SHOPIFY_WEBHOOK).encode())},
        {"X-Shopify-Hmac-Sha256": "not-a-signature"},
        {"X-Shopify-Hmac-Sha256": ""},
        {},
    ],
    ids=["other-secret", "other-bytes", "garbage", "empty", "missing"],
)
def test_a_missing_or_wrong_signature_is_401_and_writes_nothing(
    shop: TestClient, db: Database, headers: dict[str, str]
) -> None:
    before = everything(db)
    reply = shop.post(SIGNED, content=BODY, headers={**headers, "Content-Type": "application/json"})
    assert (reply.status_code, reply.json()["code"]) == (401, "bad_signature"), reply.text
    assert reply.json()["details"] == {"channel": "WEB"}
    assert everything(db) == before


def test_an_api_key_does_not_stand_in_for_the_signature_of_a_channel_with_a_secret(
    shop: TestClient, db: Database, admin: dict[str, str], key_for: KeyFor
) -> None:
    bearer = {"Authorization": f"Bearer {admin['X-API-Key']}"}
    keys = (admin, key_for(Role.OPERATIONS), bearer)
    before = everything(db)
    for headers in keys:
        for signature_header in ({}, {"X-Shopify-Hmac-Sha256": signature(BODY, "wrong")}):
            reply = shop.post(SIGNED, json=SHOPIFY_WEBHOOK, headers={**headers, **signature_header})
            assert (reply.status_code, reply.json()["code"]) == (401, "bad_signature")
    assert everything(db) == before


def test_a_tampered_body_under_a_genuine_signature_is_refused(
    shop: TestClient, db: Database
) -> None:
    before = everything(db)
    tampered = BODY.replace(b'"quantity": 2', b'"quantity": 200')
    assert tampered != BODY
    reply = shop.post(SIGNED, content=tampered, headers=signed(BODY))
    assert (reply.status_code, reply.json()["code"]) == (401, "bad_signature")
    assert everything(db) == before


def test_the_signature_is_checked_before_the_body_is_read_as_json(
    shop: TestClient, db: Database
) -> None:
    before = everything(db)
    for body in (b"{not json", b"[1, 2]", b""):
        unsigned = shop.post(SIGNED, content=body, headers={"Content-Type": "application/json"})
        assert (unsigned.status_code, unsigned.json()["code"]) == (401, "bad_signature")
    assert (
        shop.post(SIGNED, content=b"{not json", headers=signed(b"{not json")).json()["code"]
        == "malformed_json"
    )
    for body in (b"[1, 2]", b""):
        reply = shop.post(SIGNED, content=body, headers=signed(body))
        assert (reply.status_code, reply.json()["code"]) == (422, "validation_error"), body
    assert everything(db) == before


def test_a_signed_webhook_over_the_body_limit_is_413(shop: TestClient, db: Database) -> None:
    limit = db.settings.max_body_bytes
    body = json.dumps({**SHOPIFY_WEBHOOK, "note": "x" * limit}).encode()
    reply = shop.post(SIGNED, content=body, headers=signed(body))
    assert (reply.status_code, reply.json()["code"]) == (413, "payload_too_large")


def test_a_channel_without_a_secret_still_needs_a_key_that_may_capture_orders(
    shop: TestClient, db: Database, admin: dict[str, str], key_for: KeyFor
) -> None:
    planner_key = key_for(Role.PLANNER)
    before = everything(db)
    for headers in ({}, signed()):
        reply = shop.post(UNSIGNED, content=BODY, headers=headers)
        assert (reply.status_code, reply.json()["code"]) == (401, "not_authenticated")
    planner = shop.post(UNSIGNED, json=SHOPIFY_WEBHOOK, headers=planner_key)
    assert (planner.status_code, planner.json()["code"]) == (403, "forbidden")
    assert everything(db) == before

    created = shop.post(UNSIGNED, json=SHOPIFY_WEBHOOK, headers=admin)
    assert created.status_code == 201, created.text
    key_name = f"test-{Role.ADMIN.value}"
    order = shop.get(f"/v1/orders/{created.json()['id']}", headers=admin).json()
    assert {c["actor"].split(":")[-1] for c in order["timeline"]} == {key_name}
