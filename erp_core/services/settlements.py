"""Importing marketplace settlements and resolving their exceptions.

An import is one transaction. It first locks the channel's row (FOR NO KEY UPDATE on
PostgreSQL, which the foreign-key checks of order capture do not wait for; SQLite's write lock
does the same there), so the imports of one marketplace run one at a time and each sees every
payment booked before it. The same file again answers the settlement it created and changes
nothing; the same settlement id with other content is refused (409 settlement_conflict). The
unique (channel, settlement id) constraint backs the lock: an import that loses that race is
run again and then finds the winner's settlement.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import Invoice
from erp_core.adapters.order_tables import Order
from erp_core.adapters.returns_tables import Refund, ReturnAuthorization
from erp_core.adapters.settlement_tables import Settlement, SettlementException, SettlementRow
from erp_core.adapters.tables import Channel
from erp_core.clock import utcnow
from erp_core.domain.journal import ZERO
from erp_core.domain.master import ChannelKind
from erp_core.domain.refunds import RefundStatus
from erp_core.domain.settlement_files import (
    RowType,
    SettlementFile,
    SettlementFileRejected,
    read_settlement_file,
)
from erp_core.domain.settlements import (
    ExceptionResolved,
    ExceptionStatus,
    OrderFacts,
    Posted,
    RowStatus,
    SettlementConflict,
    Verdict,
    match_rows,
    settlement_postings,
)
from erp_core.queries.settlements import exception_detail, settlement_detail
from erp_core.services import audit
from erp_core.services.journal import post_entry
from erp_core.services.lookup import locked

CHUNK = 500  # ids per IN list


@dataclass(frozen=True)
class Imported:
    created: bool  # False: the same file was imported before, and this is its settlement
    settlement: dict[str, Any]


def import_settlement(db: Database, actor: str, text: str) -> Imported:
    """Read, match and book one settlement file (see erp_core/domain/settlements.py)."""
    parsed = read_settlement_file(text, db.settings.max_import_rows)
    tolerance = db.settings.settlement_tolerance

    def work(session: Session) -> Imported:
        channel = _locked_marketplace(session, parsed.channel)
        found = session.scalars(
            select(Settlement).where(
                Settlement.channel_id == channel.id,
                Settlement.settlement_id == parsed.settlement_id,
            )
        ).one_or_none()
        if found is None:
            settlement_id = _book(session, actor, channel, parsed, tolerance)
            return Imported(True, settlement_detail(session, settlement_id))
        if found.file_hash != parsed.digest:
            raise SettlementConflict(
                f"settlement {parsed.settlement_id} of {channel.code} was imported before "
                "with other content",
                settlement_id=parsed.settlement_id,
                channel=channel.code,
                id=found.id,
            )
        return Imported(False, settlement_detail(session, found.id))

    try:
        return db.transact(work)
    except IntegrityError:
        return db.transact(work)


def _locked_marketplace(session: Session, code: str) -> Channel:
    channel = session.scalars(
        select(Channel).where(Channel.code == code).with_for_update(key_share=True)
    ).one_or_none()
    if channel is None or channel.kind != ChannelKind.MARKETPLACE:
        reason = "no such channel" if channel is None else f"{code!r} is not a marketplace"
        raise SettlementFileRejected(
            f"line 2, column channel: {reason}",
            rejected=[{"line": 2, "column": "channel", "reason": f"channel: {reason}"}],
        )
    return channel


def _book(
    session: Session, actor: str, channel: Channel, parsed: SettlementFile, tolerance: Decimal
) -> int:
    refs = {row.order_ref for row in parsed.rows if row.order_ref}
    facts = order_facts(session, channel.id, refs)
    verdicts = match_rows(parsed.rows, facts, channel.code, channel.fee_rate, tolerance)
    matched = [(r, v) for r, v in zip(parsed.rows, verdicts, strict=True) if v.kind is None]
    postings = settlement_postings(Posted(r.amount, v.account, v.expected) for r, v in matched)
    entry_id = None
    if postings:  # none when nothing matched, or what matched nets to nothing
        entry_id = post_entry(
            session,
            f"settlement {parsed.settlement_id} of {channel.code}",
            f"settlement:{channel.code}:{parsed.settlement_id}",
            actor,
            postings,
        )
    settlement = Settlement(
        channel_id=channel.id,
        settlement_id=parsed.settlement_id,
        posted_date=parsed.posted_date,
        file_hash=parsed.digest,
        payout=parsed.payout,
        matched_payout=sum((r.amount for r, _ in matched), ZERO),
        row_count=len(parsed.rows),
        matched_count=len(matched),
        exception_count=len(parsed.rows) - len(matched),
        imported_by=actor,
        journal_entry_id=entry_id,
    )
    session.add(settlement)
    session.flush()
    _write_rows(session, settlement.id, parsed, verdicts)
    audit.record_for(
        session,
        "settlement",
        actor,
        "settlement.import",
        settlement.id,
        None,
        audit.snapshot(settlement),
    )
    return settlement.id


def _write_rows(
    session: Session, settlement_id: int, parsed: SettlementFile, verdicts: list[Verdict]
) -> None:
    """Every row, and an open exception for each row that did not match. Core inserts: a
    file may hold as many rows as an import allows."""
    session.execute(
        insert(SettlementRow),
        [
            {
                "settlement_id": settlement_id,
                "line": row.line,
                "type": row.type.value,
                "order_ref": row.order_ref,
                "order_id": verdict.order_id,
                "description": row.description,
                "amount": row.amount,
                "account": verdict.account,
                "expected": verdict.expected,
                "status": (RowStatus.MATCHED if verdict.kind is None else RowStatus.OPEN).value,
            }
            for row, verdict in zip(parsed.rows, verdicts, strict=True)
        ],
    )
    unmatched = {
        row.line: {"kind": verdict.kind.value, "expected": verdict.expected, "actual": row.amount}
        for row, verdict in zip(parsed.rows, verdicts, strict=True)
        if verdict.kind is not None
    }
    if not unmatched:
        return
    row_ids = session.execute(
        select(SettlementRow.line, SettlementRow.id).where(
            SettlementRow.settlement_id == settlement_id, SettlementRow.status == RowStatus.OPEN
        )
    )
    opened_at = utcnow()
    session.execute(
        insert(SettlementException),
        [
            {
                **unmatched[line],
                "row_id": row_id,
                "settlement_id": settlement_id,
                "status": ExceptionStatus.OPEN.value,
                "opened_at": opened_at,
            }
            for line, row_id in sorted(row_ids)
        ],
    )


def order_facts(session: Session, channel_id: int, refs: set[str]) -> dict[str, OrderFacts]:
    """What the books say about each named order of the channel, before this settlement."""
    ids: dict[str, int] = {}
    for chunk in _chunks(sorted(refs)):
        query = select(Order.external_id, Order.id).where(
            Order.channel_id == channel_id, Order.external_id.in_(chunk)
        )
        ids.update({ref: order_id for ref, order_id in session.execute(query)})
    order_ids = sorted(ids.values())
    invoiced = _sums(
        session,
        lambda chunk: (
            select(Invoice.order_id, func.sum(Invoice.total))
            .where(Invoice.order_id.in_(chunk))
            .group_by(Invoice.order_id)
        ),
        order_ids,
    )
    credited = _sums(
        session,
        lambda chunk: (
            select(ReturnAuthorization.order_id, func.sum(Refund.total))
            .join(ReturnAuthorization, ReturnAuthorization.id == Refund.return_id)
            .where(Refund.status == RefundStatus.POSTED, ReturnAuthorization.order_id.in_(chunk))
            .group_by(ReturnAuthorization.order_id)
        ),
        order_ids,
    )
    earlier = _earlier_rows(session, order_ids)
    return {
        ref: OrderFacts(
            order_id=order_id,
            invoiced=invoiced.get(order_id, ZERO),
            credit_notes=credited.get(order_id, ZERO),
            paid_before=(order_id, RowType.ORDER) in earlier,
            refunds_settled=earlier.get((order_id, RowType.REFUND), ZERO),
            fee_charged_before=(order_id, RowType.FEE) in earlier,
        )
        for ref, order_id in ids.items()
    }


def _earlier_rows(session: Session, order_ids: list[int]) -> dict[tuple[int, RowType], Decimal]:
    """Per order and row type, the rows of earlier settlements that were not dismissed, with
    the credit notes their refund rows paid back (what they posted to the receivable)."""
    found: dict[tuple[int, RowType], Decimal] = {}
    posted = (RowStatus.MATCHED, RowStatus.ACCEPTED)
    for chunk in _chunks(order_ids):
        query = select(
            SettlementRow.order_id, SettlementRow.type, SettlementRow.status, SettlementRow.expected
        ).where(
            SettlementRow.order_id.in_(chunk),
            SettlementRow.status != RowStatus.DISMISSED.value,
        )
        for order_id, kind, status, expected in session.execute(query):
            key = (cast(int, order_id), RowType(kind))  # never None: the IN list
            paid_back = -(expected or ZERO) if kind == RowType.REFUND and status in posted else ZERO
            found[key] = found.get(key, ZERO) + paid_back
    return found


def _sums(session: Session, query: Any, order_ids: list[int]) -> dict[int, Decimal]:
    sums: dict[int, Decimal] = {}
    for chunk in _chunks(order_ids):
        sums.update((order_id, Decimal(total)) for order_id, total in session.execute(query(chunk)))
    return sums


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def resolve_exception(
    db: Database, actor: str, exception_id: int, accept: bool, reason: str
) -> dict[str, Any]:
    """Accept (post the row as the marketplace paid it, the difference to
    marketplace_adjustments) or dismiss (post nothing) an open exception, with a reason."""

    def work(session: Session) -> dict[str, Any]:
        found = locked(session, SettlementException, exception_id, "settlement exception")
        if found.status != ExceptionStatus.OPEN:
            raise ExceptionResolved(
                f"settlement exception {exception_id} is already {found.status}",
                id=exception_id,
                status=found.status,
            )
        row = session.get_one(SettlementRow, found.row_id)
        if accept:
            settlement = session.get_one(Settlement, found.settlement_id)
            channel = session.get_one(Channel, settlement.channel_id)
            found.journal_entry_id = post_entry(
                session,
                f"settlement {settlement.settlement_id} of {channel.code}, line {row.line}: "
                f"{found.kind} accepted",
                f"settlement:{channel.code}:{settlement.settlement_id}:line:{row.line}",
                actor,
                settlement_postings([Posted(row.amount, row.account, row.expected)]),
            )
        status = ExceptionStatus.ACCEPTED if accept else ExceptionStatus.DISMISSED
        found.status = row.status = status.value
        found.reason = reason[:1000]
        found.resolved_by = actor
        found.resolved_at = utcnow()
        session.flush()
        audit.record_for(
            session,
            "settlement_exception",
            actor,
            "settlement.resolve",
            exception_id,
            {"status": ExceptionStatus.OPEN.value},
            audit.snapshot(found),
        )
        return exception_detail(session, exception_id)

    return db.transact(work)
