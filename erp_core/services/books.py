"""Finance's own actions on the books: close a period, reverse an entry, post a manual entry.
One transaction each, audited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import AccountingPeriod, JournalEntry, JournalLine
from erp_core.adapters.journal import post_journal
from erp_core.clock import utcnow
from erp_core.domain.errors import Conflict, IllegalTransition, InvalidInput
from erp_core.domain.journal import (
    ClosedPeriod,
    Posting,
    balanced,
    months_between,
    period_days,
    reversal,
)
from erp_core.queries.books import account_balances, journal_entry
from erp_core.services import audit
from erp_core.services.lookup import locked

# Inventory moves only with stock, so the journal's inventory always equals on-hand x cost:
# a write-off or a found unit is a stock adjustment, which posts its own entry.
STOCK_DRIVEN = "inventory"


class EarlierPeriodOpen(IllegalTransition):
    code = "earlier_period_open"


class AlreadyReversed(Conflict):
    code = "already_reversed"


class StockDrivenAccount(InvalidInput):
    code = "stock_driven_account"


def close_period(db: Database, actor: str, period: str) -> dict[str, Any]:
    """Lock a month that has ended: nothing posts into it again, and its closing trial
    balance is kept. Months close in order, so a closed month never follows an open one."""
    first, last = period_days(period)
    if last >= utcnow().date():
        raise IllegalTransition(f"period {period} has not ended yet", period=period)

    def work(session: Session) -> dict[str, Any]:
        if session.get(AccountingPeriod, period) is not None:
            raise ClosedPeriod(f"period {period} is already closed", period=period)
        closed = set(session.scalars(select(AccountingPeriod.period)))
        oldest = session.scalar(select(func.min(JournalEntry.posted_at)))
        if oldest is not None and oldest.date() < first:
            still_open = [
                p
                for p in months_between(oldest.date(), first - timedelta(days=1))
                if p not in closed
            ]
            if still_open:
                raise EarlierPeriodOpen(
                    f"close {still_open[0]} first: periods close in order",
                    open=still_open,
                )
        balances = account_balances(session, last)
        closing = AccountingPeriod(
            period=period,
            closed_at=utcnow(),
            closed_by=actor,
            balances={account: str(amount) for account, amount in balances.items()},
        )
        session.add(closing)
        session.flush()
        after = {"period": period, "balances": closing.balances}
        audit.record_for(session, "accounting_period", actor, "period.close", period, None, after)
        return {"period": period, "closed_at": closing.closed_at, "closed_by": actor, **after}

    return db.transact(work)


def reverse_entry(db: Database, actor: str, entry_id: int, reason: str) -> dict[str, Any]:
    """Undo an entry with its mirror image, posted today (in the open period); the original
    stays as it was. Stock-driven entries are corrected by stock actions instead."""

    def work(session: Session) -> dict[str, Any]:
        original = locked(session, JournalEntry, entry_id, "journal entry")
        if session.scalar(select(JournalEntry.id).where(JournalEntry.reverses_id == entry_id)):
            raise AlreadyReversed(f"journal entry {entry_id} is already reversed", id=entry_id)
        lines = list(session.scalars(select(JournalLine).where(JournalLine.entry_id == entry_id)))
        postings = [Posting(line.account, line.debit, line.credit) for line in lines]
        _refuse_stock_driven(postings)
        reversed_id = post_journal(
            session.connection(),
            f"reversal of entry {entry_id}: {reason}",
            original.reference,
            actor,
            reversal(postings),
            reverses_id=entry_id,
        )
        detail = journal_entry(session, reversed_id)
        audit.record_for(
            session, "journal_entry", actor, "journal.reverse", entry_id, None, _audited(detail)
        )
        return detail

    return db.transact(work)


def post_manual_entry(
    db: Database, actor: str, memo: str, reference: str, postings: list[Posting]
) -> dict[str, Any]:
    """A balanced entry finance writes by hand (bank charges, accruals), dated today."""
    lines = balanced(postings)
    if len(lines) < 2:
        raise InvalidInput("an entry debits one account and credits another")
    _refuse_stock_driven(lines)

    def work(session: Session) -> dict[str, Any]:
        entry_id = post_journal(session.connection(), memo, reference, actor, lines)
        detail = journal_entry(session, entry_id)
        audit.record_for(
            session, "journal_entry", actor, "journal.post", entry_id, None, _audited(detail)
        )
        return detail

    return db.transact(work)


def _refuse_stock_driven(postings: list[Posting]) -> None:
    if any(p.account == STOCK_DRIVEN for p in postings):
        raise StockDrivenAccount(
            "inventory moves only with stock: post a stock adjustment, a return or a receipt",
            account=STOCK_DRIVEN,
        )


def _audited(detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "memo": detail["memo"],
        "reference": detail["reference"],
        "reverses_id": detail["reverses_id"],
        "lines": [
            {k: str(v) if isinstance(v, Decimal) else v for k, v in line.items()}
            for line in detail["lines"]
        ],
    }
