"""A web-store `orders/create` webhook (Shopify-like JSON) into OrderCreate bodies.

Field mapping, webhook -> Keel:

    id (else name)                        external_id
    customer.id                           customer.code as "<channel>-<id>" (codes are global)
    customer.first_name + last_name       customer.name (else the email, else the code)
    customer.email (else email)           customer.email
    shipping_address.name, address1,      ship_to.name, line1,
      address2, city, zip,                  line2, city, postcode,
      province_code, country_code           region, country
    line_items[].sku, quantity            lines[].sku, qty
    line_items[].price                    lines[].unit_price (the webhook's price is per unit)
    line_items[].total_discount           lines[].discount (for the whole line)
    line_items[].tax_lines[].price        lines[].tax (their sum)
    shipping_lines[0].code (else title)   shipping_method
    shipping_lines[].price                shipping (their sum)
    financial_status                      payment_status: paid -> captured, authorized ->
                                          authorized, pending -> pending, voided and
                                          refunded -> failed
    currency                              currency (EUR when absent)

Other webhook fields are ignored. A webhook without a shipping address has no ship_to and is
refused, as POST /v1/orders refuses one. Values are passed on as sent, so OrderCreate refuses
a bad quantity or price with the same message as POST /v1/orders; only the amounts Keel adds up
(taxes, shipping) are read here.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from erp_core.domain.errors import InvalidInput

Parsed = tuple[str, dict[str, Any] | InvalidInput]

PAYMENT = {
    "paid": "captured",
    "authorized": "authorized",
    "pending": "pending",
    "voided": "failed",
    "refunded": "failed",
}


def orders(payload: Any, channel: str) -> list[Parsed]:
    """One webhook object or a list of them; `item n` says where each sits in the list."""
    webhooks = payload if isinstance(payload, list) else [payload]
    parsed: list[Parsed] = []
    for n, webhook in enumerate(webhooks, start=1):
        try:
            parsed.append((f"item {n}", order(webhook, channel)))
        except InvalidInput as problem:
            parsed.append((f"item {n}", problem))
    return parsed


def order(webhook: Any, channel: str) -> dict[str, Any]:
    """The OrderCreate body of one webhook; InvalidInput when it cannot be read as an order."""
    if not isinstance(webhook, dict):
        raise InvalidInput("a webhook is a JSON object")
    external_id = _external_id(webhook)
    status = webhook.get("financial_status")
    if not isinstance(status, str) or status not in PAYMENT:
        raise InvalidInput(
            f"financial_status {status!r} has no Keel payment status",
            external_id=external_id,
            allowed=sorted(PAYMENT),
        )
    shipping = _objects(webhook, "shipping_lines")
    method = shipping[0].get("code") or shipping[0].get("title") if shipping else None
    body = {
        "channel": channel,
        "external_id": external_id,
        "customer": _customer(webhook, channel),
        "ship_to": _address(webhook.get("shipping_address")),
        "lines": [_line(item) for item in _objects(webhook, "line_items")],
        "shipping_method": method,
        "payment_status": PAYMENT[status],
        "shipping": _sum("shipping_lines.price", [s.get("price") for s in shipping]),
        "currency": webhook.get("currency"),
    }
    return {key: value for key, value in body.items() if value is not None}


def _external_id(webhook: dict[str, Any]) -> str:
    for key in ("id", "name"):
        value = webhook.get(key)
        if isinstance(value, int | str) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    raise InvalidInput("the webhook has neither an id nor a name")


def _customer(webhook: dict[str, Any], channel: str) -> dict[str, Any] | None:
    customer = webhook.get("customer")
    if not isinstance(customer, dict) or customer.get("id") in (None, ""):
        return None
    code = f"{channel}-{customer['id']}"
    email = customer.get("email") or webhook.get("email")
    names = [_text(customer.get(key)) for key in ("first_name", "last_name")]
    name = " ".join(n for n in names if n) or _text(email) or code
    return {"code": code, "name": name, "email": email}


def _address(address: Any) -> dict[str, Any] | None:
    if not isinstance(address, dict):
        return None
    fields = {
        "name": "name",
        "line1": "address1",
        "line2": "address2",
        "city": "city",
        "postcode": "zip",
        "region": "province_code",
        "country": "country_code",
    }
    return {ours: address.get(theirs) for ours, theirs in fields.items()}


def _line(item: dict[str, Any]) -> dict[str, Any]:
    taxes = [tax.get("price") for tax in _objects(item, "tax_lines")]
    line = {
        "sku": item.get("sku"),
        "qty": item.get("quantity"),
        "unit_price": item.get("price"),
        "discount": item.get("total_discount"),
        "tax": _sum("tax_lines.price", taxes),
    }
    return {key: value for key, value in line.items() if value is not None}


def _objects(parent: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = parent.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InvalidInput(f"{key} is a list of objects", field=key)
    return value


def _sum(field: str, amounts: list[Any]) -> Decimal:
    return sum((_amount(field, amount) for amount in amounts), Decimal(0))


def _amount(field: str, raw: Any) -> Decimal:
    # A bool is an int to Python, not an amount; the exponent bound keeps sums exact.
    if isinstance(raw, int | float | str) and not isinstance(raw, bool):
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            pass
        else:
            if value.is_finite() and value.adjusted() <= 15:
                return value
    raise InvalidInput(f"{field} {raw!r} is not an amount", field=field)


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
