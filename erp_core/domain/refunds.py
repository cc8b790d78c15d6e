"""Refund arithmetic and the postings of returns: credit notes, returned stock, write-offs.

A refund pays back, per returned unit, what the customer paid for it: the line's net unit
price (unit price less the line's discount spread over its quantity) and the unit's share of
the line's tax. Shares are cut cumulatively, as invoices are, so refunding a line piece by
piece never pays more than the line cost in total.

Restocking fee: only for 'no longer needed' (the customer's choice, not the seller's fault),
at the channel's policy rate on the net goods refunded; tax is always refunded in full.
Shipping: refunded only when the seller was at fault and the whole order has come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from erp_core.domain.journal import ZERO, Posting, balanced
from erp_core.domain.returns import SELLER_FAULT, ReturnReason

STEP = Decimal("0.0001")  # the scale of Money columns


class RefundStatus(StrEnum):
    # Approval posts at once: an approved but unposted refund would be a state nobody works.
    PENDING_APPROVAL = "pending_approval"
    POSTED = "posted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class RefundedLine:
    """Units of one order line being refunded, and how many of the line were refunded before."""

    qty: int
    refunded_before: int
    line_qty: int
    unit_price: Decimal
    discount: Decimal
    tax: Decimal


@dataclass(frozen=True)
class RefundAmounts:
    goods: Decimal
    tax: Decimal
    shipping: Decimal
    restocking_fee: Decimal

    @property
    def total(self) -> Decimal:
        return self.goods + self.tax + self.shipping - self.restocking_fee


def refund_amounts(
    lines: list[RefundedLine],
    reason: ReturnReason,
    fee_rate: Decimal,
    order_shipping: Decimal,
    whole_order_back: bool,
) -> RefundAmounts:
    goods = tax = ZERO
    for line in lines:
        done = line.refunded_before + line.qty
        goods += line.unit_price * line.qty - (
            _share(line.discount, done, line.line_qty)
            - _share(line.discount, line.refunded_before, line.line_qty)
        )
        tax += _share(line.tax, done, line.line_qty) - _share(
            line.tax, line.refunded_before, line.line_qty
        )
    fee = ZERO
    if reason == ReturnReason.NO_LONGER_NEEDED:
        fee = (goods * fee_rate).quantize(STEP, ROUND_HALF_EVEN)
    shipping = order_shipping if reason in SELLER_FAULT and whole_order_back else ZERO
    return RefundAmounts(goods, tax, shipping, fee)


def needs_approval(total: Decimal, threshold: Decimal) -> bool:
    return total > threshold


def _share(amount: Decimal, qty: int, of: int) -> Decimal:
    return (amount * qty / of).quantize(STEP)


def credit_note_postings(channel: str, amounts: RefundAmounts) -> list[Posting]:
    """Dr sales returns (goods net of discount), tax payable and shipping income for what is
    paid back; Cr the channel's receivable by the refund, and restocking income by the fee."""
    return balanced(
        [
            Posting("sales_returns", debit=amounts.goods),
            Posting("tax_payable", debit=amounts.tax),
            Posting("shipping_income", debit=amounts.shipping),
            Posting(f"receivable:{channel}", credit=amounts.total),
            Posting("restocking_income", credit=amounts.restocking_fee),
        ]
    )


def returned_stock_postings(cost: Decimal) -> list[Posting]:
    """Returned units re-enter inventory at the cost they left at, reversing their COGS."""
    return balanced([Posting("inventory", debit=cost), Posting("cogs", credit=cost)])


def write_off_postings(cost: Decimal) -> list[Posting]:
    return balanced([Posting("inventory_write_off", debit=cost), Posting("inventory", credit=cost)])


def return_to_vendor_postings(supplier: str, cost: Decimal) -> list[Posting]:
    """The supplier owes the cost of what goes back to them."""
    return balanced(
        [Posting(f"vendor_receivable:{supplier}", debit=cost), Posting("inventory", credit=cost)]
    )
