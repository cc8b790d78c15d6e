"""Random sequences of receive / move / adjust / reserve / unreserve / relocate against a real
SQLite database: after every step the balances equal the sum of the moves, nothing is
negative, and the balances match a plain-Python model of what should be there."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from erp_core.adapters.database import Database
from erp_core.domain.errors import InsufficientStock, InvalidInput
from erp_core.domain.stock import StockStatus
from erp_core.queries.inventory import inventory_positions
from erp_core.services import inventory as inv
from tests.factories import ACTOR, item, location
from tests.ledger_check import assert_ledger_consistent
from tests.property.fresh_database import discard, fresh_database

SKUS = ["A", "B"]
LOCATIONS = ["L1", "L2"]
MOVABLE = [s for s in StockStatus if s != StockStatus.RESERVED]


class LedgerMachine(RuleBasedStateMachine):
    reservations = Bundle("reservations")

    def __init__(self) -> None:
        super().__init__()
        self.dir, self.db = fresh_database()
        for sku in SKUS:
            item(self.db, sku)
        for code in LOCATIONS:
            location(self.db, code)
        self.expected: Counter[tuple[str, str, StockStatus]] = Counter()

    def teardown(self) -> None:
        discard(self.dir, self.db)

    def _refused_if_short(self, key: tuple[str, str, StockStatus], qty: int) -> bool:
        return self.expected[key] < qty

    @rule(
        sku=st.sampled_from(SKUS),
        code=st.sampled_from(LOCATIONS),
        status=st.sampled_from(MOVABLE),
        qty=st.integers(1, 50),
    )
    def receive(self, sku: str, code: str, status: StockStatus, qty: int) -> None:
        inv.move_stock(self.db, ACTOR, inv.MoveCommand(sku, code, qty, status))
        self.expected[(sku, code, status)] += qty

    @rule(
        sku=st.sampled_from(SKUS),
        code=st.sampled_from(LOCATIONS),
        source=st.sampled_from(MOVABLE),
        dest=st.sampled_from(MOVABLE),
        qty=st.integers(1, 30),
    )
    def move(self, sku: str, code: str, source: StockStatus, dest: StockStatus, qty: int) -> None:
        if source == dest:
            return
        cmd = inv.MoveCommand(sku, code, qty, dest, source, "status_change")
        if self._refused_if_short((sku, code, source), qty):
            self._expect_refusal(lambda: inv.move_stock(self.db, ACTOR, cmd))
            return
        inv.move_stock(self.db, ACTOR, cmd)
        self.expected[(sku, code, source)] -= qty
        self.expected[(sku, code, dest)] += qty

    @rule(
        sku=st.sampled_from(SKUS),
        code=st.sampled_from(LOCATIONS),
        status=st.sampled_from(MOVABLE),
        counted=st.integers(0, 60),
    )
    def count(self, sku: str, code: str, status: StockStatus, counted: int) -> None:
        cmd = inv.AdjustCommand(sku, code, status, "count_correction", counted_qty=counted)
        if self.expected[(sku, code, status)] == counted:
            self._expect_refusal(lambda: inv.adjust_stock(self.db, ACTOR, cmd), InvalidInput)
            return
        inv.adjust_stock(self.db, ACTOR, cmd)
        self.expected[(sku, code, status)] = counted

    @rule(
        target=reservations,
        sku=st.sampled_from(SKUS),
        code=st.sampled_from(LOCATIONS),
        qty=st.integers(1, 20),
    )
    def reserve(self, sku: str, code: str, qty: int) -> int:
        cmd = inv.ReserveCommand(sku, code, qty)
        if self._refused_if_short((sku, code, StockStatus.AVAILABLE), qty):
            self._expect_refusal(lambda: inv.reserve_stock(self.db, ACTOR, cmd))
            return -1
        made = inv.reserve_stock(self.db, ACTOR, cmd)
        self.expected[(sku, code, StockStatus.AVAILABLE)] -= qty
        self.expected[(sku, code, StockStatus.RESERVED)] += qty
        return int(made["id"])

    @rule(reservation=consumes(reservations))
    def unreserve(self, reservation: int) -> None:
        if reservation < 0:
            return
        released = inv.release_reservation(self.db, ACTOR, reservation)
        key = (released["sku"], released["location"])
        self.expected[(*key, StockStatus.RESERVED)] -= released["qty"]
        self.expected[(*key, StockStatus.AVAILABLE)] += released["qty"]

    @rule(sku=st.sampled_from(SKUS), qty=st.integers(1, 30), forward=st.booleans())
    def relocate(self, sku: str, qty: int, forward: bool) -> None:
        source, target = LOCATIONS if forward else LOCATIONS[::-1]
        cmd = inv.RelocateCommand(sku, source, target, qty)
        if self._refused_if_short((sku, source, StockStatus.AVAILABLE), qty):
            self._expect_refusal(lambda: inv.relocate_stock(self.db, ACTOR, cmd))
            return
        inv.relocate_stock(self.db, ACTOR, cmd)
        self.expected[(sku, source, StockStatus.AVAILABLE)] -= qty
        self.expected[(sku, target, StockStatus.AVAILABLE)] += qty

    def _expect_refusal(self, action: object, error: type[Exception] = InsufficientStock) -> None:
        try:
            action()  # type: ignore[operator]
        except error:
            return
        raise AssertionError("the action should have been refused")

    @invariant()
    def balances_equal_the_sum_of_moves_and_the_model(self) -> None:
        assert_ledger_consistent(self.db)
        positions = inv_positions(self.db)
        expected = {k: v for k, v in self.expected.items() if v}
        assert positions == expected


def inv_positions(db: Database) -> dict[tuple[str, str, StockStatus], int]:
    found: dict[tuple[str, str, StockStatus], int] = {}
    for row in inventory_positions(db, None, None, None, 100).data:
        for status in StockStatus:
            if row[status.value]:
                found[(row["sku"], row["location"], status)] = row[status.value]
    return found


LedgerMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_the_ledger_stays_consistent_under_random_actions = LedgerMachine.TestCase
