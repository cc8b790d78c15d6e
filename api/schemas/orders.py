"""Order, hold and order-policy bodies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import Code, Email, Input, Money, Name, PageParams, Region
from erp_core.domain.anomalies import Outcome
from erp_core.domain.order_rules import HoldReason, HoldStatus
from erp_core.domain.orders import AllocationStatus, OrderStatus, PaymentStatus

Text = Annotated[str, Field(max_length=200)]


class Address(Input):
    """Incomplete addresses are accepted and held for the address check, not refused."""

    name: Text | None = None
    line1: Text | None = None
    line2: Text | None = None
    city: Text | None = None
    postcode: Annotated[str, Field(max_length=20)] | None = None
    region: Annotated[str, Field(max_length=64)] | None = None
    country: Annotated[str, Field(max_length=64)] | None = None


class CustomerRef(Input):
    code: Code
    name: Name
    email: Email | None = None
    region: Region | None = None


class OrderLineCreate(Input):
    sku: Code
    qty: Annotated[int, Field(ge=1, le=1_000_000)]
    unit_price: Money
    discount: Money = Decimal(0)
    tax: Money | None = Field(
        default=None,
        description="the line's tax as the channel charged it; left out, the rate of the "
        "ship-to jurisdiction applies (GET /v1/finance/tax-rates)",
    )


class OrderCreate(Input):
    channel: Code
    external_id: Annotated[str, Field(min_length=1, max_length=100)]
    customer: CustomerRef | None = None
    ship_to: Address
    lines: Annotated[list[OrderLineCreate], Field(min_length=1, max_length=500)]
    shipping_method: Annotated[str, Field(min_length=1, max_length=32)]
    payment_status: PaymentStatus
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    shipping: Money = Decimal(0)
    requested_delivery_date: date | None = None


class OrderLinePublic(BaseModel):
    line_no: int
    sku: str
    qty: int
    qty_cancelled: int = Field(description="Units cancelled before shipment")
    unit_price: Decimal
    discount: Decimal
    tax: Decimal


class HoldPublic(BaseModel):
    id: int
    order_id: int
    channel: str
    external_id: str
    reason: HoldReason
    message: str
    details: dict[str, Any]
    status: HoldStatus
    opened_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    comment: str | None


class QueuedHold(HoldPublic):
    age_seconds: int


class StatusChangePublic(BaseModel):
    from_status: OrderStatus | None
    to_status: OrderStatus
    at: datetime
    actor: str
    note: str | None


class OrderSummary(BaseModel):
    id: int
    channel: str
    external_id: str
    customer: str | None
    status: OrderStatus
    payment_status: PaymentStatus
    shipping_method: str
    ship_to: dict[str, Any]
    currency: str
    requested_delivery_date: date | None
    goods: Decimal
    discount: Decimal
    tax: Decimal
    shipping: Decimal
    total: Decimal
    created_at: datetime
    status_changed_at: datetime


class AllocationPublic(BaseModel):
    line_no: int
    sku: str
    location: str
    qty: int
    status: AllocationStatus
    reservation_id: int


class BackorderPublic(BaseModel):
    id: int = Field(description="The order line")
    order_id: int
    channel: str
    external_id: str
    line_no: int
    sku: str
    qty: int
    open_qty: int = Field(description="Still to allocate")
    created_at: datetime
    allocation_priority: int
    age_seconds: int
    next_inbound_date: date | None = Field(
        description="When stock of the SKU is next expected in (open purchase orders, any "
        "location); null if none is on order"
    )
    inbound_qty: int = Field(description="Units of the SKU on order, in all")


class OrderCancel(Input):
    comment: Annotated[str, Field(min_length=1, max_length=1000)]


class LineCancel(OrderCancel):
    qty: Annotated[int, Field(ge=1, le=1_000_000_000)] | None = Field(
        default=None, description="Units to cancel; absent: every unit not yet shipped"
    )


class BackorderParams(PageParams):
    sku: Annotated[str, Field(max_length=64)] | None = None


class ShippedLine(Input):
    line_no: Annotated[int, Field(ge=1, le=10_000)]
    qty: Annotated[int, Field(ge=1, le=1_000_000)]


class ShipmentCreate(Input):
    location: Code
    carrier: Annotated[str, Field(min_length=1, max_length=64)]
    tracking: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    lines: Annotated[list[ShippedLine], Field(min_length=1, max_length=500)]
    shipping_cost: Money | None = Field(
        default=None,
        description="the carrier's charge for the parcels (from the label); left out, the "
        "lane's rates price the weight shipped",
    )


class ShipmentPublic(BaseModel):
    id: int
    location: str
    carrier: str
    tracking: str | None
    shipped_at: datetime
    shipping_cost: Decimal
    lines: list[dict[str, int]]


class InvoicePublic(BaseModel):
    id: int
    shipment_id: int
    issued_at: datetime
    currency: str
    goods: Decimal
    discount: Decimal
    tax: Decimal
    shipping: Decimal
    total: Decimal


class PickLine(BaseModel):
    order_id: int
    channel: str
    external_id: str
    line_no: int
    sku: str
    name: str
    qty: int


class EventPublic(BaseModel):
    id: int
    event_id: str = Field(description="Deduplicate deliveries by this id")
    kind: str
    order_id: int | None
    payload: dict[str, Any]
    created_at: datetime
    delivered_at: datetime | None


class EventParams(Input):
    after_id: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    limit: Annotated[int, Field(ge=1, le=500)] = 100


class EventAck(Input):
    ids: Annotated[
        list[Annotated[int, Field(ge=1, le=2**63 - 1)]], Field(min_length=1, max_length=500)
    ]


class OrderAnomalyPublic(BaseModel):
    score: float
    threshold: float
    held: bool
    reasons: list[str]
    scored_by: str = Field(description="model, or rules when no model could score (see note)")
    degraded: bool = Field(description="true when the rules scored alone (RELIABILITY 15)")
    model_version: str | None
    note: str | None
    outcome: Outcome | None


class OrderPublic(OrderSummary):
    lines: list[OrderLinePublic]
    allocations: list[AllocationPublic]
    shipments: list[ShipmentPublic]
    invoices: list[InvoicePublic]
    holds: list[HoldPublic]
    timeline: list[StatusChangePublic]
    anomaly: OrderAnomalyPublic | None = Field(
        description="How capture scored the order for anomaly; null when the check was off."
    )


class OrderParams(PageParams):
    status: OrderStatus | None = None
    channel: Annotated[str, Field(max_length=64)] | None = None


class HoldParams(PageParams):
    reason: HoldReason | None = None
    channel: Annotated[str, Field(max_length=64)] | None = None
    status: HoldStatus = HoldStatus.OPEN
    older_than_minutes: Annotated[int, Field(ge=0, le=525_600)] | None = None


class HoldResolution(Input):
    action: Literal["release", "cancel"]
    comment: Annotated[str, Field(min_length=1, max_length=1000)]
    outcome: Outcome | None = Field(
        default=None,
        description="For an anomaly hold, what the order turned out to be; by default a "
        "released order was a false positive and a cancelled one confirmed fraud.",
    )


class OrderPolicyBody(Input):
    accepted_payment: list[PaymentStatus] = [PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED]
    margin_floor: Annotated[Decimal, Field(ge=-1, le=1, max_digits=6, decimal_places=4)] | None = (
        None
    )
    max_order_value: Money | None = None
    shipping_methods: (
        Annotated[list[Annotated[str, Field(max_length=32)]], Field(max_length=50)] | None
    ) = None
    anomaly_check: bool = Field(
        default=True,
        description="Score each order for anomaly at capture and hold it above the threshold.",
    )
    anomaly_threshold: Annotated[float, Field(ge=0, le=1)] | None = Field(
        default=None,
        description="Hold at this score (0-1) instead of the model's threshold, which the "
        "model sets from its target hold rate.",
    )
    hold_without_stock: bool = False
    ship_partial: bool = Field(
        default=True,
        description="Release what can ship now and backorder the rest; false "
        "holds the whole order back until every line can be allocated.",
    )


class OrderPolicyPublic(BaseModel):
    channel: str
    accepted_payment: list[PaymentStatus]
    margin_floor: Decimal | None
    max_order_value: Decimal | None
    shipping_methods: list[str] | None
    anomaly_check: bool
    anomaly_threshold: float | None
    hold_without_stock: bool
    ship_partial: bool
