"""The books: stock valued at moving-average cost in the journal, the trial balance at a date,
the journal's filters, manual entries, reversals and period close."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from erp_core.adapters.database import Database
from erp_core.adapters.tables import Item
from erp_core.clock import replaying_at
from erp_core.domain.accounts import UnknownAccount
from erp_core.domain.errors import IllegalTransition
from erp_core.domain.journal import ClosedPeriod, Posting, UnbalancedEntry
from erp_core.domain.stock import StockStatus
from erp_core.queries.books import JournalFilter, account_balances, journal_page, trial_balance
from erp_core.services import books
from erp_core.services import inventory as inv
from erp_core.services import master_data as md
from tests.factories import ACTOR, item, location
from tests.integration.test_failure_injection import everything

A = StockStatus.AVAILABLE
SEPT = datetime(2026, 9, 10, 12, tzinfo=UTC)
OCT = datetime(2026, 10, 5, 12, tzinfo=UTC)


def receive(db: Database, qty: int, cost: str | None = None, sku: str = "A") -> None:
    unit = None if cost is None else Decimal(cost)
    inv.move_stock(db, ACTOR, inv.MoveCommand(sku, "DC-1", qty, A, unit_cost=unit))


def balances(db: Database, as_of: date | None = None) -> dict[str, Decimal]:
    return db.read(lambda s: account_balances(s, as_of))


def average(db: Database, sku: str = "A") -> Decimal | None:
    return db.read(lambda s: s.query(Item.average_cost).filter(Item.sku == sku).scalar())


@pytest.fixture
def shop(db: Database) -> Database:
    item(db, "A", unit_cost=Decimal("2.00"))
    location(db, "DC-1")
    return db


def test_receipts_blend_the_average_and_the_rounding_keeps_inventory_at_on_hand_x_cost(
    shop: Database,
) -> None:
    receive(shop, 10, "3.00")
    receive(shop, 5, "4.3333")
    # (10 x 3.00 + 5 x 4.3333) / 15 = 51.6665 / 15 = 3.444433.. -> 3.4444
    assert average(shop) == Decimal("3.4444")
    # Inventory holds 15 x 3.4444 = 51.6660; goods received owe 30 + 21.6665 = 51.6665; the
    # 0.0005 between them is the average's rounding.
    assert balances(shop) == {
        "inventory": Decimal("51.6660"),
        "grni": Decimal("-51.6665"),
        "inventory_adjustments": Decimal("0.0005"),
    }


def test_adjustments_and_uncosted_receipts_move_inventory_at_the_average(shop: Database) -> None:
    receive(shop, 10, "3.00")
    inv.adjust_stock(shop, ACTOR, inv.AdjustCommand("A", "DC-1", A, "damaged", delta=-4))
    receive(shop, 2)  # no cost named: at the average, 3.00
    # 10 x 3 - 4 x 3 + 2 x 3 = 24 in inventory; the write-down of 12 is an adjustment expense.
    assert balances(shop) == {
        "inventory": Decimal("24.0000"),
        "grni": Decimal("-36.0000"),
        "inventory_adjustments": Decimal("12.0000"),
    }


def test_a_standard_cost_change_leaves_stock_on_hand_at_its_cost(shop: Database) -> None:
    receive(shop, 4)  # valued at the standard cost, 2.00
    md.update_record(shop, ACTOR, md.ITEMS, "A", {"unit_cost": Decimal("5.00")})
    assert average(shop) == Decimal("2.00")
    assert balances(shop)["inventory"] == Decimal("8.0000")


def test_the_trial_balance_at_a_date_counts_the_entries_posted_by_its_end(
    shop: Database,
) -> None:
    with replaying_at(SEPT):
        receive(shop, 10, "3.00")
    with replaying_at(OCT):
        receive(shop, 1, "3.00")
    september = shop.read(lambda s: trial_balance(s, date(2026, 9, 30)))
    assert [(r["account"], r["debit"], r["credit"]) for r in september["accounts"]] == [
        ("inventory", Decimal("30.0000"), Decimal(0)),
        ("grni", Decimal(0), Decimal("30.0000")),
    ]
    assert september["difference"] == 0
    today = shop.read(lambda s: trial_balance(s, None))
    assert today["total_debit"] == today["total_credit"] == Decimal("33.0000")


def test_the_journal_filters_by_date_account_and_reference(shop: Database) -> None:
    with replaying_at(SEPT):
        receive(shop, 10, "3.00")
    books.post_manual_entry(
        shop,
        ACTOR,
        "fee refund",
        "bank:42",
        [Posting("cash", debit=Decimal(5)), Posting("receivable:AMZ", credit=Decimal(5))],
    )

    def page(wanted: JournalFilter) -> list[str]:
        return [e["reference"] for e in shop.read(lambda s: journal_page(s, wanted, None, 50)).data]

    assert page(JournalFilter(account="receivable")) == ["bank:42"]
    assert page(JournalFilter(account="receivable:AMZ")) == ["bank:42"]
    assert page(JournalFilter(account="receivable:EBAY")) == []
    assert page(JournalFilter(end=date(2026, 9, 30))) == page(JournalFilter(account="grni"))
    assert page(JournalFilter(reference="bank:")) == ["bank:42"]
    assert page(JournalFilter(start=date(2026, 9, 11), account="grni")) == []
    with pytest.raises(UnknownAccount):
        page(JournalFilter(account="petty_cash"))


def test_manual_entries_balance_name_chart_accounts_and_leave_inventory_to_stock(
    shop: Database,
) -> None:
    before = everything(shop)
    for lines, error in (
        (
            [Posting("cash", debit=Decimal(5)), Posting("revenue", credit=Decimal(4))],
            UnbalancedEntry,
        ),
        ([Posting("cash", debit=Decimal(5)), Posting("petty", credit=Decimal(5))], UnknownAccount),
        (
            [Posting("cash", debit=Decimal(5)), Posting("receivable", credit=Decimal(5))],
            UnknownAccount,
        ),
        (
            [Posting("inventory", debit=Decimal(5)), Posting("cash", credit=Decimal(5))],
            books.StockDrivenAccount,
        ),
    ):
        with pytest.raises(error):
            books.post_manual_entry(shop, ACTOR, "wrong", "manual", lines)
    assert everything(shop) == before


def test_a_reversal_mirrors_the_entry_today_once_and_never_for_stock(shop: Database) -> None:
    receive(shop, 1, "3.00")
    entry = books.post_manual_entry(
        shop,
        ACTOR,
        "marketplace payout",
        "payout:7",
        [Posting("cash", debit=Decimal("9.5")), Posting("receivable:AMZ", credit=Decimal("9.5"))],
    )
    undone = books.reverse_entry(shop, "finance", entry["id"], "paid to the wrong account")
    assert undone["reverses_id"] == entry["id"] and undone["reference"] == "payout:7"
    assert [(line["account"], line["debit"], line["credit"]) for line in undone["lines"]] == [
        ("cash", Decimal(0), Decimal("9.5000")),
        ("receivable:AMZ", Decimal("9.5000"), Decimal(0)),
    ]
    assert "cash" not in balances(shop) or balances(shop)["cash"] == 0
    with pytest.raises(books.AlreadyReversed):
        books.reverse_entry(shop, "finance", entry["id"], "again")
    stock_entry = shop.read(lambda s: journal_page(s, JournalFilter(account="grni"), None, 5))
    with pytest.raises(books.StockDrivenAccount):
        books.reverse_entry(shop, "finance", stock_entry.data[0]["id"], "no")


def test_periods_close_in_order_once_ended_and_then_take_no_entry(shop: Database) -> None:
    with replaying_at(SEPT):
        receive(shop, 10, "3.00")
    with replaying_at(OCT):
        receive(shop, 2, "3.00")
    with pytest.raises(IllegalTransition):
        books.close_period(shop, "finance", "2026-11")  # not over yet
    with pytest.raises(books.EarlierPeriodOpen):
        books.close_period(shop, "finance", "2026-10")
    september = books.close_period(shop, "finance", "2026-09")
    assert september["balances"] == {"inventory": "30.0000", "grni": "-30.0000"}
    with pytest.raises(ClosedPeriod):
        books.close_period(shop, "finance", "2026-09")
    books.close_period(shop, "finance", "2026-10")
    before = everything(shop)
    with replaying_at(OCT), pytest.raises(ClosedPeriod):
        receive(shop, 1, "3.00")  # a back-dated receipt would post into a closed month
    assert everything(shop) == before
    receive(shop, 1, "3.00")  # today, in the open period
    assert balances(shop)["inventory"] == Decimal("39.0000")
