"""Double-entry postings for order-to-cash. Every entry balances: debits equal credits.

Accounts are named by code; a receivable is kept per channel ("receivable:AMZ") because each
marketplace pays out on its own schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


class UnbalancedEntry(ValueError):
    """A posting rule that does not balance is a bug, never the caller's input."""


@dataclass(frozen=True)
class Posting:
    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO


def balanced(postings: list[Posting]) -> list[Posting]:
    """The postings without zero lines, refused unless debits equal credits."""
    kept = [p for p in postings if p.debit or p.credit]
    debits = sum((p.debit for p in kept), ZERO)
    credits = sum((p.credit for p in kept), ZERO)
    if debits != credits:
        raise UnbalancedEntry(f"debits {debits} differ from credits {credits}")
    return kept


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


def cost_of_sale_postings(cost: Decimal) -> list[Posting]:
    """Dr cost of goods sold, Cr inventory, at the cost of the units shipped."""
    return balanced([Posting("cogs", debit=cost), Posting("inventory", credit=cost)])
