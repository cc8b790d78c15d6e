"""Corrections above the approval threshold are held as pending requests instead of moving
stock, in the caller's transaction, whichever way they came in (an adjustment or a count)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select

from erp_core.adapters.ledger import StockPlace
from erp_core.adapters.tables import ITEMS
from erp_core.adapters.transfer_tables import ADJUSTMENT_REQUESTS
from erp_core.clock import utcnow
from erp_core.domain.counts import ApprovalThreshold, RequestState
from erp_core.domain.stock import StockStatus
from erp_core.domain.valuation import current_cost
from erp_core.services import audit
from erp_core.settings import Settings


@dataclass(frozen=True)
class PendingAdjustment:
    """What an adjustment above the threshold returns: the request that waits for approval."""

    request: dict[str, Any]


_NEW_REQUEST = insert(ADJUSTMENT_REQUESTS).returning(ADJUSTMENT_REQUESTS.c.id)
_ITEM_COSTS = select(ITEMS.c.unit_cost, ITEMS.c.average_cost)


def needs_approval(conn: Connection, settings: Settings, item_id: int, delta: int) -> bool:
    threshold = ApprovalThreshold(
        settings.adjustment_approval_units, settings.adjustment_approval_value
    )
    unit, average = conn.execute(_ITEM_COSTS.where(ITEMS.c.id == item_id)).one()
    return threshold.needs_approval(delta, current_cost(unit, average))


def hold_for_approval(
    conn: Connection,
    actor: str,
    place: StockPlace,
    status: StockStatus,
    delta: int,
    reason: str,
    reference: str | None,
    count_line_id: int | None = None,
) -> dict[str, Any]:
    request = {
        "item_id": place.item_id,
        "location_id": place.location_id,
        "status": status,
        "delta": delta,
        "reason": reason,
        "reference": reference,
        "count_line_id": count_line_id,
        "state": RequestState.PENDING,
        "requested_by": actor,
        "requested_at": utcnow(),
        "decided_by": None,
        "decided_at": None,
        "comment": None,
        "move_id": None,
    }
    request["id"] = conn.execute(_NEW_REQUEST, request).scalar_one()
    audit.record(
        conn,
        actor=actor,
        action="adjustment.request",
        entity="adjustment_request",
        key=str(request["id"]),
        before=None,
        after=request,
    )
    return request_dict(request, place)


def request_dict(request: dict[str, Any], place: StockPlace) -> dict[str, Any]:
    fields = (
        "id",
        "status",
        "delta",
        "reason",
        "reference",
        "count_line_id",
        "state",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "comment",
        "move_id",
    )
    return {"sku": place.sku, "location": place.location, **{f: request[f] for f in fields}}
