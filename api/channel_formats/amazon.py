"""A marketplace order report (Amazon-like, tab-separated, one row per order item) into
OrderCreate bodies: the rows of one order-id make one order.

Field mapping, report column -> Keel:

    order-id                        external_id
    buyer-email                     customer.email, and customer.code as "<channel>-<digest of
                                    the email>" (reports carry no buyer id; codes are global)
    buyer-name                      customer.name (else the email)
    sku, quantity-purchased         lines[].sku, qty
    item-price                      the whole line's price: unit_price is item-price / qty
                                    rounded up to 4 places, and what rounding added comes back
                                    as discount, so the line nets to item-price exactly
    item-promotion-discount         lines[].discount, added (optional; its size, as some
                                    reports write it negative)
    item-tax                        lines[].tax (for the whole line)
    shipping-price                  shipping (the sum over the order's rows)
    ship-service-level              shipping_method
    recipient-name, ship-address-1, ship_to.name, line1,
      ship-address-2, ship-city,      line2, city,
      ship-state, ship-postal-code,   region, postcode,
      ship-country                    country
    currency                        currency (optional; EUR when absent)

purchase-date and other columns are ignored (Keel stamps its own receipt time). Payment is
captured: the marketplace collected it before the order reached the report. Cells are taken
literally, without quoting, as such reports are written; an order whose rows disagree on an
order-level column, or without any address, is refused.
"""

from __future__ import annotations

import csv
import hashlib
import io
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

from api.channel_formats.flat_files import (
    Parsed,
    Row,
    cell,
    first_of_agreeing,
    grouped_orders,
    header,
)
from erp_core.domain.errors import InvalidInput

REQUIRED = ("order-id", "sku", "quantity-purchased", "item-price")
ADDRESS = {
    "name": "recipient-name",
    "line1": "ship-address-1",
    "line2": "ship-address-2",
    "city": "ship-city",
    "region": "ship-state",
    "postcode": "ship-postal-code",
    "country": "ship-country",
}
ORDER_COLUMNS = ("buyer-email", "buyer-name", "ship-service-level", "currency", *ADDRESS.values())
UNIT = Decimal("0.0001")


def orders(text: str, channel: str, max_rows: int) -> list[Parsed]:
    """One entry per order-id; its ref names the report lines it came from."""
    reader = csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    missing = [column for column in REQUIRED if column not in header(reader)]
    if missing:
        raise InvalidInput(f"the report has no {', '.join(missing)} column", missing=missing)
    return grouped_orders(
        reader,
        "order-id",
        max_rows,
        "report",
        lambda order_id, rows: _order(channel, order_id, rows),
    )


def _order(channel: str, order_id: str, rows: list[Row]) -> dict[str, Any]:
    first = first_of_agreeing("order-id", order_id, rows, ORDER_COLUMNS)
    address = {ours: cell(first, theirs) or None for ours, theirs in ADDRESS.items()}
    body = {
        "channel": channel,
        "external_id": order_id,
        "customer": _customer(channel, first),
        "ship_to": address if any(address.values()) else None,
        "lines": [_line(row) for _, row in rows],
        "shipping_method": cell(first, "ship-service-level") or None,
        "payment_status": "captured",
        "shipping": sum((_money(row, "shipping-price") for _, row in rows), Decimal(0)),
        "currency": cell(first, "currency") or None,
    }
    return {key: value for key, value in body.items() if value is not None}


def _customer(channel: str, row: dict[str, Any]) -> dict[str, Any] | None:
    email = cell(row, "buyer-email")
    if not email:
        return None
    digest = hashlib.sha256(email.lower().encode()).hexdigest()[:16]
    return {
        "code": f"{channel}-{digest}",
        "name": cell(row, "buyer-name") or email,
        "email": email,
    }


def _line(row: dict[str, Any]) -> dict[str, Any]:
    text = cell(row, "quantity-purchased")
    try:
        qty = int(text)
    except ValueError:
        raise InvalidInput(f"quantity-purchased {text!r} is not a whole number") from None
    price = _money(row, "item-price")
    line = {"sku": cell(row, "sku"), "qty": qty, "unit_price": price}
    if qty < 1:
        return line  # OrderCreate refuses the quantity, as POST /v1/orders does
    unit = (price / qty).quantize(UNIT, rounding=ROUND_CEILING)
    promotion = abs(_money(row, "item-promotion-discount"))
    tax = _money(row, "item-tax")
    return {**line, "unit_price": unit, "discount": unit * qty - price + promotion, "tax": tax}


def _money(row: dict[str, Any], column: str) -> Decimal:
    text = cell(row, column)
    try:
        value = Decimal(text or 0)
    except InvalidOperation:
        raise InvalidInput(f"{column} {text!r} is not an amount", column=column) from None
    # The exponent bound keeps the arithmetic above exact; OrderCreate bounds the rest.
    if not value.is_finite() or value.adjusted() > 15:
        raise InvalidInput(f"{column} {text!r} is not an amount", column=column)
    return value
