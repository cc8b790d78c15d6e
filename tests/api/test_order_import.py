"""Orders imported in the channels' own shapes (POST /v1/orders/import) and the web-store
webhook: each order captured once, a report per order, one bad order blocking no other."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp_core.adapters.database import Database
from erp_core.domain.access import Role
from erp_core.domain.stock import StockStatus
from erp_core.services import master_data as md
from erp_core.services.inventory import MoveCommand, move_stock
from tests.conftest import KeyFor
from tests.factories import ACTOR, item, stocked
from tests.integration.test_failure_injection import everything

H = dict[str, str]

SHOPIFY_WEBHOOK: dict[str, Any] = {
    "id": 5520437788932,
    "name": "#1042",
    "email": "jon.snow@example.com",
    "created_at": "2024-03-14T10:12:07+01:00",
    "currency": "EUR",
    "financial_status": "paid",
    "fulfillment_status": None,
    "total_price": "101.27",
    "customer": {
        "id": 7210981654788,
        "first_name": "Jon",
        "last_name": "Snow",
        "email": "jon.snow@example.com",
        "orders_count": 3,
    },
    "shipping_address": {
        "name": "Jon Snow",
        "address1": "Chausseestraße 12",
        "address2": "2. OG links",
        "city": "Berlin",
        "zip": "10115",
        "province_code": "BE",
        "country_code": "DE",
        "phone": "+49 30 1234567",
    },
    "line_items": [
        {
            "id": 13800385102084,
            "sku": "SKU-1",
            "title": "Trail Runner 2",
            "quantity": 2,
            "price": "19.99",
            "total_discount": "4.00",
            "tax_lines": [{"title": "DE MwSt", "rate": 0.19, "price": "6.84"}],
        },
        {
            "id": 13800385134852,
            "sku": "SKU-2",
            "title": "Rain Shell",
            "quantity": 1,
            "price": "45.00",
            "total_discount": "0.00",
            "tax_lines": [{"title": "DE MwSt", "rate": 0.19, "price": "8.55"}],
        },
    ],
    "shipping_lines": [{"code": "standard", "title": "Standard Versand", "price": "4.90"}],
    "discount_codes": [{"code": "SPRING4", "amount": "4.00", "type": "fixed_amount"}],
}

AMAZON_COLUMNS = (
    "order-id\torder-item-id\tpurchase-date\tpayments-date\tbuyer-email\tbuyer-name\t"
    "sku\tproduct-name\tquantity-purchased\tcurrency\titem-price\titem-tax\tshipping-price\t"
    "shipping-tax\tship-service-level\trecipient-name\tship-address-1\tship-address-2\t"
    "ship-city\tship-state\tship-postal-code\tship-country\titem-promotion-discount"
)
AMAZON_ERIKA = (
    "2024-03-14T09:12:43+00:00\t2024-03-14T09:13:02+00:00\t2xgk9qz7l3m4n5p@marketplace.amazon.de"
    "\tErika Mustermann"
)
AMAZON_ERIKA_SHIP = "Standard\tErika Mustermann\tHauptstraße 5\t\tMünchen\tBayern\t80331\tDE\t0.00"
AMAZON_REPORT = "\n".join(
    [
        AMAZON_COLUMNS,
        f"028-1234567-1234567\t53581234567890\t{AMAZON_ERIKA}\tSKU-1\tTrail Runner 2, blue\t2\tEUR"
        f"\t39.98\t7.60\t3.00\t0.57\t{AMAZON_ERIKA_SHIP}",
        f"028-1234567-1234567\t53581234567891\t{AMAZON_ERIKA}\tSKU-3\tLaces (pair)\t3\tEUR"
        f"\t10.00\t1.90\t0.00\t0.00\t{AMAZON_ERIKA_SHIP}",
        "302-7654321-7654321\t61230987654321\t2024-03-14T11:40:00+00:00\t"
        "2024-03-14T11:41:10+00:00\tbz8lm0q1r2s3t4u@marketplace.amazon.de\tMax Muster\tSKU-2\t"
        "Rain Shell\t1\tEUR\t45.00\t8.55\t4.99\t0.95\tExpedited\tMax Muster\tRingstraße 1\t"
        "Top 4\tWien\tWien\t1010\tAT\t0.00",
    ]
)

B2B_CSV = """\
po_number,customer_code,customer_name,sku,qty,unit_price,discount,requested_date,ship_name,ship_line1,ship_city,ship_postcode,ship_country,shipping_method
PO-4711,ACME-GMBH,ACME Handels GmbH,SKU-1,10,8.50,8.50,2024-04-02,ACME Wareneingang,Industriestraße 7,Hamburg,20095,DE,freight
PO-4711,ACME-GMBH,ACME Handels GmbH,SKU-2,4,40.00,,2024-04-02,ACME Wareneingang,Industriestraße 7,Hamburg,20095,DE,freight
PO-4712,BOLT-AG,"Bolt AG, Einkauf",SKU-3,25,2.10,0.00,,Bolt AG,Seestrasse 1,Zürich,8002,CH,parcel
"""  # noqa: E501

KEEL_ORDERS = [
    {
        "external_id": "CS-1",
        "customer": {"code": "C-1", "name": "Ada", "email": "ada@example.com"},
        "ship_to": {
            "name": "Ada Lovelace",
            "line1": "1 Analytical Way",
            "city": "Berlin",
            "postcode": "10115",
            "country": "DE",
        },
        "shipping_method": "standard",
        "payment_status": "captured",
        "lines": [{"sku": "SKU-1", "qty": 1, "unit_price": "10.00"}],
    },
]

SAMPLES: dict[str, tuple[str, dict[str, Any]]] = {
    "keel": ("WEB", {"json": KEEL_ORDERS}),
    "shopify": ("WEB", {"json": [SHOPIFY_WEBHOOK]}),
    "amazon": ("AMZ", {"content": AMAZON_REPORT.encode()}),
    "b2b_csv": ("B2B", {"content": B2B_CSV.encode()}),
}


@pytest.fixture
def shop(app_client: TestClient, db: Database) -> TestClient:
    stocked(db, 100, "SKU-1", "DC-1")
    for sku in ("SKU-2", "SKU-3"):
        item(db, sku)
        move_stock(db, ACTOR, MoveCommand(sku, "DC-1", 100, StockStatus.AVAILABLE))
    for code, kind in (("WEB", "web_store"), ("AMZ", "marketplace"), ("B2B", "b2b_portal")):
        md.create_record(db, ACTOR, md.CHANNELS, {"code": code, "name": code, "kind": kind})
    return app_client


def imported(client: TestClient, headers: H, fmt: str, channel: str, **body: Any) -> Any:
    reply = client.post(
        "/v1/orders/import", headers=headers, params={"channel": channel, "format": fmt}, **body
    )
    assert reply.status_code == 200, reply.text
    report = reply.json()
    counts = [report["created"], report["duplicate"], report["rejected"]]
    assert sum(counts) == report["rows"] == len(report["results"])
    return report


def amounts(order: dict[str, Any]) -> tuple[str, ...]:
    return tuple(order[k] for k in ("goods", "discount", "tax", "shipping", "total"))


def lines(order: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(x["sku"], x["qty"], x["unit_price"], x["discount"], x["tax"]) for x in order["lines"]]


def test_a_shopify_webhook_is_captured_with_its_lines_discount_customer_and_ship_to(
    shop: TestClient, admin: H
) -> None:
    report = imported(shop, admin, "shopify", "WEB", json=SHOPIFY_WEBHOOK)
    assert [(r["ref"], r["external_id"], r["result"]) for r in report["results"]] == [
        ("item 1", "5520437788932", "created")
    ]
    order = shop.get(f"/v1/orders/{report['results'][0]['order_id']}", headers=admin).json()
    assert lines(order) == [
        ("SKU-1", 2, "19.9900", "4.0000", "6.8400"),
        ("SKU-2", 1, "45.0000", "0.0000", "8.5500"),
    ]
    assert amounts(order) == ("84.9800", "4.0000", "15.3900", "4.9000", "101.2700")
    assert (order["status"], order["payment_status"], order["shipping_method"]) == (
        "ready",
        "captured",
        "standard",
    )
    assert order["ship_to"] == {
        "name": "Jon Snow",
        "line1": "Chausseestraße 12",
        "line2": "2. OG links",
        "city": "Berlin",
        "postcode": "10115",
        "region": "BE",
        "country": "DE",
    }
    customer = shop.get(f"/v1/customers/{order['customer']}", headers=admin).json()
    assert (customer["code"], customer["name"], customer["email"]) == (
        "WEB-7210981654788",
        "Jon Snow",
        "jon.snow@example.com",
    )


def test_an_amazon_report_makes_one_captured_order_per_order_id_netting_to_the_item_prices(
    shop: TestClient, admin: H
) -> None:
    report = imported(shop, admin, "amazon", "AMZ", content=AMAZON_REPORT.encode())
    assert [(r["ref"], r["external_id"], r["result"]) for r in report["results"]] == [
        ("lines 2, 3", "028-1234567-1234567", "created"),
        ("line 4", "302-7654321-7654321", "created"),
    ]
    erika, max_ = (
        shop.get(f"/v1/orders/{r['order_id']}", headers=admin).json() for r in report["results"]
    )
    # 10.00 for 3 laces: 3.3334 each, and the 0.0002 rounding comes back as discount.
    assert lines(erika) == [
        ("SKU-1", 2, "19.9900", "0.0000", "7.6000"),
        ("SKU-3", 3, "3.3334", "0.0002", "1.9000"),
    ]
    assert amounts(erika) == ("49.9802", "0.0002", "9.5000", "3.0000", "62.4800")
    assert amounts(max_) == ("45.0000", "0.0000", "8.5500", "4.9900", "58.5400")
    assert (max_["payment_status"], max_["shipping_method"], max_["status"]) == (
        "captured",
        "Expedited",
        "ready",
    )
    assert max_["ship_to"] == {
        "name": "Max Muster",
        "line1": "Ringstraße 1",
        "line2": "Top 4",
        "city": "Wien",
        "postcode": "1010",
        "region": "Wien",
        "country": "AT",
    }
    customer = shop.get(f"/v1/customers/{erika['customer']}", headers=admin).json()
    assert customer["name"] == "Erika Mustermann"
    assert customer["email"] == "2xgk9qz7l3m4n5p@marketplace.amazon.de"


def test_a_b2b_csv_makes_one_authorized_order_per_purchase_order(
    shop: TestClient, admin: H
) -> None:
    report = imported(shop, admin, "b2b_csv", "B2B", content=B2B_CSV.encode("utf-8-sig"))
    assert [(r["ref"], r["external_id"], r["result"]) for r in report["results"]] == [
        ("lines 2, 3", "PO-4711", "created"),
        ("line 4", "PO-4712", "created"),
    ]
    acme, bolt = (
        shop.get(f"/v1/orders/{r['order_id']}", headers=admin).json() for r in report["results"]
    )
    assert lines(acme) == [
        ("SKU-1", 10, "8.5000", "8.5000", "0.0000"),
        ("SKU-2", 4, "40.0000", "0.0000", "0.0000"),
    ]
    assert amounts(acme) == ("245.0000", "8.5000", "0.0000", "0.0000", "236.5000")
    assert (acme["customer"], acme["payment_status"], acme["shipping_method"]) == (
        "ACME-GMBH",
        "authorized",
        "freight",
    )
    assert acme["requested_delivery_date"] == "2024-04-02"
    assert (bolt["customer"], bolt["requested_delivery_date"], bolt["total"]) == (
        "BOLT-AG",
        None,
        "52.5000",
    )
    assert bolt["ship_to"]["city"] == "Zürich" and bolt["status"] == "ready"
    customer = shop.get("/v1/customers/BOLT-AG", headers=admin).json()
    assert customer["name"] == "Bolt AG, Einkauf"


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_importing_the_same_batch_again_reports_every_order_duplicate_and_creates_nothing(
    shop: TestClient, admin: H, db: Database, fmt: str
) -> None:
    channel, body = SAMPLES[fmt]
    first = imported(shop, admin, fmt, channel, **body)
    assert first["created"] == first["rows"] > 0
    before = everything(db)
    again = imported(shop, admin, fmt, channel, **body)
    assert (again["created"], again["duplicate"], again["rejected"]) == (0, first["rows"], 0)
    assert [r["order_id"] for r in again["results"]] == [r["order_id"] for r in first["results"]]
    assert everything(db) == before


BAD_ROWS = {
    "unknown-sku": (
        "keel",
        "WEB",
        {
            "json": [
                KEEL_ORDERS[0],
                {
                    **KEEL_ORDERS[0],
                    "external_id": "CS-2",
                    "lines": [{"sku": "NOPE", "qty": 1, "unit_price": "1"}],
                },
            ]
        },
        "not_found",
    ),
    "zero-qty": (
        "amazon",
        "AMZ",
        {"content": AMAZON_REPORT.replace("\tRain Shell\t1\t", "\tRain Shell\t0\t").encode()},
        "validation_error",
    ),
    "missing-address": (
        "b2b_csv",
        "B2B",
        {"content": B2B_CSV.replace("Bolt AG,Seestrasse 1,Zürich,8002,CH", ",,,,").encode()},
        "validation_error",
    ),
    "unknown-payment": (
        "shopify",
        "WEB",
        {"json": [SHOPIFY_WEBHOOK, {**SHOPIFY_WEBHOOK, "id": 2, "financial_status": "owed"}]},
        "invalid_input",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_a_bad_order_is_rejected_with_a_code_and_the_others_are_still_captured(
    shop: TestClient, admin: H, case: str
) -> None:
    fmt, channel, body, code = BAD_ROWS[case]
    report = imported(shop, admin, fmt, channel, **body)
    assert (report["rows"], report["created"], report["rejected"]) == (2, 1, 1)
    bad = next(r for r in report["results"] if r["result"] == "rejected")
    assert (bad["code"], bad["order_id"]) == (code, None)
    assert bad["message"] and bad["external_id"] and bad["ref"]
    captured = shop.get("/v1/orders", headers=admin, params={"channel": channel}).json()["data"]
    assert len(captured) == 1


def test_a_keel_order_for_another_channel_is_rejected_and_the_channel_may_be_left_out(
    shop: TestClient, admin: H
) -> None:
    elsewhere = {**KEEL_ORDERS[0], "external_id": "CS-9", "channel": "AMZ"}
    report = imported(shop, admin, "keel", "WEB", json=[*KEEL_ORDERS, elsewhere])
    assert [(r["result"], r["code"]) for r in report["results"]] == [
        ("created", None),
        ("rejected", "invalid_input"),
    ]


@pytest.mark.parametrize(
    ("params", "body", "status", "code"),
    [
        ({"channel": "WEB", "format": "xml"}, {"json": []}, 422, "validation_error"),
        ({"channel": "NOPE", "format": "keel"}, {"json": KEEL_ORDERS}, 404, "not_found"),
        ({"channel": "GONE", "format": "keel"}, {"json": KEEL_ORDERS}, 409, "inactive"),
        ({"format": "keel"}, {"json": KEEL_ORDERS}, 422, "validation_error"),
        ({"channel": "WEB", "format": "keel"}, {"json": KEEL_ORDERS[0]}, 422, "invalid_input"),
        ({"channel": "WEB", "format": "keel"}, {"content": b"[{"}, 422, "malformed_json"),
        ({"channel": "WEB", "format": "shopify"}, {"content": b"\xff\xfe"}, 422, "invalid_input"),
        ({"channel": "AMZ", "format": "amazon"}, {"content": b"sku\tqty\n"}, 422, "invalid_input"),
        ({"channel": "B2B", "format": "b2b_csv"}, {"content": b"po,sku\n"}, 422, "invalid_input"),
        ({"channel": "WEB", "format": "keel", "page": "2"}, {"json": []}, 422, "validation_error"),
    ],
    ids=[
        "unknown-format",
        "unknown-channel",
        "inactive-channel",
        "no-channel",
        "keel-not-a-list",
        "malformed-json",
        "not-utf8",
        "report-without-columns",
        "csv-with-unknown-columns",
        "unknown-parameter",
    ],
)
def test_a_batch_that_cannot_be_read_is_a_4xx_with_a_code_and_writes_nothing(
    shop: TestClient,
    admin: H,
    db: Database,
    params: H,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    md.create_record(db, ACTOR, md.CHANNELS, {"code": "GONE", "name": "Gone", "kind": "web_store"})
    md.deactivate_record(db, ACTOR, md.CHANNELS, "GONE")
    before = everything(db)
    reply = shop.post("/v1/orders/import", headers=admin, params=params, **body)
    assert (reply.status_code, reply.json()["code"]) == (status, code), reply.text
    assert everything(db) == before


def test_a_batch_over_the_row_cap_is_refused_whole(
    shop: TestClient, admin: H, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db.settings, "max_import_rows", 2)
    keel = [{**KEEL_ORDERS[0], "external_id": f"CS-{n}"} for n in range(3)]
    three_each = [
        ("keel", "WEB", {"json": keel}),
        ("shopify", "WEB", {"json": [SHOPIFY_WEBHOOK] * 3}),
        ("amazon", "AMZ", {"content": AMAZON_REPORT.encode()}),
        ("b2b_csv", "B2B", {"content": B2B_CSV.encode()}),
    ]
    for fmt, channel, body in three_each:
        params = {"channel": channel, "format": fmt}
        reply = shop.post("/v1/orders/import", headers=admin, params=params, **body)
        assert (reply.status_code, reply.json()["code"]) == (422, "invalid_input"), fmt
        assert reply.json()["details"] == {"limit": 2}
    assert shop.get("/v1/orders", headers=admin).json()["data"] == []


def test_importing_needs_the_order_capture_permission(
    shop: TestClient, key_for: KeyFor, db: Database
) -> None:
    planner, service = key_for(Role.PLANNER), key_for(Role.CUSTOMER_SERVICE)
    params = {"channel": "WEB", "format": "keel"}
    before = everything(db)
    refused = shop.post("/v1/orders/import", headers=planner, params=params, json=KEEL_ORDERS)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert everything(db) == before
    report = imported(shop, service, "keel", "WEB", json=KEEL_ORDERS)
    assert report["created"] == 1


def test_the_shopify_webhook_captures_one_order_201_and_a_redelivery_200(
    shop: TestClient, admin: H
) -> None:
    first = shop.post("/v1/channels/WEB/webhooks/shopify", headers=admin, json=SHOPIFY_WEBHOOK)
    again = shop.post(
        "/v1/channels/WEB/webhooks/shopify",
        headers={**admin, "Content-Type": "application/json"},
        content=json.dumps(SHOPIFY_WEBHOOK, indent=2).encode(),
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert (first.json()["external_id"], first.json()["total"]) == ("5520437788932", "101.2700")


@pytest.mark.parametrize(
    ("channel", "change", "status", "code"),
    [
        ("WEB", {"financial_status": "partially_paid"}, 422, "invalid_input"),
        ("WEB", {"line_items": "SKU-1"}, 422, "invalid_input"),
        ("WEB", {"shipping_address": None}, 422, "validation_error"),
        ("WEB", {"line_items": [{"sku": "NOPE", "quantity": 1, "price": "1"}]}, 404, "not_found"),
        ("NOPE", {}, 404, "not_found"),
    ],
    ids=["payment", "line-items", "no-address", "unknown-sku", "unknown-channel"],
)
def test_a_webhook_that_is_not_an_order_gets_a_4xx_and_writes_nothing(
    shop: TestClient,
    admin: H,
    db: Database,
    channel: str,
    change: dict[str, Any],
    status: int,
    code: str,
) -> None:
    before = everything(db)
    reply = shop.post(
        f"/v1/channels/{channel}/webhooks/shopify",
        headers=admin,
        json={**SHOPIFY_WEBHOOK, **change},
    )
    assert (reply.status_code, reply.json()["code"]) == (status, code), reply.text
    assert everything(db) == before


def test_generated_batches_get_a_report_or_a_4xx_never_a_server_error(
    shop: TestClient, admin: H
) -> None:
    client = TestClient(shop.app, raise_server_exceptions=False)
    numbers = st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    anything = st.recursive(
        st.none() | st.booleans() | numbers | st.text(max_size=6),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
        max_leaves=10,
    )
    webhooks = st.lists(
        st.dictionaries(st.sampled_from(sorted(SHOPIFY_WEBHOOK)), anything, max_size=3).map(
            lambda changes: {**SHOPIFY_WEBHOOK, **changes}
        ),
        max_size=3,
    )
    rows = st.text(alphabet=st.sampled_from("\t\n,\"' -.0123456789SKU"), max_size=80)
    batches = st.one_of(
        webhooks.map(lambda body: ("shopify", "WEB", {"json": body})),
        st.lists(anything, max_size=3).map(lambda body: ("keel", "WEB", {"json": body})),
        rows.map(lambda text: ("amazon", "AMZ", {"content": AMAZON_COLUMNS + "\n" + text})),
        rows.map(
            lambda text: ("b2b_csv", "B2B", {"content": B2B_CSV.splitlines()[0] + "\n" + text})
        ),
    )

    @settings(
        max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(batches)
    def send(batch: tuple[str, str, dict[str, Any]]) -> None:
        fmt, channel, body = batch
        params = {"channel": channel, "format": fmt}
        reply = client.post("/v1/orders/import", headers=admin, params=params, **body)
        assert reply.status_code in (200, 422), reply.text
        report = reply.json()
        if reply.status_code == 422:
            assert report["code"] in ("invalid_input", "malformed_json")
            return
        counts = [report["created"], report["duplicate"], report["rejected"]]
        assert sum(counts) == report["rows"] == len(report["results"])

    send()
