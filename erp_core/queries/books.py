"""The books as finance reads them: the trial balance at a date and the journal, filtered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from erp_core.adapters.fulfillment_tables import AccountingPeriod, JournalEntry, JournalLine
from erp_core.domain.accounts import CHART_ORDER, account_of, chart_account
from erp_core.domain.errors import NotFound
from erp_core.queries.pages import Page, keyset, page_of

ZERO = Decimal(0)
CENT = Decimal("0.0001")


def day_start(day: date) -> datetime:
    """The first instant of `day`, in UTC."""
    return datetime.combine(day, time(), tzinfo=UTC)


def day_end(day: date) -> datetime:
    """The first instant after `day`, in UTC: entries posted before it are on the books."""
    return day_start(day + timedelta(days=1))


def account_balances(session: Session, as_of: date | None) -> dict[str, Decimal]:
    """Each account's balance, debits less credits, from entries posted up to the end of
    `as_of` (every entry when None)."""
    query = select(
        JournalLine.account, func.sum(JournalLine.debit), func.sum(JournalLine.credit)
    ).group_by(JournalLine.account)
    if as_of is not None:
        query = query.join(JournalEntry, JournalEntry.id == JournalLine.entry_id).where(
            JournalEntry.posted_at < day_end(as_of)
        )
    return {
        account: (Decimal(debit) - Decimal(credit)).quantize(CENT)
        for account, debit, credit in session.execute(query)
    }


def trial_balance(session: Session, as_of: date | None) -> dict[str, Any]:
    """Every account with a balance, in chart order, each on its debit or credit side; the
    two sides' totals are equal when the books balance."""
    rows: list[dict[str, Any]] = []
    for code, balance in account_balances(session, as_of).items():
        account = account_of(code)
        rows.append(
            {
                "account": code,
                "name": account.name,
                "type": account.type.value,
                "debit": balance if balance > 0 else ZERO,
                "credit": -balance if balance < 0 else ZERO,
                "balance": balance,
            }
        )
    rows.sort(key=lambda r: (CHART_ORDER[r["account"].partition(":")[0]], r["account"]))
    debits = sum((r["debit"] for r in rows), ZERO)
    credits = sum((r["credit"] for r in rows), ZERO)
    return {
        "as_of": as_of,
        "accounts": rows,
        "total_debit": debits,
        "total_credit": credits,
        "difference": debits - credits,
    }


@dataclass(frozen=True)
class JournalFilter:
    start: date | None = None
    end: date | None = None
    account: str | None = None  # a chart code ("receivable") or one account ("receivable:AMZ")
    reference: str | None = None  # a prefix: "order:42" finds the order's entries


def journal_page(session: Session, wanted: JournalFilter, cursor: str | None, limit: int) -> Page:
    """Entries newest first with their lines."""
    query = keyset(_filtered(wanted), JournalEntry.id, cursor, limit, newest_first=True)
    entries, next_cursor = page_of(list(session.scalars(query)), limit, lambda e: (e.id,))
    lines = _lines_of(session, [e.id for e in entries])
    return Page([_entry_dict(e, lines.get(e.id, [])) for e in entries], next_cursor)


def journal_entry(session: Session, entry_id: int) -> dict[str, Any]:
    entry = session.get(JournalEntry, entry_id)
    if entry is None:
        raise NotFound(f"journal entry {entry_id} not found", id=entry_id)
    return _entry_dict(entry, _lines_of(session, [entry_id]).get(entry_id, []))


def closed_periods(session: Session) -> list[dict[str, Any]]:
    return [
        {"period": p.period, "closed_at": p.closed_at, "closed_by": p.closed_by}
        for p in session.scalars(select(AccountingPeriod).order_by(AccountingPeriod.period))
    ]


def _filtered(wanted: JournalFilter) -> Select[Any]:
    query = select(JournalEntry)
    if wanted.start is not None:
        query = query.where(JournalEntry.posted_at >= day_start(wanted.start))
    if wanted.end is not None:
        query = query.where(JournalEntry.posted_at < day_end(wanted.end))
    if wanted.reference is not None:
        query = query.where(JournalEntry.reference.startswith(wanted.reference, autoescape=True))
    if wanted.account is not None:
        chart_account(wanted.account)
        named = JournalLine.account == wanted.account
        if ":" not in wanted.account:
            named = or_(named, JournalLine.account.startswith(f"{wanted.account}:"))
        query = query.where(
            select(JournalLine.id).where(JournalLine.entry_id == JournalEntry.id, named).exists()
        )
    return query


def _lines_of(session: Session, entry_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    lines: dict[int, list[dict[str, Any]]] = {}
    if not entry_ids:
        return lines
    for line in session.scalars(
        select(JournalLine).where(JournalLine.entry_id.in_(entry_ids)).order_by(JournalLine.id)
    ):
        lines.setdefault(line.entry_id, []).append(
            {"account": line.account, "debit": line.debit, "credit": line.credit}
        )
    return lines


def _entry_dict(entry: JournalEntry, lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": entry.id,
        "posted_at": entry.posted_at,
        "memo": entry.memo,
        "reference": entry.reference,
        "actor": entry.actor,
        "reverses_id": entry.reverses_id,
        "lines": lines,
    }
