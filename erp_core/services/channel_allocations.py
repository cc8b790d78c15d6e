"""Channel allocation runs: saved with their lines and published in one transaction, and read
back. Publishing supersedes, SKU by SKU, the lines in force from older runs; nothing else is
written (no stock moves, no reservations), so a run changes only what channels may sell.

Two runs publishing the same SKUs at once queue on row locks of those items (PostgreSQL; SQLite
serialises writers anyway), so the later one always sees and supersedes the earlier one's lines.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from erp_core.adapters.allocation_tables import LINES, ChannelAllocation, ChannelAllocationLine
from erp_core.adapters.database import Database
from erp_core.adapters.tables import Channel, Item
from erp_core.clock import utcnow
from erp_core.domain.errors import NotFound
from erp_core.queries.pages import Page, keyset, page_of
from erp_core.services import audit

# Bound parameters per IN list, well under SQLite's and PostgreSQL's limits.
CHUNK = 5_000
_Line = ChannelAllocationLine
_RUN_FIELDS = (
    "id",
    "created_at",
    "created_by",
    "request",
    "horizon_days",
    "status",
    "objective",
    "solver",
    "summary",
    "published_at",
)


@dataclass(frozen=True)
class AllocatedLine:
    sku: str
    channel: str
    qty: int
    ring_fence: int
    demand: float
    expected_sales: float
    expected_margin: Decimal
    why: str


@dataclass(frozen=True)
class AllocationDraft:
    request: dict[str, Any]
    horizon_days: int
    status: str
    objective: Decimal
    solver: str
    summary: dict[str, Any]
    lines: Sequence[AllocatedLine]


def save_and_publish(db: Database, actor: str, draft: AllocationDraft) -> int:
    """Save the run and its lines and put them in force; a run without lines is saved
    unpublished and leaves every allocation in force as it was."""

    def work(session: Session) -> int:
        items, channels = _ids(session, draft.lines)
        item_ids = sorted(set(items.values()))
        _lock_items(session, item_ids)
        now = utcnow()  # after the locks: a run that waited publishes later
        run = ChannelAllocation(
            created_at=now,
            created_by=actor,
            request=draft.request,
            horizon_days=draft.horizon_days,
            status=draft.status,
            objective=draft.objective,
            solver=draft.solver,
            summary=draft.summary,
            published_at=now if draft.lines else None,
        )
        session.add(run)
        session.flush()
        superseded = _supersede(session, item_ids, now)
        if draft.lines:
            session.connection().execute(insert(LINES), _rows(run.id, draft.lines, items, channels))
        after = {"lines": len(draft.lines), "skus": len(items), "superseded": superseded}
        audit.record_for(session, "channel_allocation", actor, "publish", run.id, None, after)
        return run.id

    return db.transact(work)


def get_allocation(db: Database, run_id: int) -> dict[str, Any]:
    def read(session: Session) -> dict[str, Any]:
        return allocation_detail(session, run_id)

    return db.read(read)


def allocation_detail(session: Session, run_id: int) -> dict[str, Any]:
    run = session.get(ChannelAllocation, run_id)
    if run is None:
        raise NotFound(f"channel allocation {run_id} does not exist", id=run_id)
    detail = {field: getattr(run, field) for field in _RUN_FIELDS}
    lines, in_force = session.execute(
        select(func.count(), func.count(_Line.id).filter(_Line.superseded_at.is_(None))).where(
            _Line.allocation_id == run_id
        )
    ).one()
    return detail | {"lines": lines, "lines_in_force": in_force}


_LINES = (
    select(
        _Line.id,
        Item.sku,
        Channel.code.label("channel"),
        _Line.qty,
        _Line.ring_fence,
        _Line.demand,
        _Line.expected_sales,
        _Line.expected_margin,
        _Line.why,
        _Line.superseded_at,
    )
    .join(Item, Item.id == _Line.item_id)
    .join(Channel, Channel.id == _Line.channel_id)
)


def allocation_lines(
    db: Database, run_id: int, sku: str | None, cursor: str | None, limit: int
) -> Page:
    """A run's lines in SKU-then-channel order as written; `sku` narrows to one SKU."""

    def read(session: Session) -> Page:
        allocation_detail(session, run_id)  # a missing run is a 404, not an empty page
        query = _LINES.where(_Line.allocation_id == run_id)
        if sku is not None:
            query = query.where(Item.sku == sku)
        rows = [dict(r._mapping) for r in session.execute(keyset(query, _Line.id, cursor, limit))]
        data, next_cursor = page_of(rows, limit, lambda row: (row["id"],))
        return Page([_public(row) for row in data], next_cursor)

    return db.read(read)


def _public(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("id")  # the cursor's key, not the line's name: SKU and channel name it
    return row | {"in_force": row["superseded_at"] is None}


def _ids(session: Session, lines: Sequence[AllocatedLine]) -> tuple[dict[str, int], dict[str, int]]:
    skus = sorted({line.sku for line in lines})
    items: dict[str, int] = {}
    for chunk in _chunks(skus):
        items |= dict(session.execute(select(Item.sku, Item.id).where(Item.sku.in_(chunk))).all())
    channels = dict(session.execute(select(Channel.code, Channel.id)).all())
    missing = sorted(set(skus) - set(items)) + sorted({ln.channel for ln in lines} - set(channels))
    if missing:
        raise NotFound(f"unknown SKU or channel: {', '.join(missing[:20])}", unknown=missing)
    return items, channels


def _lock_items(session: Session, item_ids: list[int]) -> None:
    """Row locks in item order (FOR NO KEY UPDATE: orders may still reference the items)."""
    for chunk in _chunks(item_ids):
        session.execute(
            select(Item.id)
            .where(Item.id.in_(chunk))
            .order_by(Item.id)
            .with_for_update(key_share=True)
        ).all()


def _supersede(session: Session, item_ids: list[int], now: datetime) -> int:
    superseded = 0
    for chunk in _chunks(item_ids):
        result = session.execute(
            update(_Line)
            .where(_Line.item_id.in_(chunk), _Line.superseded_at.is_(None))
            .values(superseded_at=now)
            .execution_options(synchronize_session=False)
        )
        superseded += result.rowcount  # type: ignore[attr-defined]
    return superseded


def _rows(
    run_id: int,
    lines: Sequence[AllocatedLine],
    items: dict[str, int],
    channels: dict[str, int],
) -> list[dict[str, Any]]:
    return [
        {
            "allocation_id": run_id,
            "item_id": items[line.sku],
            "channel_id": channels[line.channel],
            "qty": line.qty,
            "ring_fence": line.ring_fence,
            "demand": line.demand,
            "expected_sales": line.expected_sales,
            "expected_margin": line.expected_margin,
            "why": line.why[:500],
            "superseded_at": None,
        }
        for line in lines
    ]


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]
