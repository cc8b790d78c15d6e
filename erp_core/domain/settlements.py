"""Marketplace settlements: the rules that match a payout file's rows to the books, and
what each row posts. The file itself is read in erp_core/domain/settlement_files.py.

Matching, row by row in file order (tolerance: settings.settlement_tolerance):
- order: the sum of the order's invoice totals; a second payment of an order (earlier in the
  file, or in an earlier settlement unless that row was dismissed) is `duplicate_payment`;
- refund: at most the order's posted credit notes not yet paid back by earlier refund rows
  (a marketplace may pay an order's refunds back over several settlements); a refund beyond
  them is `amount_mismatch`;
- fee: minus the channel's fee rate times the order's invoiced total, rounded half-up to the
  cent; a second fee for an order, or a fee on an order with nothing invoiced, is
  `unexpected_fee`;
- adjustment: matched when it names a known order of the channel, else
  `unmatched_adjustment`;
- a row naming an order the channel never had is `missing_order`.

Posting a row (matched, or an exception accepted): cash by what the marketplace paid, the
row's account (receivable, fees, adjustments) by what was expected, and the difference to
marketplace_adjustments. A row with no expectation (missing order, unmatched adjustment)
goes to marketplace_adjustments whole.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from erp_core.domain.errors import Conflict, IllegalTransition
from erp_core.domain.journal import ZERO, Posting, balanced
from erp_core.domain.settlement_files import RowType, SettlementRow

CENT = Decimal("0.01")
ADJUSTMENTS = "marketplace_adjustments"


class ExceptionKind(StrEnum):
    MISSING_ORDER = "missing_order"
    AMOUNT_MISMATCH = "amount_mismatch"
    FEE_MISMATCH = "fee_mismatch"
    UNEXPECTED_FEE = "unexpected_fee"
    DUPLICATE_PAYMENT = "duplicate_payment"
    UNMATCHED_ADJUSTMENT = "unmatched_adjustment"


class ExceptionStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"  # posted as the marketplace paid it
    DISMISSED = "dismissed"  # never posted


class RowStatus(StrEnum):
    """A row is matched at import, or follows its exception."""

    MATCHED = "matched"
    OPEN = "open"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


class SettlementConflict(Conflict):
    """The same settlement id again, with other content."""

    code = "settlement_conflict"


class ExceptionResolved(IllegalTransition):
    code = "exception_already_resolved"


@dataclass(frozen=True)
class OrderFacts:
    """What the books say about one order of the channel, before this settlement."""

    order_id: int
    invoiced: Decimal  # its invoices' totals
    credit_notes: Decimal  # its posted refunds' totals
    paid_before: bool  # an order row of an earlier settlement, not dismissed
    refunds_settled: Decimal  # credit notes earlier refund rows paid back (positive)
    fee_charged_before: bool  # a fee row of an earlier settlement, not dismissed


@dataclass(frozen=True)
class Verdict:
    """A row's match: the account it posts to, what was expected there, and the exception
    kind (None when it matched)."""

    order_id: int | None
    account: str
    expected: Decimal | None
    kind: ExceptionKind | None


def expected_fee(fee_rate: Decimal, invoiced: Decimal) -> Decimal:
    """The fee a marketplace may keep on an order: its rate on the invoiced total, rounded
    half-up to the cent, as a negative amount."""
    return ZERO - (fee_rate * invoiced).quantize(CENT, ROUND_HALF_UP)


def match_rows(
    rows: Iterable[SettlementRow],
    facts: Mapping[str, OrderFacts],
    channel: str,
    fee_rate: Decimal,
    tolerance: Decimal,
) -> list[Verdict]:
    """One verdict per row, in file order; rows earlier in the file count as settled."""
    receivable = f"receivable:{channel}"
    paid: set[str] = set()
    charged: set[str] = set()
    refunded: dict[str, Decimal] = defaultdict(lambda: ZERO)
    verdicts = []
    for row in rows:
        known = facts.get(row.order_ref) if row.order_ref else None
        if row.type == RowType.ADJUSTMENT:
            found = known.order_id if known else None
            miss = None if known else ExceptionKind.UNMATCHED_ADJUSTMENT
            verdicts.append(Verdict(found, ADJUSTMENTS, row.amount if known else None, miss))
            continue
        account = "marketplace_fees" if row.type == RowType.FEE else receivable
        if known is None or row.order_ref is None:
            verdicts.append(Verdict(None, account, None, ExceptionKind.MISSING_ORDER))
            continue
        ref = row.order_ref
        if row.type == RowType.ORDER:
            kind, expected = _order(row.amount, known, ref in paid, tolerance)
            paid.add(ref)
        elif row.type == RowType.REFUND:
            kind, expected = _refund(row.amount, known, refunded[ref], tolerance)
            if kind is None:
                refunded[ref] -= expected
        else:
            kind, expected = _fee(row.amount, known, ref in charged, fee_rate, tolerance)
            charged.add(ref)
        verdicts.append(Verdict(known.order_id, account, expected, kind))
    return verdicts


def _order(
    amount: Decimal, known: OrderFacts, paid_in_file: bool, tolerance: Decimal
) -> tuple[ExceptionKind | None, Decimal]:
    if known.paid_before or paid_in_file:
        return ExceptionKind.DUPLICATE_PAYMENT, ZERO
    return _beyond(amount, known.invoiced, tolerance, ExceptionKind.AMOUNT_MISMATCH), known.invoiced


def _refund(
    amount: Decimal, known: OrderFacts, refunded_in_file: Decimal, tolerance: Decimal
) -> tuple[ExceptionKind | None, Decimal]:
    """A refund clears at most what is still owed back: a partial payback matches (the rest
    may come in a later settlement), one beyond it is a mismatch."""
    owed_back = known.credit_notes - known.refunds_settled - refunded_in_file
    if -amount > owed_back + tolerance:
        return ExceptionKind.AMOUNT_MISMATCH, ZERO - owed_back
    return None, max(amount, ZERO - owed_back)


def _fee(
    amount: Decimal, known: OrderFacts, charged_in_file: bool, rate: Decimal, tolerance: Decimal
) -> tuple[ExceptionKind | None, Decimal]:
    if known.fee_charged_before or charged_in_file or not known.invoiced:
        return ExceptionKind.UNEXPECTED_FEE, ZERO
    expected = expected_fee(rate, known.invoiced)
    return _beyond(amount, expected, tolerance, ExceptionKind.FEE_MISMATCH), expected


def _beyond(
    amount: Decimal, expected: Decimal, tolerance: Decimal, kind: ExceptionKind
) -> ExceptionKind | None:
    return kind if abs(amount - expected) > tolerance else None


@dataclass(frozen=True)
class Posted:
    """A row as it posts: what the marketplace paid, the account, what was expected there."""

    amount: Decimal
    account: str
    expected: Decimal | None


def settlement_postings(rows: Iterable[Posted]) -> list[Posting]:
    """Cash by what was paid, each account by what was expected, the difference to
    marketplace_adjustments, netted per account; the receivable keeps two lines, Cr for
    what orders paid and Dr for what refunds paid back, so each reads on its own."""
    net: dict[tuple[str, bool], Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        expected = ZERO if row.expected is None else row.expected
        net[("cash", False)] += row.amount
        net[(row.account, row.account.startswith("receivable:") and expected < 0)] -= expected
        net[(ADJUSTMENTS, False)] += expected - row.amount
    return balanced(
        [
            Posting(account, debit=amount) if amount > 0 else Posting(account, credit=-amount)
            for (account, _), amount in net.items()
        ]
    )
