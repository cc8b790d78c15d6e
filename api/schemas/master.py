"""Master data bodies. Update bodies are the create bodies with every field optional."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from api.schemas.common import Code, Email, Input, Money, Name, Region
from erp_core.domain.master import ChannelKind, LocationKind

Quantity = Annotated[int, Field(ge=1, le=1_000_000)]
LeadDays = Annotated[Decimal, Field(ge=0, le=730, max_digits=8, decimal_places=2)]


class ItemFields(BaseModel):
    name: Name
    uom: Annotated[str, Field(min_length=1, max_length=16)] = "EA"
    category: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    unit_cost: Money = Decimal(0)
    list_price: Money = Decimal(0)
    weight_kg: Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=3)] = Decimal(0)
    hazardous: bool = False
    restricted_regions: Annotated[list[Region], Field(max_length=100)] = []
    allow_negative_stock: bool = False
    requires_inspection: bool = Field(
        default=False, description="Receipts go to quarantine until released by a move."
    )
    dropship_location: Code | None = Field(
        default=None, description="A drop-ship item ships only from this vendor location."
    )


class SupplierFields(BaseModel):
    name: Name
    email: Email | None = None
    region: Region | None = None
    requires_inspection: bool = Field(
        default=False, description="Everything received from this supplier goes to quarantine."
    )


class LocationFields(BaseModel):
    name: Name
    kind: LocationKind
    region: Region
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    daily_order_capacity: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    daily_unit_capacity: Annotated[int, Field(ge=0, le=100_000_000)] | None = None
    handling_cost_per_order: Money = Decimal(0)
    handling_cost_per_unit: Money = Decimal(0)
    ships_hazardous: bool = Field(
        default=False, description="Permitted to ship hazardous and restricted items."
    )


class ChannelFields(BaseModel):
    name: Name
    kind: ChannelKind
    fee_rate: Annotated[Decimal, Field(ge=0, lt=1, max_digits=6, decimal_places=4)] = Decimal(0)
    allocation_priority: Annotated[int, Field(ge=1, le=1000)] = 100
    ship_from_kinds: Annotated[list[LocationKind], Field(max_length=4)] = Field(
        default=[], description="Location kinds this channel's orders may ship from; empty: any."
    )
    ship_complete: bool = Field(
        default=False, description="Orders ship as one package or wait (B2B)."
    )


class CustomerFields(BaseModel):
    name: Name
    email: Email | None = None
    region: Region | None = None


class SupplierItemFields(BaseModel):
    supplier_sku: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    unit_cost: Money
    lead_time_days_mean: LeadDays
    lead_time_days_std: LeadDays = Decimal(0)
    moq: Quantity = 1
    pack_size: Quantity = 1


class Stamps(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    active: bool
    created_at: datetime
    updated_at: datetime


def _create(fields: type[BaseModel], key: str, name: str) -> type[BaseModel]:
    return create_model(name, __base__=_keyed({key: Code}, Input, fields))


def _update(fields: type[BaseModel], name: str) -> type[BaseModel]:
    """Every field optional by omission; an explicit null is refused where the field is not
    nullable (the default None is never validated, so absent fields are told apart by
    exclude_unset)."""
    optional: dict[str, Any] = {
        field: (
            Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation,
            None,
        )
        for field, info in fields.model_fields.items()
    }
    optional["active"] = (bool, None)
    return create_model(name, __base__=Input, **optional)


def _keyed(keys: dict[str, Any], *bases: type[BaseModel]) -> tuple[type[BaseModel], ...]:
    """Bases that put the key fields first: pydantic orders fields from the last base on."""
    key_model = create_model(
        "_".join(keys).title() + "Key", **{k: (t, ...) for k, t in keys.items()}
    )
    return (*bases, key_model)


def _public(fields: type[BaseModel], key: str, name: str, **extra: Any) -> type[BaseModel]:
    return create_model(name, __base__=_keyed({key: str}, Stamps, fields), **extra)


Hidden = (Decimal | None, Field(description="null unless your role may read cost"))

ItemCreate = _create(ItemFields, "sku", "ItemCreate")
ItemUpdate = _update(ItemFields, "ItemUpdate")
ItemPublic = _public(
    ItemFields,
    "sku",
    "ItemPublic",
    unit_cost=Hidden,
    average_cost=(
        Decimal | None,
        Field(
            description="Moving-average cost, kept by receipts with a cost (null before the "
            "first, or unless your role may read cost)"
        ),
    ),
)
SupplierCreate = _create(SupplierFields, "code", "SupplierCreate")
SupplierUpdate = _update(SupplierFields, "SupplierUpdate")
SupplierPublic = _public(SupplierFields, "code", "SupplierPublic")
LocationCreate = _create(LocationFields, "code", "LocationCreate")
LocationUpdate = _update(LocationFields, "LocationUpdate")
LocationPublic = _public(LocationFields, "code", "LocationPublic")
ChannelCreate = _create(ChannelFields, "code", "ChannelCreate")
ChannelUpdate = _update(ChannelFields, "ChannelUpdate")
ChannelPublic = _public(ChannelFields, "code", "ChannelPublic")
CustomerCreate = _create(CustomerFields, "code", "CustomerCreate")
CustomerUpdate = _update(CustomerFields, "CustomerUpdate")
CustomerPublic = _public(CustomerFields, "code", "CustomerPublic")
SupplierItemCreate = _create(SupplierItemFields, "sku", "SupplierItemCreate")
SupplierItemUpdate = _update(SupplierItemFields, "SupplierItemUpdate")
SupplierItemPublic = create_model(
    "SupplierItemPublic",
    __base__=_keyed({"supplier": str, "sku": str}, Stamps, SupplierItemFields),
    unit_cost=Hidden,  # type: ignore[arg-type]
)
