"""Double-entry postings for order-to-cash. Every entry balances: debits equal credits.

Accounts are named by code; a receivable is kept per channel ("receivable:AMZ") because each
marketplace pays out on its own schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from erp_core.domain.accounts import account_of
from erp_core.domain.errors import Conflict, InvalidInput

ZERO = Decimal(0)


class UnbalancedEntry(InvalidInput):
    """Debits differ from credits: a bug in a posting rule, or a manual entry's mistake."""

    code = "unbalanced_entry"


class ClosedPeriod(Conflict):
    code = "period_closed"


@dataclass(frozen=True)
class Posting:
    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO


def balanced(postings: list[Posting]) -> list[Posting]:
    """The postings without zero lines, refused unless debits equal credits and every
    account is in the chart."""
    kept = [p for p in postings if p.debit or p.credit]
    for posting in kept:
        account_of(posting.account)
        if posting.debit < 0 or posting.credit < 0 or (posting.debit and posting.credit):
            raise UnbalancedEntry(
                f"{posting.account}: a line is a debit or a credit, never negative",
                account=posting.account,
            )
    debits = sum((p.debit for p in kept), ZERO)
    credits = sum((p.credit for p in kept), ZERO)
    if debits != credits:
        raise UnbalancedEntry(
            f"debits {debits} differ from credits {credits}",
            debits=str(debits),
            credits=str(credits),
        )
    return kept


def period_of(day: date) -> str:
    """The accounting period (calendar month) a day belongs to, as "YYYY-MM"."""
    return f"{day.year:04d}-{day.month:02d}"


def period_days(period: str) -> tuple[date, date]:
    """The first and last day of a period named "YYYY-MM"."""
    try:
        year, month = (int(part) for part in period.split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise InvalidInput(f"{period!r} is not a period: write YYYY-MM", period=period) from None
    if period != period_of(first):
        raise InvalidInput(f"{period!r} is not a period: write YYYY-MM", period=period)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def months_between(first: date, last: date) -> list[str]:
    """The periods from the one holding `first` to the one holding `last`, in order."""
    periods, month = [], first.replace(day=1)
    while month <= last:
        periods.append(period_of(month))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return periods


def reversal(postings: list[Posting]) -> list[Posting]:
    """The entry that undoes another: every debit becomes a credit of the same amount."""
    return [Posting(p.account, debit=p.credit, credit=p.debit) for p in postings]


def stock_value_postings(value: Decimal, counter: str, at_cost: Decimal) -> list[Posting]:
    """Inventory moves by `value` (signed); the counter account (goods received, an
    adjustment, opening balances) takes `at_cost`, what the units were charged at; the rest is
    moving-average rounding, booked to inventory adjustments."""
    postings = [
        _signed("inventory", value),
        _signed(counter, -at_cost),
        _signed("inventory_adjustments", at_cost - value),
    ]
    return [p for p in postings if p.debit or p.credit]


def _signed(account: str, amount: Decimal) -> Posting:
    """A debit for a positive amount, a credit for a negative one."""
    return Posting(account, debit=amount) if amount > 0 else Posting(account, credit=-amount)


def invoice_postings(
    channel: str, goods: Decimal, discount: Decimal, tax: Decimal, shipping: Decimal
) -> list[Posting]:
    """Dr receivable (what the customer owes) and discounts given; Cr revenue at list,
    tax payable and shipping income."""
    owed = goods - discount + tax + shipping
    return balanced(
        [
            Posting(f"receivable:{channel}", debit=owed),
            Posting("discounts", debit=discount),
            Posting("revenue", credit=goods),
            Posting("tax_payable", credit=tax),
            Posting("shipping_income", credit=shipping),
        ]
    )


def shipping_postings(cost: Decimal) -> list[Posting]:
    """Dr shipping expense, Cr carriers payable, at what the carrier charges for the parcels."""
    return balanced(
        [Posting("shipping_expense", debit=cost), Posting("carrier_payable", credit=cost)]
    )


def cost_of_sale_postings(cost: Decimal) -> list[Posting]:
    """Dr cost of goods sold, Cr inventory, at the cost of the units shipped."""
    return balanced([Posting("cogs", debit=cost), Posting("inventory", credit=cost)])


def rounding_postings(difference: Decimal) -> list[Posting]:
    """Inventory's value moved by `difference` more than the amount posted for it: the
    4-place rounding of a blended average, booked to inventory adjustments."""
    return stock_value_postings(difference, "inventory_adjustments", ZERO)
