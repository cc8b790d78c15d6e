"""Shipping expense: each shipment books what the carrier charges, from the label or priced on
the lane's rates for the weight shipped, against carriers payable."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from erp_core.adapters.database import Database
from erp_core.domain.routing import Band, parcels_cents
from erp_core.queries.books import JournalFilter, account_balances, journal_page
from tests.api.test_orders_api import order
from tests.api.test_orders_api import shop as shop  # noqa: F401  (the fixture)

H = dict[str, str]


def shipped(client: TestClient, who: H, external_id: str, **extra: str) -> dict:  # type: ignore[type-arg]
    body = order(external_id, customer={"code": external_id, "name": external_id})
    order_id = client.post("/v1/orders", headers=who, json=body).json()["id"]
    assert client.post(f"/v1/orders/{order_id}/release", headers=who).is_success
    reply = client.post(
        f"/v1/orders/{order_id}/shipments",
        headers=who,
        json={"location": "DC-1", "carrier": "DHL", "lines": [{"line_no": 1, "qty": 2}]} | extra,
    )
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def test_the_label_cost_or_the_lane_price_is_booked_as_shipping_expense(
    shop: TestClient,  # noqa: F811
    admin: H,
    db: Database,
) -> None:
    shop.patch("/v1/items/SKU-1", headers=admin, json={"weight_kg": "1.5"})
    labelled = shipped(shop, admin, "WEB-1", shipping_cost="7.25")
    assert labelled["shipments"][0]["shipping_cost"] == "7.2500"
    priced = shipped(shop, admin, "WEB-2")
    # No zone or rate table: the flat default lane, 4.50 a package + 0.40 a kg x 3 kg = 5.70.
    assert priced["shipments"][0]["shipping_cost"] == "5.7000"
    books = db.read(lambda s: account_balances(s, None))
    assert books["shipping_expense"] == Decimal("12.9500")
    assert books["carrier_payable"] == Decimal("-12.9500")
    entries = db.read(lambda s: journal_page(s, JournalFilter(account="shipping_expense"), None, 5))
    assert {e["reference"].split("/")[0] for e in entries.data} == {
        f"order:{labelled['id']}",
        f"order:{priced['id']}",
    }


def test_a_heavy_shipment_goes_in_as_few_packages_as_the_heaviest_band_allows() -> None:
    bands = (Band(1000, 300, 0), Band(5000, 600, 10))
    assert parcels_cents(bands, 800) == 300
    # 12 kg: 5 + 5 + 2 kg, each at the 5 kg band: 3 x 6.00 + (50 + 50 + 20) cents per kg
    assert parcels_cents(bands, 12_000) == 1920
    assert parcels_cents((Band(None, 450, 40),), 3000) == 570
