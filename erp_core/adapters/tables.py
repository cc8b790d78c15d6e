"""The ERP schema as SQLAlchemy 2 declarative tables. Constraints state what must never happen."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    UniqueConstraint,
    false,
    inspect,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from erp_core.clock import utcnow
from erp_core.domain.access import Role
from erp_core.domain.master import ChannelKind, LocationKind
from erp_core.domain.stock import StockStatus

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Numeric(14, 4)
# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL needs 64 bits for ledger-sized tables.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def enum_column(cls: type, name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
    )


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps are stored and returned in UTC; SQLite drops the zone, so it is put back."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; Keel stores UTC-aware timestamps")
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON}


def columns_of(record: Base) -> dict[str, Any]:
    """A row's column values as a plain dict: what services return and the audit stores."""
    return {attr.key: getattr(record, attr.key) for attr in inspect(record).mapper.column_attrs}


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (
        CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
        CheckConstraint("average_cost >= 0", name="average_cost_not_negative"),
        CheckConstraint("list_price >= 0", name="list_price_not_negative"),
        CheckConstraint("weight_kg >= 0", name="weight_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    uom: Mapped[str] = mapped_column(String(16), default="EA")
    category: Mapped[str | None] = mapped_column(String(100), index=True)
    unit_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    # Moving-average cost, kept by receipts that carry a cost; None until the first one.
    average_cost: Mapped[Decimal | None] = mapped_column(Money)
    list_price: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    weight_kg: Mapped[Decimal] = mapped_column(Numeric(10, 3), default=Decimal(0))
    hazardous: Mapped[bool] = mapped_column(default=False)
    restricted_regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    allow_negative_stock: Mapped[bool] = mapped_column(default=False)
    # Receipts of it go to quarantine, to be released by a move after inspection.
    requires_inspection: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A drop-ship item ships only from its vendor's location.
    dropship_location: Mapped[str | None] = mapped_column(String(64), ForeignKey("locations.code"))
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Supplier(Base):
    __tablename__ = "suppliers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(64))
    # Everything received from it goes to quarantine first.
    requires_inspection: Mapped[bool] = mapped_column(default=False, server_default=false())
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SupplierItem(Base):
    __tablename__ = "supplier_items"
    __table_args__ = (
        UniqueConstraint("supplier_id", "item_id"),
        CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
        CheckConstraint("lead_time_days_mean >= 0", name="lead_time_not_negative"),
        CheckConstraint("lead_time_days_std >= 0", name="lead_time_std_not_negative"),
        CheckConstraint("moq >= 1", name="moq_positive"),
        CheckConstraint("pack_size >= 1", name="pack_size_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    supplier_sku: Mapped[str | None] = mapped_column(String(64))
    unit_cost: Mapped[Decimal] = mapped_column(Money)
    lead_time_days_mean: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    lead_time_days_std: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal(0))
    moq: Mapped[int] = mapped_column(default=1)
    pack_size: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Location(Base):
    __tablename__ = "locations"
    __table_args__ = (
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        CheckConstraint("daily_order_capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("daily_unit_capacity >= 0", name="unit_capacity_not_negative"),
        CheckConstraint("handling_cost_per_order >= 0", name="order_cost_not_negative"),
        CheckConstraint("handling_cost_per_unit >= 0", name="unit_cost_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[LocationKind] = mapped_column(enum_column(LocationKind, "location_kind"))
    region: Mapped[str] = mapped_column(String(64), index=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    daily_order_capacity: Mapped[int | None]
    daily_unit_capacity: Mapped[int | None]
    # Hazardous and restricted items ship only from locations permitted to ship them.
    ships_hazardous: Mapped[bool] = mapped_column(default=False, server_default=false())
    handling_cost_per_order: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    handling_cost_per_unit: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Channel(Base):
    __tablename__ = "channels"
    __table_args__ = (CheckConstraint("fee_rate >= 0 AND fee_rate < 1", name="fee_rate_range"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ChannelKind] = mapped_column(enum_column(ChannelKind, "channel_kind"))
    fee_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4), default=Decimal(0))
    allocation_priority: Mapped[int] = mapped_column(default=100)
    # Location kinds the channel's orders may ship from (empty: any), and whether its orders
    # ship as one package or not at all (B2B).
    ship_from_kinds: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    ship_complete: Mapped[bool] = mapped_column(default=False, server_default=false())
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200), index=True)
    region: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class StockBalance(Base):
    """Projection of the ledger, written in the same transaction as each move."""

    __tablename__ = "stock_balances"
    __table_args__ = (
        UniqueConstraint("item_id", "location_id", "status"),
        # Only free stock of an item configured for it may go negative; reserved never can,
        # so reserved stock never exceeds what is on the shelf.
        CheckConstraint(
            "qty >= 0 OR (allow_negative AND status = 'available')", name="qty_not_negative"
        ),
        Index("ix_stock_balances_location_item", "location_id", "item_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[StockStatus] = mapped_column(enum_column(StockStatus, "stock_status"))
    qty: Mapped[int] = mapped_column(BigInteger, default=0)
    allow_negative: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class StockMove(Base):
    """Append-only ledger line; database triggers refuse UPDATE and DELETE."""

    __tablename__ = "stock_moves"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("from_status IS NOT NULL OR to_status IS NOT NULL", name="has_a_status"),
        CheckConstraint(
            "from_status IS NULL OR to_status IS NULL OR from_status <> to_status",
            name="statuses_differ",
        ),
        CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
        Index("ix_stock_moves_item_location", "item_id", "location_id", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    from_status: Mapped[StockStatus | None] = mapped_column(enum_column(StockStatus, "move_from"))
    to_status: Mapped[StockStatus | None] = mapped_column(enum_column(StockStatus, "move_to"))
    qty: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(200), index=True)
    # What a receipt's units cost, when it was valued (it then moved the average cost).
    unit_cost: Mapped[Decimal | None] = mapped_column(Money)
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reservation(Base):
    __tablename__ = "reservations"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    qty: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str | None] = mapped_column(String(200), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None]


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class AuditRecord(Base):
    """Append-only trail of every mutation: who, what, when, before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_key"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(64))
    entity_key: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


def _core(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


# Core tables, for hot paths and reports that need rows, not ORM entities.
ITEMS = _core(Item)
LOCATIONS = _core(Location)
BALANCES = _core(StockBalance)
MOVES = _core(StockMove)
RESERVATIONS = _core(Reservation)
AUDIT = _core(AuditRecord)
