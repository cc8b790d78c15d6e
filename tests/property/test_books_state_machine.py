"""Random receipts (with and without a cost), adjustments, relocations, standard cost edits,
manual entries and reversals against a real SQLite database: after every step the trial
balance is zero and inventory in the journal equals on-hand units x each item's cost, to the
ten-thousandth (RELIABILITY.md: the ledger)."""

from __future__ import annotations

import contextlib
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from erp_core.domain.errors import InsufficientStock
from erp_core.domain.journal import Posting
from erp_core.domain.stock import StockStatus
from erp_core.queries.books import trial_balance
from erp_core.services import books
from erp_core.services import inventory as inv
from erp_core.services import master_data as md
from tests.factories import ACTOR, item, location
from tests.ledger_check import assert_ledger_consistent, inventory_gap
from tests.property.fresh_database import discard, fresh_database

SKUS = ["A", "B"]
LOCATIONS = ["L1", "L2"]
A = StockStatus.AVAILABLE
COSTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99.9999"), places=4)
# Accounts a person may post to by hand (inventory moves only with stock).
MANUAL = ["cash", "receivable:AMZ", "marketplace_fees", "revenue", "tax_payable", "grni"]


class BooksMachine(RuleBasedStateMachine):
    manual_entries = Bundle("manual_entries")

    def __init__(self) -> None:
        super().__init__()
        self.dir, self.db = fresh_database()
        for sku in SKUS:
            item(self.db, sku, unit_cost=Decimal("1.50"))
        for code in LOCATIONS:
            location(self.db, code)

    def teardown(self) -> None:
        discard(self.dir, self.db)

    @rule(
        sku=st.sampled_from(SKUS),
        code=st.sampled_from(LOCATIONS),
        qty=st.integers(1, 40),
        cost=st.none() | COSTS,
    )
    def receive(self, sku: str, code: str, qty: int, cost: Decimal | None) -> None:
        inv.move_stock(self.db, ACTOR, inv.MoveCommand(sku, code, qty, A, unit_cost=cost))

    @rule(sku=st.sampled_from(SKUS), code=st.sampled_from(LOCATIONS), delta=st.integers(-30, 30))
    def adjust(self, sku: str, code: str, delta: int) -> None:
        if delta == 0:
            return
        with contextlib.suppress(InsufficientStock):
            inv.adjust_stock(self.db, ACTOR, inv.AdjustCommand(sku, code, A, "count", delta=delta))

    @rule(sku=st.sampled_from(SKUS), qty=st.integers(1, 20))
    def relocate(self, sku: str, qty: int) -> None:
        with contextlib.suppress(InsufficientStock):
            inv.relocate_stock(self.db, ACTOR, inv.RelocateCommand(sku, "L1", "L2", qty))

    @rule(sku=st.sampled_from(SKUS), cost=COSTS)
    def change_standard_cost(self, sku: str, cost: Decimal) -> None:
        md.update_record(self.db, ACTOR, md.ITEMS, sku, {"unit_cost": cost})

    @rule(
        target=manual_entries,
        debit=st.sampled_from(MANUAL),
        credit=st.sampled_from(MANUAL),
        amount=COSTS,
    )
    def post_by_hand(self, debit: str, credit: str, amount: Decimal) -> int:
        lines = [Posting(debit, debit=amount), Posting(credit, credit=amount)]
        if debit == credit:
            lines = lines + [Posting("cash", debit=amount), Posting("cash", credit=amount)]
        return int(books.post_manual_entry(self.db, ACTOR, "by hand", "manual", lines)["id"])

    @rule(entry=consumes(manual_entries))
    def reverse(self, entry: int) -> None:
        books.reverse_entry(self.db, ACTOR, entry, "mistake")

    @invariant()
    def books_balance_and_inventory_is_stock_at_cost(self) -> None:
        assert inventory_gap(self.db) == 0
        assert self.db.read(lambda s: trial_balance(s, None))["difference"] == 0
        assert_ledger_consistent(self.db)


BooksMachine.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestBooks = BooksMachine.TestCase
