"""Available-to-promise: what can be promised at a location by a date. Free stock now
(available-to-sell) plus everything inbound expected by that date, from every source."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.tables import BALANCES, Item, Location
from erp_core.clock import utcnow
from erp_core.domain.stock import StockStatus
from erp_core.queries.inbound import inbound
from erp_core.queries.inventory import position
from erp_core.services.lookup import by_code

_BALANCES = select(BALANCES.c.status, BALANCES.c.qty)


def available_to_promise(db: Database, sku: str, location: str, on: date | None) -> dict[str, Any]:
    """The promise for `on` (today if absent), and the schedule of inbound that builds it: one
    row per expected date and source, with what can be promised once it has arrived."""

    def run(session: Session) -> dict[str, Any]:
        item = by_code(session, Item, sku)
        place = by_code(session, Location, location)
        balances = {
            StockStatus(status): qty
            for status, qty in session.execute(
                _BALANCES.where(BALANCES.c.item_id == item.id, BALANCES.c.location_id == place.id)
            )
        }
        free = position(item.sku, place.code, balances)["available_to_sell"]
        day = on or utcnow().date()
        schedule, promised, by_day = [], free, free
        for arrival in inbound(session, [item.id], [place.id]):
            promised += arrival.qty
            if arrival.expected_date <= day:
                by_day = promised
            schedule.append(
                {
                    "expected_date": arrival.expected_date,
                    "source": arrival.source,
                    "qty": arrival.qty,
                    "available_to_promise": promised,
                }
            )
        return {
            "sku": item.sku,
            "location": place.code,
            "date": day,
            "available_to_sell": free,
            "inbound_by_date": by_day - free,
            "available_to_promise": by_day,
            "schedule": schedule,
        }

    return db.read(run)
