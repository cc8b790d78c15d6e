"""Marketplace settlements: a file with known discrepancies opens exactly those exceptions,
matched rows post to the cent in one entry, the same file twice changes nothing, finance
accepts or dismisses exceptions, and two imports of one file at once book it once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import JournalEntry, JournalLine
from erp_core.adapters.settlement_tables import Settlement, SettlementException
from erp_core.domain.orders import PaymentStatus
from erp_core.domain.returns import Condition, ReturnReason
from erp_core.domain.settlement_files import SettlementFileRejected
from erp_core.domain.settlements import ExceptionResolved, SettlementConflict
from erp_core.domain.stock import StockStatus
from erp_core.queries.settlements import exception_page
from erp_core.services import fulfillment
from erp_core.services import inventory as inv
from erp_core.services import master_data as md
from erp_core.services import orders as capture
from erp_core.services.order_commands import LineCommand, OrderCommand
from erp_core.services.refunds import request_refund
from erp_core.services.release import release_order
from erp_core.services.return_receiving import InspectLine, inspect_return, receive_return
from erp_core.services.returns import AuthorizeCommand, LineQty, authorize_return
from erp_core.services.settlements import import_settlement, resolve_exception
from tests.factories import ACTOR, item, location
from tests.integration.test_failure_injection import InjectedFailure, everything, failing_midway
from tests.integration.test_order_capture import ADDRESS
from tests.integration.test_release import ROUTER

HEADER = "settlement_id,posted_date,channel,order_id,type,description,amount\n"
D = Decimal


def sold(
    db: Database, external_id: str, qty: int, tax: str, discount: str = "0", shipping: str = "0"
) -> int:
    """An AMZ order of `qty` x A at 10.00, captured, released and shipped: invoiced."""
    cmd = OrderCommand(
        channel="AMZ",
        external_id=external_id,
        lines=(LineCommand("A", qty, D("10.00"), D(discount), D(tax)),),
        ship_to=ADDRESS,
        shipping_method="standard",
        payment_status=PaymentStatus.CAPTURED,
        shipping=D(shipping),
    )
    order_id = int(capture.capture_order(db, ACTOR, cmd, lambda _, i: {"id": i}).body["id"])
    release_order(db, ACTOR, order_id, ROUTER)
    line = (fulfillment.ShipLine(1, qty),)
    fulfillment.ship_order(db, ACTOR, order_id, fulfillment.ShipCommand("DC-1", "DHL", line))
    return order_id


def open_market(db: Database) -> dict[str, int]:
    """AMZ (fee 15%) with four invoiced orders and one credit note:
    O-1: 2 x 10.00 + 3.80 tax + 4.90 shipping = 28.70, fee 4.305 -> 4.31;
    O-2: 10.00 - 1.00 discount + 1.71 tax = 10.71, fee 1.6065 -> 1.61;
    O-3: 3 x 10.00 + 5.70 tax = 35.70, fee 5.355 -> 5.36; one unit back damaged, credit note
         10.00 + 1.90 tax (a third of 5.70) = 11.90;
    O-4: 2 x 10.00 + 3.80 tax = 23.80, fee 3.57."""
    item(db, "A")
    location(db, "DC-1")
    md.create_record(
        db,
        ACTOR,
        md.CHANNELS,
        {"code": "AMZ", "name": "Amazon", "kind": "marketplace", "fee_rate": "0.15"},
    )
    inv.move_stock(
        db, ACTOR, inv.MoveCommand("A", "DC-1", 20, StockStatus.AVAILABLE, unit_cost=D("4"))
    )
    orders = {
        "O-1": sold(db, "O-1", 2, "3.80", shipping="4.90"),
        "O-2": sold(db, "O-2", 1, "1.71", discount="1.00"),
        "O-3": sold(db, "O-3", 3, "5.70"),
        "O-4": sold(db, "O-4", 2, "3.80"),
    }
    rma_id = authorize_return(
        db, ACTOR, AuthorizeCommand(orders["O-3"], ReturnReason.DAMAGED, (LineQty(1, 1),))
    )["id"]
    receive_return(db, ACTOR, rma_id, (LineQty(1, 1),))
    inspect_return(db, ACTOR, rma_id, (InspectLine(1, Condition.OPENED),))
    assert request_refund(db, ACTOR, rma_id)["total"] == D("11.90")
    return orders


@pytest.fixture
def market(db: Database) -> Database:
    open_market(db)
    return db


def settlement_file(settlement_id: str, *rows: str, day: str = "2026-11-15") -> str:
    return HEADER + "".join(f"{settlement_id},{day},AMZ,{row}\n" for row in rows)


# Lines 2.. of the file; the comment says what each row should come to.
DISCREPANCIES = settlement_file(
    "S-1",
    "O-1,order,Order payment,28.70",  # 2: matched
    "O-1,fee,Referral fee,-4.31",  # 3: matched
    "O-2,order,Order payment,10.50",  # 4: amount_mismatch, 10.71 invoiced
    "O-2,fee,Referral fee,-2.00",  # 5: fee_mismatch, 1.61 expected
    "O-3,order,Order payment,35.71",  # 6: matched, 0.01 off is within tolerance
    "O-3,refund,Refund,-11.90",  # 7: matched against the credit note
    "O-1,order,Order payment,28.70",  # 8: duplicate_payment, paid on line 2
    "O-3,fee,Referral fee,-5.36",  # 9: matched
    "O-3,fee,Closing fee,-1.00",  # 10: unexpected_fee, the order's fee came on line 9
    "X-9,order,Order payment,12.00",  # 11: missing_order
    ",adjustment,Storage fee,-2.50",  # 12: unmatched_adjustment
    "O-4,refund,Refund,-5.00",  # 13: amount_mismatch, nothing credited
    "O-4,order,Order payment,23.80",  # 14: matched
    "O-4,adjustment,Shipping credit,1.00",  # 15: matched, names a known order
)
EXPECTED_EXCEPTIONS = [
    (4, "amount_mismatch", D("10.71"), D("10.50")),
    (5, "fee_mismatch", D("-1.61"), D("-2.00")),
    (8, "duplicate_payment", D("0"), D("28.70")),
    (10, "unexpected_fee", D("0"), D("-1.00")),
    (11, "missing_order", None, D("12.00")),
    (12, "unmatched_adjustment", None, D("-2.50")),
    (13, "amount_mismatch", D("0"), D("-5.00")),
]


def entry_lines(db: Database, entry_id: int) -> dict[tuple[str, str], Decimal]:
    """(account, debit|credit) -> amount of one journal entry."""
    rows = db.read(
        lambda s: s.execute(
            select(JournalLine.account, JournalLine.debit, JournalLine.credit).where(
                JournalLine.entry_id == entry_id
            )
        ).all()
    )
    found: dict[tuple[str, str], Decimal] = {}
    for account, debit, credit in rows:
        side, amount = ("debit", debit) if debit else ("credit", credit)
        found[(account, side)] = found.get((account, side), D(0)) + amount
    return found


def open_exceptions(db: Database) -> list[dict]:
    return db.read(lambda s: exception_page(s, None, None, None, None, None, 100)).data


def balance(db: Database, account: str) -> Decimal:
    debit, credit = db.read(
        lambda s: s.execute(
            select(func.sum(JournalLine.debit), func.sum(JournalLine.credit)).where(
                JournalLine.account == account
            )
        ).one()
    )
    return D(debit or 0) - D(credit or 0)


def test_a_file_with_known_discrepancies_opens_exactly_those_exceptions(market: Database) -> None:
    imported = import_settlement(market, ACTOR, DISCREPANCIES)
    assert imported.created
    found = imported.settlement
    assert (found["row_count"], found["matched_count"], found["exception_count"]) == (14, 7, 7)
    got = [(x["line"], x["kind"], x["expected"], x["actual"]) for x in open_exceptions(market)]
    assert got == EXPECTED_EXCEPTIONS
    assert found["exceptions_by_kind"] == {
        "amount_mismatch": 2,
        "fee_mismatch": 1,
        "duplicate_payment": 1,
        "unexpected_fee": 1,
        "missing_order": 1,
        "unmatched_adjustment": 1,
    }
    # Every row: 28.70 - 4.31 + 10.50 - 2.00 + 35.71 - 11.90 + 28.70 - 5.36 - 1.00 + 12.00
    #            - 2.50 - 5.00 + 23.80 + 1.00 = 108.34
    assert found["payout"] == D("108.34")
    # Matched rows: 28.70 - 4.31 + 35.71 - 11.90 - 5.36 + 23.80 + 1.00 = 67.64
    assert found["matched_payout"] == D("67.64")


def test_matched_rows_post_to_the_cent_in_one_entry(market: Database) -> None:
    found = import_settlement(market, ACTOR, DISCREPANCIES).settlement
    assert entry_lines(market, found["journal_entry_id"]) == {
        ("cash", "debit"): D("67.64"),
        ("marketplace_fees", "debit"): D("9.67"),  # 4.31 + 5.36
        ("receivable:AMZ", "credit"): D("88.20"),  # 28.70 + 35.70 + 23.80 (invoiced)
        ("receivable:AMZ", "debit"): D("11.90"),  # O-3's refund paid back
        # O-3 was paid 35.71 for 35.70 invoiced (0.01), and the 1.00 shipping credit
        ("marketplace_adjustments", "credit"): D("1.01"),
    }
    # O-1, O-3 and O-4 are settled; O-2 (28.70 + 10.71 + 35.70 + 23.80 invoiced - 11.90
    # credited - 88.20 cleared + 11.90 paid back) still owes its 10.71.
    assert balance(market, "receivable:AMZ") == D("10.71")


def test_a_clean_file_matches_every_row_and_clears_the_receivable(market: Database) -> None:
    clean = settlement_file(
        "S-1",
        "O-1,order,Order payment,28.70",
        "O-1,fee,Referral fee,-4.31",
        "O-2,order,Order payment,10.71",
        "O-2,fee,Referral fee,-1.61",
        "O-3,order,Order payment,35.70",
        "O-3,fee,Referral fee,-5.36",
        "O-3,refund,Refund,-11.90",
        "O-4,order,Order payment,23.80",
        "O-4,fee,Referral fee,-3.57",
    )
    found = import_settlement(market, ACTOR, clean).settlement
    assert (found["exception_count"], found["open_exceptions"]) == (0, 0)
    # 28.70 - 4.31 + 10.71 - 1.61 + 35.70 - 5.36 - 11.90 + 23.80 - 3.57 = 72.16
    assert found["payout"] == found["matched_payout"] == D("72.16")
    assert balance(market, "receivable:AMZ") == D(0)
    assert balance(market, "marketplace_fees") == D("14.85")  # 4.31 + 1.61 + 5.36 + 3.57
    assert balance(market, "cash") == D("72.16")


def test_the_same_file_twice_changes_nothing_and_answers_the_first_import(
    market: Database,
) -> None:
    first = import_settlement(market, ACTOR, DISCREPANCIES)
    before = everything(market)
    # The same content laid out differently (CRLF, 28.7 for 28.70) is the same file.
    relaid = DISCREPANCIES.replace("28.70", "28.7").replace("\n", "\r\n")
    for text in (DISCREPANCIES, relaid):
        again = import_settlement(market, ACTOR, text)
        assert not again.created and again.settlement == first.settlement
    assert everything(market) == before


def test_the_same_settlement_id_with_other_content_is_refused(market: Database) -> None:
    import_settlement(market, ACTOR, DISCREPANCIES)
    before = everything(market)
    changed = DISCREPANCIES.replace("O-4,order,Order payment,23.80", "O-4,order,Paid,23.80")
    with pytest.raises(SettlementConflict) as refused:
        import_settlement(market, ACTOR, changed)
    assert refused.value.code == "settlement_conflict"
    assert everything(market) == before


def test_a_malformed_file_is_refused_whole_naming_line_and_column(market: Database) -> None:
    before = everything(market)
    bad = (
        settlement_file(
            "S-1",
            "O-1,order,Order payment,28.70",
            "O-1,fee,Referral fee,4.31",  # 3: a fee is negative
            "O-2,payment,Order payment,10.71",  # 4: unknown type
            ",order,Order payment,10.71",  # 5: no order id
            "O-3,order,Order payment,ten",  # 6: not an amount
            "O-3,order,Order payment,1.00001",  # 7: five decimals
        )
        + "S-2,2026-11-15,AMZ,O-4,order,Order payment,23.80\n"
    )  # 8: another settlement
    with pytest.raises(SettlementFileRejected) as refused:
        import_settlement(market, ACTOR, bad)
    assert refused.value.code == "invalid_settlement_file"
    assert [(p["line"], p["column"]) for p in refused.value.details["rejected"]] == [
        (3, "amount"),
        (4, "type"),
        (5, "order_id"),
        (6, "amount"),
        (7, "amount"),
        (8, "settlement_id"),
    ]
    assert "line 3, column amount" in refused.value.message
    assert everything(market) == before


def test_a_failure_midway_through_an_import_or_a_resolution_leaves_nothing(
    market: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = everything(market)
    with failing_midway(monkeypatch), pytest.raises(InjectedFailure):
        import_settlement(market, ACTOR, DISCREPANCIES)
    assert everything(market) == before
    import_settlement(market, ACTOR, DISCREPANCIES)
    [first, *_] = open_exceptions(market)
    before = everything(market)
    with failing_midway(monkeypatch), pytest.raises(InjectedFailure):
        resolve_exception(market, ACTOR, first["id"], True, "short paid")
    assert everything(market) == before


def test_accepting_posts_the_row_as_paid_and_dismissing_posts_nothing(market: Database) -> None:
    import_settlement(market, ACTOR, DISCREPANCIES)
    by_line = {x["line"]: x for x in open_exceptions(market)}
    entries = market.read(lambda s: s.scalar(select(func.count(JournalEntry.id))))
    short = resolve_exception(market, "finance:ann", by_line[4]["id"], True, "short paid")
    assert (short["status"], short["resolved_by"], short["reason"]) == (
        "accepted",
        "finance:ann",
        "short paid",
    )
    assert short["resolved_at"] is not None
    # O-2 paid 10.50 for 10.71 invoiced: the receivable clears, 0.21 to adjustments.
    assert entry_lines(market, short["journal_entry_id"]) == {
        ("cash", "debit"): D("10.50"),
        ("receivable:AMZ", "credit"): D("10.71"),
        ("marketplace_adjustments", "debit"): D("0.21"),
    }
    fee = resolve_exception(market, "finance:ann", by_line[5]["id"], True, "rate changed")
    # 2.00 kept for 1.61 agreed: 1.61 to fees, 0.39 to adjustments.
    assert entry_lines(market, fee["journal_entry_id"]) == {
        ("cash", "credit"): D("2.00"),
        ("marketplace_fees", "debit"): D("1.61"),
        ("marketplace_adjustments", "debit"): D("0.39"),
    }
    twice = resolve_exception(market, "finance:bob", by_line[8]["id"], False, "will be clawed")
    assert (twice["status"], twice["journal_entry_id"]) == ("dismissed", None)
    assert market.read(lambda s: s.scalar(select(func.count(JournalEntry.id)))) == entries + 2
    before = everything(market)
    with pytest.raises(ExceptionResolved) as again:
        resolve_exception(market, "finance:bob", by_line[4]["id"], False, "second thoughts")
    assert again.value.code == "exception_already_resolved"
    assert everything(market) == before
    still_open = [x["line"] for x in open_exceptions(market) if x["status"] == "open"]
    assert still_open == [10, 11, 12, 13]
    assert balance(market, "receivable:AMZ") == D(0)  # O-2 was the last one owed


def test_a_later_settlement_counts_what_earlier_ones_paid(market: Database) -> None:
    import_settlement(market, ACTOR, DISCREPANCIES)
    by_line = {x["line"]: x for x in open_exceptions(market)}
    resolve_exception(market, ACTOR, by_line[4]["id"], True, "short paid")  # O-2 now paid
    resolve_exception(market, ACTOR, by_line[5]["id"], False, "to be charged again")
    later = settlement_file(
        "S-2",
        "O-2,order,Order payment,10.71",  # 2: duplicate_payment (accepted in S-1)
        "O-1,fee,Referral fee,-4.31",  # 3: unexpected_fee (charged in S-1)
        "O-2,fee,Referral fee,-1.61",  # 4: matched (S-1's fee for O-2 was dismissed)
        "O-3,refund,Refund,-0.50",  # 5: amount_mismatch: S-1 paid back all 11.90
        day="2026-11-29",
    )
    found = import_settlement(market, ACTOR, later).settlement
    got = [
        (x["line"], x["kind"])
        for x in open_exceptions(market)
        if x["marketplace_settlement_id"] == "S-2"
    ]
    assert got == [(2, "duplicate_payment"), (3, "unexpected_fee"), (5, "amount_mismatch")]
    assert found["matched_payout"] == D("-1.61")


def test_two_imports_of_one_file_at_once_book_it_once(market: Database) -> None:
    start = threading.Barrier(2)

    def run(_: int) -> bool:
        start.wait()
        return import_settlement(market, ACTOR, DISCREPANCIES).created

    with ThreadPoolExecutor(max_workers=2) as pool:
        created = sorted(pool.map(run, range(2)))
    assert created == [False, True]
    assert market.read(lambda s: s.scalar(select(func.count(Settlement.id)))) == 1
    assert market.read(lambda s: s.scalar(select(func.count(SettlementException.id)))) == 7
    entries = market.read(
        lambda s: s.scalar(
            select(func.count(JournalEntry.id)).where(JournalEntry.reference.like("settlement:%"))
        )
    )
    assert entries == 1


def test_two_settlements_paying_one_order_at_once_pay_it_once(market: Database) -> None:
    """Imports of one marketplace queue on its channel: the second sees the first's payment."""
    start = threading.Barrier(2)
    files = [settlement_file(s, "O-1,order,Order payment,28.70") for s in ("S-A", "S-B")]

    def run(text: str) -> int:
        start.wait()
        return int(import_settlement(market, ACTOR, text).settlement["exception_count"])

    with ThreadPoolExecutor(max_workers=2) as pool:
        opened = sorted(pool.map(run, files))
    assert opened == [0, 1]
    [duplicate] = open_exceptions(market)
    assert duplicate["kind"] == "duplicate_payment"
    # 28.70 invoiced (O-1) cleared once; O-2, O-3 (net of its credit note) and O-4 still owed:
    # 10.71 + 35.70 - 11.90 + 23.80 = 58.31
    assert balance(market, "receivable:AMZ") == D("58.31")


def test_a_file_whose_matched_rows_net_to_nothing_posts_no_entry(market: Database) -> None:
    netted = settlement_file(
        "S-1", "O-1,adjustment,Credit,1.00", "O-1,adjustment,Reversal,-1.00", "X-9,fee,Fee,-1.00"
    )
    found = import_settlement(market, ACTOR, netted).settlement
    assert (found["matched_count"], found["matched_payout"], found["journal_entry_id"]) == (
        2,
        D(0),
        None,
    )
