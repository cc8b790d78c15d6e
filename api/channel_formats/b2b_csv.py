"""A B2B portal CSV (one row per order line) into OrderCreate bodies: the rows of one
po_number make one order.

Field mapping, column -> Keel:

    po_number                         external_id
    customer_code, customer_name      customer.code, name (the name defaults to the code)
    sku, qty, unit_price              lines[].sku, qty, unit_price (price per unit)
    discount                          lines[].discount: an amount off the whole line, not a rate
    requested_date                    requested_delivery_date (YYYY-MM-DD)
    ship_name, ship_line1, ship_city, ship_to.name, line1, city,
      ship_postcode, ship_country       postcode, country
    shipping_method                   shipping_method

Payment is authorized: business customers buy on account. There is no tax column: each line
gets the ship-to jurisdiction's rate (GET /v1/finance/tax-rates); nor a shipping column:
shipping is zero. po_number, sku, qty and unit_price are required columns, and a column
not listed here refuses the file, so a misspelt discount column is not silently dropped. Cells
are passed on as text for OrderCreate to read, with the rules of POST /v1/orders; an order whose
rows disagree on an order-level column, or without any address, is refused.
"""

from __future__ import annotations

import csv
import io
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

REQUIRED = ("po_number", "sku", "qty", "unit_price")
ADDRESS = {
    "name": "ship_name",
    "line1": "ship_line1",
    "city": "ship_city",
    "postcode": "ship_postcode",
    "country": "ship_country",
}
ORDER_COLUMNS = (
    "customer_code",
    "customer_name",
    "requested_date",
    "shipping_method",
    *ADDRESS.values(),
)
LINE_COLUMNS = {"sku": "sku", "qty": "qty", "unit_price": "unit_price", "discount": "discount"}
COLUMNS = {*REQUIRED, *ORDER_COLUMNS, *LINE_COLUMNS}


def orders(text: str, channel: str, max_rows: int) -> list[Parsed]:
    """One entry per po_number; its ref names the file lines it came from."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        names = header(reader)
    except csv.Error as error:
        raise InvalidInput(f"the file is not valid CSV: {error}") from None
    missing = [column for column in REQUIRED if column not in names]
    unknown = sorted(set(names) - COLUMNS)
    if missing or unknown:
        raise InvalidInput(
            "the file needs the columns po_number, sku, qty and unit_price, and may have "
            f"only {', '.join(sorted(COLUMNS))}",
            missing=missing,
            unknown=unknown,
        )
    return grouped_orders(
        reader,
        "po_number",
        max_rows,
        "file",
        lambda po_number, rows: _order(channel, po_number, rows),
    )


def _order(channel: str, po_number: str, rows: list[Row]) -> dict[str, Any]:
    first = first_of_agreeing("po_number", po_number, rows, ORDER_COLUMNS)
    address = {ours: cell(first, theirs) or None for ours, theirs in ADDRESS.items()}
    code = cell(first, "customer_code")
    body = {
        "channel": channel,
        "external_id": po_number,
        "customer": {"code": code, "name": cell(first, "customer_name") or code} if code else None,
        "ship_to": address if any(address.values()) else None,
        "lines": [_present(row, LINE_COLUMNS) for _, row in rows],
        "shipping_method": cell(first, "shipping_method") or None,
        "payment_status": "authorized",
        "requested_delivery_date": cell(first, "requested_date") or None,
    }
    return {key: value for key, value in body.items() if value is not None}


def _present(row: dict[str, Any], columns: dict[str, str]) -> dict[str, str]:
    """The non-empty cells, so that an empty discount means the default, not an error."""
    cells = {ours: cell(row, theirs) for ours, theirs in columns.items()}
    return {key: value for key, value in cells.items() if value}
