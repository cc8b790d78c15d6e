"""Deciding adjustment requests: approval posts the held correction to the ledger, rejection
closes the request; either by a permitted person other than the requester, once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from erp_core.adapters.database import Database
from erp_core.adapters.transfer_tables import ADJUSTMENT_REQUESTS
from erp_core.clock import utcnow
from erp_core.domain.counts import RequestState, check_approver, check_pending
from erp_core.domain.errors import NotFound
from erp_core.domain.stock import Move, check_qty
from erp_core.services import audit
from erp_core.services.adjustment_requests import request_dict
from erp_core.services.inventory import record_valued_move
from erp_core.services.lookup import place_by_ids


def approve_adjustment(
    db: Database, actor: str, request_id: int, comment: str | None = None
) -> dict[str, Any]:
    """Post the held correction; InsufficientStock if stock has since fallen below it."""

    def work(conn: Connection) -> dict[str, Any]:
        request = _locked_pending(conn, request_id)
        check_approver(request_id, request["requested_by"], actor)
        place = place_by_ids(conn, request["item_id"], request["location_id"])
        delta, status = request["delta"], request["status"]
        check_qty(abs(delta), db.settings.max_move_qty)
        move = Move(None, status, delta) if delta > 0 else Move(status, None, -delta)
        posted = record_valued_move(
            conn,
            "inventory.adjust",
            place,
            move,
            request["reason"],
            f"adjustment_request:{request_id}",
            actor,
            counter="inventory_adjustments",
        )
        decided = _decide(conn, actor, request, RequestState.APPROVED, comment, posted["id"])
        return request_dict(decided, place)

    return db.transact_core(work)


def reject_adjustment(
    db: Database, actor: str, request_id: int, comment: str | None = None
) -> dict[str, Any]:
    def work(conn: Connection) -> dict[str, Any]:
        request = _locked_pending(conn, request_id)
        place = place_by_ids(conn, request["item_id"], request["location_id"])
        decided = _decide(conn, actor, request, RequestState.REJECTED, comment, None)
        return request_dict(decided, place)

    return db.transact_core(work)


def _locked_pending(conn: Connection, request_id: int) -> dict[str, Any]:
    found = conn.execute(
        select(ADJUSTMENT_REQUESTS).where(ADJUSTMENT_REQUESTS.c.id == request_id).with_for_update()
    ).first()
    if found is None:
        raise NotFound(f"adjustment request {request_id} not found", id=request_id)
    request = dict(found._mapping)
    check_pending(request_id, RequestState(request["state"]))
    return request


def _decide(
    conn: Connection,
    actor: str,
    request: dict[str, Any],
    state: RequestState,
    comment: str | None,
    move_id: int | None,
) -> dict[str, Any]:
    decision = {
        "state": state,
        "decided_by": actor,
        "decided_at": utcnow(),
        "comment": comment,
        "move_id": move_id,
    }
    conn.execute(
        update(ADJUSTMENT_REQUESTS)
        .where(ADJUSTMENT_REQUESTS.c.id == request["id"])
        .values(decision)
    )
    audit.record(
        conn,
        actor=actor,
        action=f"adjustment.{'approve' if state == RequestState.APPROVED else 'reject'}",
        entity="adjustment_request",
        key=str(request["id"]),
        before={"state": request["state"]},
        after=decision,
    )
    return request | decision
