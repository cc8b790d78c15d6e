"""The routing cost model: where parcels go (zones), what each location charges to reach a zone
(a lane: transit days and weight-band rates), and the parameters that price what the table does
not (split penalty, the distance-based default for a lane nobody priced)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.adapters.tables import Base, Money


class ShippingZone(Base):
    """A destination: a ship-to region (country), narrowed by a postcode prefix when given."""

    __tablename__ = "shipping_zones"
    __table_args__ = (
        UniqueConstraint("region", "postcode_prefix"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="zone_latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="zone_longitude_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    region: Mapped[str] = mapped_column(String(64), index=True)
    postcode_prefix: Mapped[str | None] = mapped_column(String(20))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]


class ShippingLane(Base):
    __tablename__ = "shipping_lanes"
    __table_args__ = (
        UniqueConstraint("location_id", "zone_id"),
        CheckConstraint("transit_days >= 0", name="transit_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    zone_id: Mapped[int] = mapped_column(ForeignKey("shipping_zones.id"), index=True)
    transit_days: Mapped[int]


class ShippingRate(Base):
    """One weight band of a lane: a package up to max_weight_kg (NULL: any heavier package)
    costs price + price_per_kg x its weight."""

    __tablename__ = "shipping_rates"
    __table_args__ = (
        UniqueConstraint("lane_id", "max_weight_kg"),
        CheckConstraint("max_weight_kg IS NULL OR max_weight_kg > 0", name="band_positive"),
        CheckConstraint("price >= 0 AND price_per_kg >= 0", name="rate_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    lane_id: Mapped[int] = mapped_column(ForeignKey("shipping_lanes.id"), index=True)
    max_weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    price: Mapped[Decimal] = mapped_column(Money)
    price_per_kg: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))


class RoutingParameters(Base):
    """The one row of routing parameters; without it the settings' defaults apply."""

    __tablename__ = "routing_parameters"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(
            "split_penalty >= 0 AND default_price >= 0 AND default_price_per_km >= 0 "
            "AND default_price_per_kg >= 0",
            name="parameters_not_negative",
        ),
        CheckConstraint("km_per_transit_day > 0", name="speed_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    split_penalty: Mapped[Decimal] = mapped_column(Money)
    default_price: Mapped[Decimal] = mapped_column(Money)
    default_price_per_km: Mapped[Decimal] = mapped_column(Money)
    default_price_per_kg: Mapped[Decimal] = mapped_column(Money)
    km_per_transit_day: Mapped[int]
