"""The channel payload adapters, without a database: each shape maps onto OrderCreate bodies,
and what cannot be read is a problem of its own order (or of the whole file, for its header)."""

from __future__ import annotations

import contextlib
import copy
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from api.channel_formats import amazon, b2b_csv, shopify
from api.schemas.orders import OrderCreate
from erp_core.domain.errors import InvalidInput
from tests.api.test_order_import import AMAZON_REPORT, B2B_CSV, SHOPIFY_WEBHOOK


def webhook(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(SHOPIFY_WEBHOOK), **changes}


def good(parsed: list[tuple[str, Any]]) -> list[OrderCreate]:
    """Every entry is a body POST /v1/orders would accept."""
    assert all(isinstance(values, dict) for _, values in parsed), parsed
    return [OrderCreate.model_validate(values) for _, values in parsed]


def problems(parsed: list[tuple[str, Any]]) -> dict[str, str]:
    return {ref: v.message for ref, v in parsed if isinstance(v, InvalidInput)}


# --- Shopify-like webhooks -------------------------------------------------------------------


def test_a_shopify_webhook_maps_onto_one_order_body() -> None:
    assert shopify.order(SHOPIFY_WEBHOOK, "WEB") == {
        "channel": "WEB",
        "external_id": "5520437788932",
        "customer": {
            "code": "WEB-7210981654788",
            "name": "Jon Snow",
            "email": "jon.snow@example.com",
        },
        "ship_to": {
            "name": "Jon Snow",
            "line1": "Chausseestraße 12",
            "line2": "2. OG links",
            "city": "Berlin",
            "postcode": "10115",
            "region": "BE",
            "country": "DE",
        },
        "lines": [
            {
                "sku": "SKU-1",
                "qty": 2,
                "unit_price": "19.99",
                "discount": "4.00",
                "tax": Decimal("6.84"),
            },
            {
                "sku": "SKU-2",
                "qty": 1,
                "unit_price": "45.00",
                "discount": "0.00",
                "tax": Decimal("8.55"),
            },
        ],
        "shipping_method": "standard",
        "payment_status": "captured",
        "shipping": Decimal("4.90"),
        "currency": "EUR",
    }
    assert good(shopify.orders(SHOPIFY_WEBHOOK, "WEB"))[0].lines[0].unit_price == Decimal("19.99")


@pytest.mark.parametrize(
    ("financial_status", "payment_status"),
    [
        ("paid", "captured"),
        ("authorized", "authorized"),
        ("pending", "pending"),
        ("voided", "failed"),
        ("refunded", "failed"),
    ],
)
def test_the_financial_status_becomes_the_payment_status(
    financial_status: str, payment_status: str
) -> None:
    body = shopify.order(webhook(financial_status=financial_status), "WEB")
    assert body["payment_status"] == payment_status


@pytest.mark.parametrize("status", ["partially_paid", None, ["paid"], 1])
def test_a_financial_status_without_a_keel_payment_status_is_a_problem(status: Any) -> None:
    with pytest.raises(InvalidInput, match="financial_status"):
        shopify.order(webhook(financial_status=status), "WEB")


def test_taxes_and_shipping_lines_are_summed_and_the_method_falls_back_to_the_title() -> None:
    hook = webhook(shipping_lines=[{"title": "DHL Express", "price": "9.90"}, {"price": 1}])
    hook["line_items"][0]["tax_lines"] = [{"price": "5.00"}, {"price": 1.84}]
    body = shopify.order(hook, "WEB")
    assert (body["shipping_method"], body["shipping"]) == ("DHL Express", Decimal("10.90"))
    assert body["lines"][0]["tax"] == Decimal("6.84")


def test_the_name_stands_in_for_a_missing_id_and_a_guest_has_no_customer() -> None:
    body = shopify.order(webhook(id=None, customer=None), "WEB")
    assert body["external_id"] == "#1042" and "customer" not in body
    with pytest.raises(InvalidInput, match="neither an id nor a name"):
        shopify.order(webhook(id=True, name=""), "WEB")


def test_a_customer_without_names_is_named_by_the_email() -> None:
    body = shopify.order(webhook(customer={"id": 9, "first_name": None}), "WEB")
    assert body["customer"] == {
        "code": "WEB-9",
        "name": "jon.snow@example.com",
        "email": "jon.snow@example.com",
    }


def test_a_webhook_without_a_shipping_address_is_refused_like_post_orders() -> None:
    body = shopify.order(webhook(shipping_address=None), "WEB")
    with pytest.raises(ValidationError, match="ship_to"):
        OrderCreate.model_validate(body)


@pytest.mark.parametrize(
    "change",
    [
        {"line_items": "SKU-1"},
        {"line_items": [1, 2]},
        {"shipping_lines": {"price": "1"}},
        {"shipping_lines": [{"price": "free"}]},
        {"shipping_lines": [{"price": True}]},
        {"shipping_lines": [{"price": "NaN"}]},
        {"shipping_lines": [{"price": "1e999999"}]},
        {"line_items": [{"sku": "SKU-1", "tax_lines": [{"price": {"amount": 1}}]}]},
    ],
)
def test_a_webhook_whose_lists_or_amounts_cannot_be_read_is_a_problem(
    change: dict[str, Any],
) -> None:
    with pytest.raises(InvalidInput):
        shopify.order(webhook(**change), "WEB")


def test_a_list_of_webhooks_gives_one_entry_each_and_a_non_object_is_a_problem() -> None:
    parsed = shopify.orders([SHOPIFY_WEBHOOK, "nope", webhook(id=7)], "WEB")
    assert [ref for ref, _ in parsed] == ["item 1", "item 2", "item 3"]
    assert problems(parsed) == {"item 2": "a webhook is a JSON object"}


# --- Amazon-like order reports ----------------------------------------------------------------


def test_an_order_report_groups_rows_by_order_id_into_captured_orders() -> None:
    parsed = amazon.orders(AMAZON_REPORT, "AMZ", 100)
    assert [ref for ref, _ in parsed] == ["lines 2, 3", "line 4"]
    erika, max_ = good(parsed)
    assert (erika.external_id, erika.payment_status, erika.shipping_method) == (
        "028-1234567-1234567",
        "captured",
        "Standard",
    )
    assert [(x.sku, x.qty, x.unit_price, x.discount, x.tax) for x in erika.lines] == [
        ("SKU-1", 2, Decimal("19.9900"), Decimal("0.0000"), Decimal("7.60")),
        ("SKU-3", 3, Decimal("3.3334"), Decimal("0.0002"), Decimal("1.90")),
    ]
    assert erika.shipping == Decimal("3.00") and max_.shipping == Decimal("4.99")
    assert erika.customer is not None and erika.customer.name == "Erika Mustermann"
    assert erika.customer.code.startswith("AMZ-") and len(erika.customer.code) == 20
    assert max_.ship_to.model_dump() == {
        "name": "Max Muster",
        "line1": "Ringstraße 1",
        "line2": "Top 4",
        "city": "Wien",
        "postcode": "1010",
        "region": "Wien",
        "country": "AT",
    }


def report(*rows: dict[str, str]) -> str:
    columns = list(dict.fromkeys(c for row in rows for c in row))
    body = ["\t".join(row.get(c, "") for c in columns) for row in rows]
    return "\n".join(["\t".join(columns), *body])


ROW = {
    "order-id": "111-1",
    "sku": "SKU-1",
    "quantity-purchased": "1",
    "item-price": "10.00",
    "buyer-email": "Buyer@Marketplace.Example",
    "recipient-name": "Ann",
    "ship-city": "Köln",
}


def test_a_buyer_is_known_by_a_digest_of_the_email_whatever_its_case() -> None:
    (_, one), (_, other) = amazon.orders(
        report(ROW, {**ROW, "order-id": "111-2", "buyer-email": "buyer@marketplace.example"}),
        "AMZ",
        10,
    )
    assert isinstance(one, dict) and isinstance(other, dict)
    assert one["customer"]["code"] == other["customer"]["code"]
    assert one["customer"]["name"] == "Buyer@Marketplace.Example"


def test_a_promotion_discount_adds_to_the_line_discount_whatever_its_sign() -> None:
    ((_, order),) = amazon.orders(report({**ROW, "item-promotion-discount": "-2.50"}), "AMZ", 10)
    assert isinstance(order, dict)
    assert order["lines"] == [
        {
            "sku": "SKU-1",
            "qty": 1,
            "unit_price": Decimal("10.0000"),
            "discount": Decimal("2.50"),
            "tax": Decimal(0),
        }
    ]


def test_quotes_in_a_report_are_taken_literally() -> None:
    ((_, order),) = amazon.orders(report({**ROW, "product-name": '12" "pro" board'}), "AMZ", 10)
    assert isinstance(order, dict) and order["external_id"] == "111-1"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{**ROW, "order-id": ""}], "order-id is empty"),
        ([ROW, {**ROW, "ship-city": "Bonn"}], "the rows disagree on ship-city"),
        ([{**ROW, "quantity-purchased": "1.5"}], "not a whole number"),
        ([{**ROW, "item-price": "10,00"}], "item-price '10,00' is not an amount"),
        ([{**ROW, "item-tax": "Infinity"}], "item-tax 'Infinity' is not an amount"),
    ],
)
def test_an_order_whose_rows_cannot_be_read_is_a_problem_of_that_order_only(
    rows: list[dict[str, str]], message: str
) -> None:
    other = {**ROW, "order-id": "222-2"}
    parsed = amazon.orders(report(*rows, other), "AMZ", 10)
    assert [type(values) for _, values in parsed] == [InvalidInput, dict]
    assert message in problems(parsed)[parsed[0][0]]


def test_extra_cells_and_no_address_make_an_order_a_problem() -> None:
    text = report(ROW) + "\textra"
    assert problems(amazon.orders(text, "AMZ", 10)) == {
        "line 2": "line 2 has more cells than columns"
    }
    bare = {k: v for k, v in ROW.items() if k not in ("recipient-name", "ship-city")}
    ((_, order),) = amazon.orders(report(bare), "AMZ", 10)
    assert isinstance(order, dict) and "ship_to" not in order


def test_a_zero_quantity_is_left_for_order_create_to_refuse() -> None:
    ((_, order),) = amazon.orders(report({**ROW, "quantity-purchased": "0"}), "AMZ", 10)
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        OrderCreate.model_validate(order)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no order-id, sku, quantity-purchased, item-price column"),
        ("order-id\tsku\n1\tA\n", "no quantity-purchased, item-price column"),
        (report(ROW, ROW, ROW), "limited to 2 rows"),
    ],
)
def test_a_report_without_the_needed_columns_or_over_the_cap_is_refused_whole(
    text: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        amazon.orders(text, "AMZ", 2)


# --- B2B portal CSV ---------------------------------------------------------------------------


def test_a_b2b_csv_groups_rows_by_po_into_authorized_orders() -> None:
    parsed = b2b_csv.orders(B2B_CSV, "B2B", 100)
    assert [ref for ref, _ in parsed] == ["lines 2, 3", "line 4"]
    acme, bolt = good(parsed)
    assert (acme.external_id, acme.payment_status, acme.shipping_method) == (
        "PO-4711",
        "authorized",
        "freight",
    )
    assert [(x.sku, x.qty, x.unit_price, x.discount) for x in acme.lines] == [
        ("SKU-1", 10, Decimal("8.50"), Decimal("8.50")),
        ("SKU-2", 4, Decimal("40.00"), Decimal(0)),
    ]
    assert str(acme.requested_delivery_date) == "2024-04-02"
    assert bolt.customer is not None
    assert (bolt.customer.code, bolt.customer.name) == ("BOLT-AG", "Bolt AG, Einkauf")
    assert bolt.requested_delivery_date is None and bolt.ship_to.city == "Zürich"
    # No tax column: the line's tax is left to the ship-to jurisdiction's rate.
    assert (bolt.shipping, bolt.lines[0].tax) == (Decimal(0), None)


CSV_HEAD = "po_number,customer_code,customer_name,sku,qty,unit_price,ship_city\n"


def test_the_customer_name_defaults_to_the_code_and_no_code_means_no_customer() -> None:
    text = CSV_HEAD + "PO-1,C-9,,SKU-1,1,5,Graz\nPO-2,,,SKU-1,1,5,Graz\n"
    (_, named), (_, anonymous) = b2b_csv.orders(text, "B2B", 10)
    assert isinstance(named, dict) and named["customer"] == {"code": "C-9", "name": "C-9"}
    assert isinstance(anonymous, dict) and "customer" not in anonymous


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (",C-1,,SKU-1,1,5,Graz\n", "po_number is empty"),
        ("PO-1,C-1,,SKU-1,1,5,Graz\nPO-1,C-2,,SKU-2,1,5,Graz\n", "disagree on customer_code"),
        ("PO-1,C-1,,SKU-1,1,5,Graz,extra\n", "more cells than columns"),
    ],
)
def test_a_purchase_order_whose_rows_cannot_be_read_is_a_problem_of_that_order_only(
    rows: str, message: str
) -> None:
    parsed = b2b_csv.orders(CSV_HEAD + rows + "PO-9,C-1,,SKU-1,1,5,Graz\n", "B2B", 10)
    assert [type(values) for _, values in parsed] == [InvalidInput, dict]
    assert message in problems(parsed)[parsed[0][0]]


def test_cells_are_left_for_order_create_to_read_with_the_rules_of_post_orders() -> None:
    text = CSV_HEAD + "PO-1,C-1,,SKU-1,two,-5,\n"
    ((_, order),) = b2b_csv.orders(text, "B2B", 10)
    assert isinstance(order, dict) and "ship_to" not in order
    with pytest.raises(ValidationError) as refused:
        OrderCreate.model_validate(order)
    assert {e["loc"] for e in refused.value.errors()} == {
        ("ship_to",),
        ("shipping_method",),
        ("lines", 0, "qty"),
        ("lines", 0, "unit_price"),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "needs the columns"),
        ("po_number,sku,qty\n", "needs the columns"),
        ("po_number,sku,qty,unit_price,discout\n", "needs the columns"),
        (CSV_HEAD + "PO-1,C,,SKU-1,1,5,Graz\n" * 3, "limited to 2 rows"),
        (CSV_HEAD + '"' + "x" * 200_000, "not readable"),
    ],
)
def test_a_csv_with_wrong_columns_over_the_cap_or_unreadable_is_refused_whole(
    text: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        b2b_csv.orders(text, "B2B", 2)


# --- Whatever arrives, the adapters answer with a body or a problem ----------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
WEBHOOK_KEYS = st.sampled_from(sorted(SHOPIFY_WEBHOOK))
LINE_KEYS = st.sampled_from(sorted(SHOPIFY_WEBHOOK["line_items"][0]))


def accepted_or_refused(body: dict[str, Any]) -> None:
    """OrderCreate reads it, or refuses it with a validation error; nothing else."""
    with contextlib.suppress(ValidationError):
        OrderCreate.model_validate(body)


@settings(max_examples=300, deadline=None)
@given(
    changes=st.dictionaries(WEBHOOK_KEYS, JSON, max_size=4),
    line_changes=st.dictionaries(LINE_KEYS, JSON, max_size=3),
)
def test_any_webhook_is_an_order_body_or_a_problem(
    changes: dict[str, Any], line_changes: dict[str, Any]
) -> None:
    hook = webhook()
    hook["line_items"][0].update(line_changes)
    hook.update(changes)
    with contextlib.suppress(InvalidInput):
        accepted_or_refused(shopify.order(hook, "WEB"))


FLAT = st.text(alphabet=st.sampled_from("\t\n,\"' -.0123456789aZé"), max_size=120)


@settings(max_examples=300, deadline=None)
@given(rows=FLAT)
def test_any_report_text_is_order_bodies_or_problems(rows: str) -> None:
    for text, parse in (
        (AMAZON_REPORT.splitlines()[0] + "\n" + rows, amazon.orders),
        (B2B_CSV.splitlines()[0] + "\n" + rows, b2b_csv.orders),
    ):
        try:
            parsed = parse(text, "CH", 100)
        except InvalidInput:
            continue
        for _, values in parsed:
            if isinstance(values, dict):
                accepted_or_refused(values)
