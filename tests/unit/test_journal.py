"""Order-to-cash postings balance."""

from __future__ import annotations

from decimal import Decimal

import pytest

from erp_core.domain.journal import (
    Posting,
    UnbalancedEntry,
    balanced,
    cost_of_sale_postings,
    invoice_postings,
)


def test_an_invoice_posts_what_is_owed_against_revenue_tax_and_shipping() -> None:
    lines = invoice_postings("AMZ", Decimal("100"), Decimal("10"), Decimal("17.10"), Decimal("5"))
    assert {p.account: (p.debit, p.credit) for p in lines} == {
        "receivable:AMZ": (Decimal("112.10"), 0),
        "discounts": (Decimal("10"), 0),
        "revenue": (0, Decimal("100")),
        "tax_payable": (0, Decimal("17.10")),
        "shipping_income": (0, Decimal("5")),
    }


def test_zero_lines_are_left_out_and_cost_of_sale_balances() -> None:
    assert [p.account for p in invoice_postings("WEB", Decimal(8), 0, 0, 0)] == [
        "receivable:WEB",
        "revenue",
    ]
    assert cost_of_sale_postings(Decimal("4.5")) == [
        Posting("cogs", debit=Decimal("4.5")),
        Posting("inventory", credit=Decimal("4.5")),
    ]


def test_an_entry_that_does_not_balance_is_refused() -> None:
    with pytest.raises(UnbalancedEntry):
        balanced([Posting("cash", debit=Decimal(1)), Posting("revenue", credit=Decimal(2))])
