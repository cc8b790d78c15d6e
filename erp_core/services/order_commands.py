"""What a channel asks for when it sends an order, as the capture services take it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from erp_core.domain.orders import PaymentStatus


@dataclass(frozen=True)
class LineCommand:
    sku: str
    qty: int
    unit_price: Decimal
    discount: Decimal = Decimal(0)
    # None: the channel left tax to Keel, which applies the ship-to jurisdiction's rate.
    tax: Decimal | None = None


@dataclass(frozen=True)
class CustomerCommand:
    code: str
    name: str
    email: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class OrderCommand:
    channel: str
    external_id: str
    lines: tuple[LineCommand, ...]
    ship_to: dict[str, str | None]
    shipping_method: str
    payment_status: PaymentStatus
    customer: CustomerCommand | None = None
    currency: str = "EUR"
    shipping: Decimal = Decimal(0)
    requested_delivery_date: date | None = None
