"""What each channel may still sell under the published channel allocation.

A published line gives a channel `allocated` units of a SKU. What the channel has consumed since
publication is what was reserved for its orders on that SKU from then on (order allocations not
released again). The rest, max(0, allocated - consumed), stays held for the channel: other
channels may sell only free stock beyond it. So a channel's sellable quantity is

    sellable = max(0, min(allocated - consumed, free - others' remaining))

where free is available stock at active stocking locations. A SKU without a published
allocation has no channel limits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.allocation_tables import ChannelAllocation, ChannelAllocationLine
from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import Order, OrderAllocation, OrderLine
from erp_core.adapters.tables import Channel, Item, Location, StockBalance
from erp_core.domain.errors import NotFound
from erp_core.domain.orders import AllocationStatus
from erp_core.domain.stock import StockStatus
from erp_core.queries.pages import Page, decode_cursor, encode_cursor
from erp_core.queries.planning_facts import STOCKING_KINDS

_Line = ChannelAllocationLine
CHUNK = 5_000
IN_FORCE = _Line.superseded_at.is_(None)


def channel_availability(
    session: Session, channel_id: int, item_ids: Collection[int] | None
) -> list[dict[str, Any]]:
    """One row per SKU (those given, or every SKU with a published allocation), in item order."""
    ids = sorted(set(item_ids)) if item_ids is not None else _published_items(session)
    if len(ids) > CHUNK:  # bound the parameters of each IN list
        return [
            row
            for start in range(0, len(ids), CHUNK)
            for row in channel_availability(session, channel_id, ids[start : start + CHUNK])
        ]
    if not ids:
        return []
    lines = _in_force(session, ids)
    consumed = _consumed(session, lines)
    free = free_stock(session, ids)
    skus = dict(session.execute(select(Item.id, Item.sku).where(Item.id.in_(ids))).all())
    rows = []
    for item_id in ids:
        mine = lines.get(item_id, {}).get(channel_id)
        others = sum(
            max(0, line["qty"] - consumed.get((item_id, channel), 0))
            for channel, line in lines.get(item_id, {}).items()
            if channel != channel_id
        )
        taken = consumed.get((item_id, channel_id), 0)
        row = _row(skus[item_id], mine, taken, free.get(item_id, 0), others)
        if mine is None and item_id in lines:  # the split gave this channel nothing
            row.update(allocated=0, remaining=0, sellable=0)
        rows.append(row)
    return rows


def ring_fenced_for_others(
    session: Session, item_ids: Collection[int], channel_id: int
) -> dict[int, int]:
    """Item id -> units the published allocation still holds for channels other than this one;
    items without a published allocation are absent (no limit)."""
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    lines = _in_force(session, ids)
    consumed = _consumed(session, lines)
    return {
        item_id: sum(
            max(0, line["qty"] - consumed.get((item_id, channel), 0))
            for channel, line in by_channel.items()
            if channel != channel_id
        )
        for item_id, by_channel in lines.items()
    }


def free_stock(session: Session, item_ids: Collection[int] | None = None) -> dict[int, int]:
    """Item id -> available units at active stocking locations (drop-ship vendors excluded: they
    sell their own stock). A negative balance (allowed for some items) counts as none."""
    query = (
        select(StockBalance.item_id, func.sum(StockBalance.qty))
        .join(Location, Location.id == StockBalance.location_id)
        .where(
            StockBalance.status == StockStatus.AVAILABLE,
            StockBalance.qty > 0,
            Location.active,
            Location.kind.in_(STOCKING_KINDS),
        )
        .group_by(StockBalance.item_id)
    )
    if item_ids is not None:
        query = query.where(StockBalance.item_id.in_(sorted(set(item_ids))))
    return {item_id: int(qty) for item_id, qty in session.execute(query)}


def availability_page(
    db: Database, channel: str, skus: Sequence[str], cursor: str | None, limit: int
) -> Page:
    """The rows of the SKUs asked for, or page by page every SKU with a published allocation."""

    def run(session: Session) -> Page:
        channel_id = session.scalar(select(Channel.id).where(Channel.code == channel))
        if channel_id is None:
            raise NotFound(f"channel {channel!r} not found", code=channel)
        if skus:
            found = dict(session.execute(select(Item.sku, Item.id).where(Item.sku.in_(skus))).all())
            unknown = sorted(set(skus) - set(found))
            if unknown:
                raise NotFound(f"unknown SKU: {', '.join(unknown)}", kind="SKU", unknown=unknown)
            return Page(channel_availability(session, channel_id, found.values()), None)
        after = decode_cursor(cursor)
        ids = _published_items(session, after[0] if after else 0, limit + 1)
        next_cursor = encode_cursor(ids[limit - 1]) if len(ids) > limit else None
        return Page(channel_availability(session, channel_id, ids[:limit]), next_cursor)

    return db.read(run)


def _published_items(session: Session, after: int = 0, limit: int | None = None) -> list[int]:
    query = (
        select(_Line.item_id)
        .where(IN_FORCE, _Line.item_id > after)
        .group_by(_Line.item_id)
        .order_by(_Line.item_id)
        .limit(limit)
    )
    return list(session.scalars(query))


def _in_force(session: Session, ids: list[int]) -> dict[int, dict[int, dict[str, Any]]]:
    """item id -> channel id -> the line in force with its run's publication."""
    rows = session.execute(
        select(
            _Line.item_id,
            _Line.channel_id,
            _Line.allocation_id,
            _Line.qty,
            _Line.ring_fence,
            ChannelAllocation.published_at,
        )
        .join(ChannelAllocation, ChannelAllocation.id == _Line.allocation_id)
        .where(IN_FORCE, _Line.item_id.in_(ids))
    )
    lines: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        lines[row.item_id][row.channel_id] = dict(row._mapping)
    return dict(lines)


def _consumed(
    session: Session, lines: dict[int, dict[int, dict[str, Any]]]
) -> dict[tuple[int, int], int]:
    """(item id, channel id) -> units reserved for the channel's orders since its line was
    published, from the stock that was split; released reservations (cancelled orders) gave
    their units back. One query per publication (all lines of an item come from one run),
    over few tables: this runs at every order release."""
    since: dict[datetime, list[int]] = defaultdict(list)
    for item_id, by_channel in lines.items():
        since[next(iter(by_channel.values()))["published_at"]].append(item_id)
    consumed: dict[tuple[int, int], int] = {}
    for published_at, item_ids in since.items():
        rows = session.execute(
            select(OrderLine.item_id, Order.channel_id, func.sum(OrderAllocation.qty))
            .select_from(OrderAllocation)
            .join(OrderLine, OrderLine.id == OrderAllocation.order_line_id)
            .join(Order, Order.id == OrderLine.order_id)
            .join(Location, Location.id == OrderAllocation.location_id)
            .where(
                OrderLine.item_id.in_(item_ids),
                OrderAllocation.created_at >= published_at,
                OrderAllocation.status != AllocationStatus.RELEASED,
                Location.kind.in_(STOCKING_KINDS),
            )
            .group_by(OrderLine.item_id, Order.channel_id)
        )
        consumed |= {(item_id, channel_id): int(qty) for item_id, channel_id, qty in rows}
    return consumed


def _row(
    sku: str, line: dict[str, Any] | None, consumed: int, free: int, others: int
) -> dict[str, Any]:
    """A SKU's row; without a line, allocated and remaining are None: no limit."""
    published_at: datetime | None = line["published_at"] if line else None
    allocated = line["qty"] if line else None
    remaining = max(0, allocated - consumed) if allocated is not None else None
    room = max(0, free - others)
    return {
        "sku": sku,
        "allocation_id": line["allocation_id"] if line else None,
        "published_at": published_at,
        "allocated": allocated,
        "ring_fence": line["ring_fence"] if line else 0,
        "consumed": consumed,
        "remaining": remaining,
        "free": free,
        "held_for_others": others,
        "sellable": room if remaining is None else min(remaining, room),
    }
