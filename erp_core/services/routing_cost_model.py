"""Read and replace the routing cost model: zones, lanes with their weight-band rates, and the
parameters for what no lane prices. A replacement is whole and atomic: a bad lane leaves the
previous model in place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.routing_tables import (
    RoutingParameters,
    ShippingLane,
    ShippingRate,
    ShippingZone,
)
from erp_core.adapters.tables import Location
from erp_core.domain.errors import InvalidInput
from erp_core.queries.routing_facts import Pricing, pricing
from erp_core.services import audit
from erp_core.services.lookup import by_code


@dataclass(frozen=True)
class ZoneCmd:
    code: str
    region: str
    postcode_prefix: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class BandCmd:
    max_weight_kg: Decimal | None
    price: Decimal
    price_per_kg: Decimal = Decimal(0)


@dataclass(frozen=True)
class LaneCmd:
    location: str
    zone: str
    transit_days: int
    rates: Sequence[BandCmd]


@dataclass(frozen=True)
class CostModelCmd:
    parameters: Pricing
    zones: Sequence[ZoneCmd]
    lanes: Sequence[LaneCmd]


def cost_model(db: Database) -> dict[str, Any]:
    return db.read(lambda session: _read(session, db))


def replace_cost_model(db: Database, actor: str, cmd: CostModelCmd) -> dict[str, Any]:
    _check(cmd)

    def work(session: Session) -> dict[str, Any]:
        before = _read(session, db)
        session.execute(delete(ShippingRate))
        session.execute(delete(ShippingLane))
        session.execute(delete(ShippingZone))
        zones = {}
        for zone in cmd.zones:
            zones[zone.code] = row = ShippingZone(**asdict(zone))
            session.add(row)
        session.flush()
        for lane in cmd.lanes:
            place = by_code(session, Location, lane.location)
            added = ShippingLane(
                location_id=place.id, zone_id=zones[lane.zone].id, transit_days=lane.transit_days
            )
            session.add(added)
            session.flush()
            session.add_all(ShippingRate(lane_id=added.id, **asdict(band)) for band in lane.rates)
        session.merge(RoutingParameters(id=1, **asdict(cmd.parameters)))
        session.flush()
        after = _read(session, db)
        audit.record(
            session.connection(),
            actor=actor,
            action="routing.cost_model",
            entity="routing_cost_model",
            key="1",
            before={"zones": len(before["zones"]), "lanes": len(before["lanes"])},
            after={"zones": len(after["zones"]), "lanes": len(after["lanes"])},
        )
        return after

    return db.transact(work)


def _check(cmd: CostModelCmd) -> None:
    codes = [zone.code for zone in cmd.zones]
    if len(set(codes)) != len(codes):
        raise InvalidInput("zone codes must be unique")
    places = [(zone.region, zone.postcode_prefix) for zone in cmd.zones]
    if len(set(places)) != len(places):
        raise InvalidInput("two zones cover the same region and postcode prefix")
    lanes = [(lane.location, lane.zone) for lane in cmd.lanes]
    if len(set(lanes)) != len(lanes):
        raise InvalidInput("a location has two lanes to the same zone")
    for lane in cmd.lanes:
        if lane.zone not in codes:
            raise InvalidInput(f"lane {lane.location}->{lane.zone}: no such zone", zone=lane.zone)
        bounds = [band.max_weight_kg for band in lane.rates]
        closed = [b for b in bounds if b is not None]
        if None in bounds[:-1] or closed != sorted(set(closed)):
            raise InvalidInput(
                f"lane {lane.location}->{lane.zone}: weight bands must rise, and only the last "
                "may be open-ended",
                zone=lane.zone,
            )


def _read(session: Session, db: Database) -> dict[str, Any]:
    zones = session.scalars(select(ShippingZone).order_by(ShippingZone.code)).all()
    codes = {zone.id: zone.code for zone in zones}
    rows = session.execute(
        select(Location.code, ShippingLane.id, ShippingLane.zone_id, ShippingLane.transit_days)
        .join(Location, Location.id == ShippingLane.location_id)
        .order_by(Location.code, ShippingLane.zone_id)
    ).all()
    rates: dict[int, list[dict[str, Any]]] = {}
    for rate in session.scalars(select(ShippingRate).order_by(ShippingRate.lane_id)):
        rates.setdefault(rate.lane_id, []).append(
            {
                "max_weight_kg": rate.max_weight_kg,
                "price": rate.price,
                "price_per_kg": rate.price_per_kg,
            }
        )
    return {
        "parameters": asdict(pricing(session, db.settings)),
        "zones": [
            {
                "code": zone.code,
                "region": zone.region,
                "postcode_prefix": zone.postcode_prefix,
                "latitude": zone.latitude,
                "longitude": zone.longitude,
            }
            for zone in zones
        ],
        "lanes": [
            {
                "location": location,
                "zone": codes[zone_id],
                "transit_days": transit,
                "rates": sorted(
                    rates.get(lane_id, []),
                    key=lambda r: (r["max_weight_kg"] is None, r["max_weight_kg"] or 0),
                ),
            }
            for location, lane_id, zone_id, transit in rows
        ],
    }
