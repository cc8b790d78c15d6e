"""Returns: authorize shipped units, receive into inspection, inspect, route every unit to
exactly one disposition, refund with approval; ledger and journal stay whole throughout."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import JournalEntry, JournalLine
from erp_core.adapters.returns_tables import ReturnDisposition, ReturnLine
from erp_core.adapters.tables import Item, StockMove
from erp_core.domain.errors import DomainError, IllegalTransition, InvalidInput, PermissionDenied
from erp_core.domain.refunds import RefundStatus
from erp_core.domain.returns import Condition, Disposition, ReturnReason, ReturnStatus
from erp_core.domain.stock import StockStatus
from erp_core.queries.inventory import inventory_positions
from erp_core.services import inventory as inv
from erp_core.services import master_data as md
from erp_core.services.dispositions import DisposeLine, dispose_units, restock_refurbished
from erp_core.services.refunds import approve_refund, reject_refund, request_refund
from erp_core.services.return_policies import set_return_policy
from erp_core.services.return_receiving import InspectLine, inspect_return, receive_return
from erp_core.services.returns import AuthorizeCommand, LineQty, authorize_return, cancel_return
from tests.factories import ACTOR
from tests.integration.test_failure_injection import InjectedFailure, everything, failing_midway
from tests.integration.test_fulfillment import placed, ship, trial_balance
from tests.integration.test_release import shop as shop  # noqa: F401  (the fixture)

D = Disposition


@pytest.fixture
def shipped(shop: Database) -> int:
    """Order O-1: 3 x A at 10.00 less 3.00 discount, 5.13 tax, 4.90 shipping, all shipped
    from DC-2 where the units cost 4.00."""
    inv.move_stock(
        shop,
        ACTOR,
        inv.MoveCommand("A", "DC-2", 10, StockStatus.AVAILABLE, unit_cost=Decimal("4")),
    )
    md.create_record(shop, ACTOR, md.SUPPLIERS, {"code": "SUP", "name": "Supplier"})
    order_id = placed(shop)
    ship(shop, order_id, 3)
    return order_id


def authorize(
    db: Database, order_id: int, qty: int, reason: ReturnReason = ReturnReason.DAMAGED, **kw: str
) -> dict:
    return authorize_return(db, ACTOR, AuthorizeCommand(order_id, reason, (LineQty(1, qty),), **kw))


def received_and_inspected(
    db: Database, order_id: int, qty: int, reason: ReturnReason = ReturnReason.DAMAGED
) -> int:
    rma_id = authorize(db, order_id, qty, reason)["id"]
    receive_return(db, ACTOR, rma_id, (LineQty(1, qty),))
    inspect_return(db, ACTOR, rma_id, (InspectLine(1, Condition.OPENED),))
    return rma_id


def buckets(db: Database, code: str = "DC-2") -> dict[str, int]:
    row = inventory_positions(db, "A", code, None, 1).data[0]
    return {s.value: row[s.value] for s in StockStatus if s.value in row}


def account(db: Database, name: str) -> Decimal:
    debit, credit = db.read(
        lambda s: s.execute(
            select(func.sum(JournalLine.debit), func.sum(JournalLine.credit)).where(
                JournalLine.account == name
            )
        ).one()
    )
    return Decimal(debit or 0) - Decimal(credit or 0)


def test_a_return_moves_units_into_inspection_and_each_out_to_exactly_its_disposition(
    shop: Database, shipped: int
) -> None:
    start = buckets(shop)
    rma_id = received_and_inspected(shop, shipped, 3)
    assert buckets(shop)["inspection"] == 3
    done = dispose_units(
        shop,
        ACTOR,
        rma_id,
        (DisposeLine(1, 1, D.RESTOCK), DisposeLine(1, 1, D.REFURBISH)),
    )
    assert done["status"] == ReturnStatus.INSPECTED
    done = dispose_units(
        shop, ACTOR, rma_id, (DisposeLine(1, 1, D.RETURN_TO_VENDOR, supplier="SUP"),)
    )
    assert done["status"] == ReturnStatus.CLOSED
    assert done["closed_at"] is not None and done["cycle_seconds"] is not None
    [line] = done["lines"]
    assert line["qty_received"] == line["qty_inspected"] == 3
    assert sum(d["qty"] for d in done["dispositions"]) == 3
    after = buckets(shop)
    assert after["inspection"] == 0
    assert after["available"] == start["available"] + 1
    assert after["quarantine"] == 1  # the refurbished unit waits for repair
    refurbish = next(d for d in done["dispositions"] if d["disposition"] == D.REFURBISH)
    restock_refurbished(shop, ACTOR, rma_id, refurbish["id"], 1)
    assert buckets(shop)["quarantine"] == 0
    assert buckets(shop)["available"] == start["available"] + 2
    # The ledger says the same: every move of the RMA, by reason.
    moved = defaultdict(int)
    for reason, qty in shop.read(
        lambda s: s.execute(
            select(StockMove.reason, StockMove.qty).where(
                StockMove.reference.like(f"rma:{rma_id}%")
            )
        ).all()
    ):
        moved[reason] += qty
    assert dict(moved) == {
        "return_receipt": 3,
        "return_restock": 1,
        "refurbish": 1,
        "refurbished": 1,
        "return_to_vendor": 1,
    }


def test_returned_units_come_back_at_their_shipped_cost_and_leave_at_current_cost(
    shop: Database, shipped: int
) -> None:
    assert account(shop, "cogs") == Decimal("12")  # 3 shipped at 4.00
    shelf = account(shop, "inventory")
    rma_id = received_and_inspected(shop, shipped, 2)
    assert account(shop, "cogs") == Decimal("4")
    assert account(shop, "inventory") == shelf + Decimal("8")
    dispose_units(
        shop,
        ACTOR,
        rma_id,
        (DisposeLine(1, 1, D.WRITE_OFF), DisposeLine(1, 1, D.RETURN_TO_VENDOR, supplier="SUP")),
    )
    assert account(shop, "inventory_write_off") == Decimal("4")
    assert account(shop, "vendor_receivable:SUP") == Decimal("4")
    assert account(shop, "inventory") == shelf
    average = shop.read(lambda s: s.scalar(select(Item.average_cost).where(Item.sku == "A")))
    assert average == Decimal("4")
    debit, credit = trial_balance(shop)
    assert debit == credit


@pytest.mark.parametrize(
    ("qty", "reason", "text", "error"),
    [
        (4, ReturnReason.DAMAGED, None, "return_exceeds_shipped"),
        (1, ReturnReason.OTHER, None, "reason_text_required"),
        (1, ReturnReason.OTHER, "   ", "reason_text_required"),
    ],
)
def test_bad_authorizations_are_refused_and_write_nothing(
    shop: Database, shipped: int, qty: int, reason: ReturnReason, text: str | None, error: str
) -> None:
    before = everything(shop)
    with pytest.raises(DomainError) as refused:
        authorize_return(
            shop, ACTOR, AuthorizeCommand(shipped, reason, (LineQty(1, qty),), reason_text=text)
        )
    assert refused.value.code == error
    assert everything(shop) == before


def test_units_already_returned_cannot_be_returned_again_until_the_rma_is_cancelled(
    shop: Database, shipped: int
) -> None:
    first = authorize(shop, shipped, 2)
    before = everything(shop)
    with pytest.raises(InvalidInput) as refused:
        authorize(shop, shipped, 2)
    assert refused.value.code == "return_exceeds_shipped"
    assert everything(shop) == before
    cancel_return(shop, ACTOR, first["id"])
    assert authorize(shop, shipped, 3)["status"] == ReturnStatus.AUTHORIZED


def test_an_unshipped_line_cannot_be_returned(shop: Database) -> None:
    inv.move_stock(shop, ACTOR, inv.MoveCommand("A", "DC-2", 10, StockStatus.AVAILABLE))
    order_id = placed(shop)
    ship(shop, order_id, 1)
    with pytest.raises(InvalidInput) as refused:
        authorize(shop, order_id, 2)
    assert refused.value.code == "return_exceeds_shipped"


def test_a_return_outside_the_channel_window_is_refused(shop: Database, shipped: int) -> None:
    set_return_policy(shop, ACTOR, "WEB", 0, Decimal(0))
    before = everything(shop)
    with pytest.raises(InvalidInput) as refused:
        authorize(shop, shipped, 1)
    assert refused.value.code == "outside_return_window"
    assert everything(shop) == before


def test_receiving_more_than_authorized_or_routing_uninspected_units_is_refused(
    shop: Database, shipped: int
) -> None:
    rma_id = authorize(shop, shipped, 2)["id"]
    before = everything(shop)
    with pytest.raises(InvalidInput) as refused:
        receive_return(shop, ACTOR, rma_id, (LineQty(1, 3),))
    assert refused.value.code == "receipt_exceeds_authorized"
    with pytest.raises(IllegalTransition) as early:
        dispose_units(shop, ACTOR, rma_id, (DisposeLine(1, 1, D.RESTOCK),))
    assert early.value.code == "not_inspected"
    assert everything(shop) == before
    receive_return(shop, ACTOR, rma_id, (LineQty(1, 2),))
    with pytest.raises(IllegalTransition) as uninspected:
        dispose_units(shop, ACTOR, rma_id, (DisposeLine(1, 1, D.RESTOCK),))
    assert uninspected.value.code == "not_inspected"
    with pytest.raises(IllegalTransition):
        cancel_return(shop, ACTOR, rma_id)


def test_a_unit_gets_one_disposition_only(shop: Database, shipped: int) -> None:
    rma_id = received_and_inspected(shop, shipped, 2)
    before = everything(shop)
    with pytest.raises(InvalidInput) as refused:
        dispose_units(
            shop, ACTOR, rma_id, (DisposeLine(1, 2, D.RESTOCK), DisposeLine(1, 1, D.QUARANTINE))
        )
    assert refused.value.code == "disposition_exceeds_inspected"
    with pytest.raises(InvalidInput):
        dispose_units(shop, ACTOR, rma_id, (DisposeLine(1, 1, D.RETURN_TO_VENDOR),))
    assert everything(shop) == before
    dispose_units(shop, ACTOR, rma_id, (DisposeLine(1, 2, D.QUARANTINE),))
    with pytest.raises(IllegalTransition):
        dispose_units(shop, ACTOR, rma_id, (DisposeLine(1, 1, D.RESTOCK),))
    totals = shop.read(
        lambda s: s.execute(
            select(ReturnLine.qty_inspected, func.sum(ReturnDisposition.qty))
            .join(ReturnDisposition, ReturnDisposition.return_line_id == ReturnLine.id)
            .group_by(ReturnLine.id, ReturnLine.qty_inspected)
        ).all()
    )
    assert totals == [(2, 2)]


def test_a_partial_refund_pays_net_price_and_tax_share_and_the_last_one_shipping(
    shop: Database, shipped: int
) -> None:
    first = received_and_inspected(shop, shipped, 2)
    refund = request_refund(shop, ACTOR, first)
    assert (refund["goods"], refund["tax"], refund["shipping"], refund["total"]) == (
        Decimal("18"),  # 2 x 10.00 less 2/3 of the 3.00 discount
        Decimal("3.42"),
        Decimal(0),
        Decimal("21.42"),
    )
    assert refund["status"] == RefundStatus.POSTED
    second = received_and_inspected(shop, shipped, 1)
    last = request_refund(shop, ACTOR, second)
    assert (last["goods"], last["tax"], last["shipping"]) == (
        Decimal("9"),
        Decimal("1.71"),
        Decimal("4.90"),
    )
    assert refund["total"] + last["total"] == Decimal("37.03")  # what the customer paid
    assert account(shop, "receivable:WEB") == Decimal(0)
    with pytest.raises(InvalidInput) as again:
        request_refund(shop, ACTOR, second)
    assert again.value.code == "refund_exceeds_received"


def test_a_change_of_mind_pays_the_restocking_fee_and_no_shipping(
    shop: Database, shipped: int
) -> None:
    set_return_policy(shop, ACTOR, "WEB", 30, Decimal("0.1"))
    rma_id = received_and_inspected(shop, shipped, 3, reason=ReturnReason.NO_LONGER_NEEDED)
    refund = request_refund(shop, ACTOR, rma_id)
    assert (refund["goods"], refund["restocking_fee"], refund["shipping"]) == (
        Decimal("27"),
        Decimal("2.7"),
        Decimal(0),
    )
    assert account(shop, "restocking_income") == Decimal("-2.7")
    assert account(shop, "sales_returns") == Decimal("27")


def test_a_large_refund_waits_for_approval_by_someone_else(shop: Database, shipped: int) -> None:
    shop.settings.refund_approval_amount = Decimal("10")
    rma_id = received_and_inspected(shop, shipped, 3)
    refund = request_refund(shop, "clerk", rma_id)
    assert refund["status"] == RefundStatus.PENDING_APPROVAL
    assert refund["journal_entry_id"] is None
    entries = shop.read(lambda s: s.scalar(select(func.count()).select_from(JournalEntry)))
    with pytest.raises(PermissionDenied):
        approve_refund(shop, "clerk", refund["id"])
    approved = approve_refund(shop, "controller", refund["id"])
    assert approved["status"] == RefundStatus.POSTED
    assert approved["approved_by"] == "controller" and approved["approved_at"] is not None
    assert shop.read(lambda s: s.scalar(select(func.count()).select_from(JournalEntry))) == (
        entries + 1
    )
    with pytest.raises(IllegalTransition):
        approve_refund(shop, "controller", refund["id"])


def test_a_rejected_refund_posts_nothing_and_frees_its_units_for_another(
    shop: Database, shipped: int
) -> None:
    shop.settings.refund_approval_amount = Decimal("10")
    rma_id = received_and_inspected(shop, shipped, 3)
    refund = request_refund(shop, "clerk", rma_id)
    entries = shop.read(lambda s: s.scalar(select(func.count()).select_from(JournalEntry)))
    rejected = reject_refund(shop, "controller", refund["id"], "already refunded by the channel")
    assert (rejected["status"], rejected["rejected_by"]) == (RefundStatus.REJECTED, "controller")
    assert shop.read(lambda s: s.scalar(select(func.count()).select_from(JournalEntry))) == entries
    with pytest.raises(IllegalTransition):
        approve_refund(shop, "controller", refund["id"])
    with pytest.raises(IllegalTransition):
        reject_refund(shop, "controller", refund["id"], "twice")
    again = request_refund(shop, "clerk", rma_id)
    assert again["lines"] == refund["lines"] and again["total"] == refund["total"]


@pytest.mark.parametrize("step", ["receive", "dispose", "refund"])
def test_a_failure_midway_leaves_nothing(
    shop: Database, shipped: int, step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rma_id = authorize(shop, shipped, 2)["id"]
    if step != "receive":
        receive_return(shop, ACTOR, rma_id, (LineQty(1, 2),))
        inspect_return(shop, ACTOR, rma_id, (InspectLine(1, Condition.SEALED),))
    before = everything(shop)
    with failing_midway(monkeypatch), pytest.raises(InjectedFailure):
        if step == "receive":
            receive_return(shop, ACTOR, rma_id, (LineQty(1, 2),))
        elif step == "dispose":
            dispose_units(
                shop, ACTOR, rma_id, (DisposeLine(1, 1, D.RESTOCK), DisposeLine(1, 1, D.WRITE_OFF))
            )
        else:
            request_refund(shop, ACTOR, rma_id)
    assert everything(shop) == before
