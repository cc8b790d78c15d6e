"""Tax by jurisdiction: rates set per country or region apply to lines whose channel left the
tax out, flow into invoices and credit notes, and the report sums them per jurisdiction."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from erp_core.domain.access import Role
from tests.api.test_orders_api import ADDRESS, order
from tests.api.test_orders_api import shop as shop  # noqa: F401  (the fixture)
from tests.api.test_returns_api import inspected
from tests.conftest import KeyFor

H = dict[str, str]
TODAY = date.today().isoformat()


def untaxed(external_id: str, ship_to: dict[str, Any], qty: int = 2) -> dict[str, Any]:
    line = {"sku": "SKU-1", "qty": qty, "unit_price": "10.00", "discount": "1.00"}
    # A customer each: one customer's orders in quick succession would be held as anomalous.
    customer = {"code": external_id, "name": f"Customer {external_id}"}
    return order(external_id, ship_to=ship_to, lines=[line], customer=customer)


def ship(client: TestClient, who: H, body: dict[str, Any]) -> dict[str, Any]:
    captured = client.post("/v1/orders", headers=who, json=body)
    assert captured.status_code == 201, captured.text
    order_id = captured.json()["id"]
    released = client.post(f"/v1/orders/{order_id}/release", headers=who)
    assert released.is_success, ([h["reason"] for h in captured.json()["holds"]], released.text)
    qty = body["lines"][0]["qty"]
    shipped = client.post(
        f"/v1/orders/{order_id}/shipments",
        headers=who,
        json={"location": "DC-1", "carrier": "DHL", "lines": [{"line_no": 1, "qty": qty}]},
    )
    assert shipped.status_code == 201, shipped.text
    return dict(captured.json())


@pytest.fixture
def rates(shop: TestClient, key_for: KeyFor) -> H:  # noqa: F811
    finance = key_for(Role.FINANCE)
    for jurisdiction, rate, since in (
        ("DE", "0.19", "2020-01-01"),
        ("de", "0.25", "2099-01-01"),  # not yet in force
        ("US-CA", "0.0725", "2020-01-01"),
        ("US", "0", "2020-01-01"),
    ):
        reply = shop.put(
            f"/v1/finance/tax-rates/{jurisdiction}",
            headers=finance,
            json={"rate": rate, "valid_from": since},
        )
        assert reply.status_code == 200, reply.text
    return finance


def test_the_ship_to_jurisdiction_taxes_untaxed_lines_and_the_report_sums_it(
    shop: TestClient,  # noqa: F811
    rates: H,
    admin: H,
) -> None:
    berlin = ship(shop, admin, untaxed("DE-1", ADDRESS))
    # 0.19 x (2 x 10.00 - 1.00) = 3.61
    assert berlin["tax"] == "3.6100" and berlin["lines"][0]["tax"] == "3.6100"
    california = ship(shop, admin, untaxed("CA-1", {**ADDRESS, "country": "us", "region": "ca"}))
    # 0.0725 x 19.00 = 1.3775 -> 1.38 (half up to the cent)
    assert california["tax"] == "1.3800"
    texas = ship(shop, admin, untaxed("TX-1", {**ADDRESS, "country": "US", "region": "TX"}))
    assert texas["tax"] == "0.0000"  # no Texas rate: the country's, 0
    stated = ship(
        shop, admin, {**untaxed("MP-1", ADDRESS), "lines": [{**order()["lines"][0], "tax": "2.00"}]}
    )
    assert stated["tax"] == "2.0000"  # the channel's own figure stands
    rma_id = inspected(shop, admin, berlin["id"], qty=1)
    refund = shop.post(f"/v1/returns/{rma_id}/refund", headers=admin, json={})
    assert refund.status_code in (200, 201), refund.text
    report = shop.get(f"/v1/finance/tax?start={TODAY}&end={TODAY}", headers=rates).json()
    assert {
        r["jurisdiction"]: (r["taxable"], r["tax_invoiced"], r["tax_credited"], r["tax_due"])
        for r in report["jurisdictions"]
    } == {
        # DE: DE-1 and MP-1, 19.00 taxable each; MP-1's 2.00 stated; one of DE-1's two units
        # credited back: 3.61 / 2 = 1.805 -> 1.8050 (4 places, as invoices split tax)
        "DE": ("38.0000", "5.6100", "1.8050", "3.8050"),
        "US-CA": ("19.0000", "1.3800", "0", "1.3800"),
        "US": ("19.0000", "0.0000", "0", "0.0000"),
    }


def test_rates_are_listed_and_bad_rates_are_refused(
    shop: TestClient,  # noqa: F811
    rates: H,
    key_for: KeyFor,
) -> None:
    listed = shop.get("/v1/finance/tax-rates", headers=rates).json()
    assert [(r["jurisdiction"], r["valid_from"]) for r in listed] == [
        ("DE", "2020-01-01"),
        ("DE", "2099-01-01"),
        ("US", "2020-01-01"),
        ("US-CA", "2020-01-01"),
    ]
    for path, body in (
        ("/v1/finance/tax-rates/DE", {"rate": "1.5", "valid_from": "2020-01-01"}),
        ("/v1/finance/tax-rates/DE", {"rate": "-0.1", "valid_from": "2020-01-01"}),
        ("/v1/finance/tax-rates/D%20E", {"rate": "0.1", "valid_from": "2020-01-01"}),
    ):
        assert shop.put(path, headers=rates, json=body).status_code == 422
    backwards = shop.get("/v1/finance/tax?start=2026-02-01&end=2026-01-01", headers=rates)
    assert (backwards.status_code, backwards.json()["code"]) == (422, "invalid_input")
    planner = key_for(Role.PLANNER)
    assert (
        shop.put(
            "/v1/finance/tax-rates/DE",
            headers=planner,
            json={"rate": "0.1", "valid_from": "2020-01-01"},
        ).status_code
        == 403
    )
