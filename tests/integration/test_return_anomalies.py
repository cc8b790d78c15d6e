"""The returns scan against the database: serial returners, SKU return spikes and refunds
without receipt raised as flags in one transaction; rescans refresh and respect decisions; a
refund waits while its return's flag is open."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from erp_core.adapters.anomaly_tables import AnomalyFlag
from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import Order
from erp_core.adapters.returns_tables import Refund
from erp_core.clock import replaying_at
from erp_core.domain.access import Principal, Role
from erp_core.domain.anomalies import FlagKind, FlagOpen, FlagStatus
from erp_core.domain.refunds import RefundStatus
from erp_core.domain.returns import ReturnReason
from erp_core.services import master_data as md
from erp_core.services.anomaly_flags import resolve_flag
from erp_core.services.history import HistoricalLine, HistoricalOrder, load_history
from erp_core.services.refunds import approve_refund, request_refund
from erp_core.services.return_receiving import receive_return
from erp_core.services.returns import AuthorizeCommand, LineQty, authorize_return
from pipelines import return_anomalies
from pipelines.return_anomalies import scan_returns
from tests.factories import ACTOR, item, location
from tests.integration.test_failure_injection import InjectedFailure, everything

CROWD = [f"C-{i:02d}" for i in range(10)]
ADMIN = Principal(1, "lead", Role.ADMIN)
# Units of A shipped each week and returned each week: the last week breaks A's chart.
A_SOLD, A_RETURNED = 20, (1, 1, 1, 1, 1, 8)
SERIAL_BOUGHT, SERIAL_RETURNED = 12, 10
SERIAL_WORDS, CROWD_WORDS = "changed my mind, not needed", "arrived broken, box crushed"


def week_start(weeks_ago: int) -> date:
    today = datetime.now(UTC).date()
    return today - timedelta(days=today.weekday() + 7 * weeks_ago)


WEEKS = [week_start(len(A_RETURNED) - k) for k in range(len(A_RETURNED))]  # the last: last week


def at(week: int, weekday: int) -> datetime:
    return datetime.combine(WEEKS[week] + timedelta(days=weekday), time(10), UTC)


def purchases() -> list[HistoricalOrder]:
    """A: 20 single-unit lines a week shared by the crowd; B: 300 lines bought by the crowd
    over the weeks, 12 by SERIAL and 1 by NEW. Every order is one line of one unit."""

    def bought(ref: str, customer: str, sku: str, week: int) -> HistoricalOrder:
        line = HistoricalLine(sku, 1, Decimal(10))
        return HistoricalOrder("WEB", ref, at(week, 1), "DC-1", (line,), customer=customer)

    weeks = len(WEEKS)
    orders = [
        bought(f"A-{w}-{i}", CROWD[i % 10], "A", w) for w in range(weeks) for i in range(A_SOLD)
    ]
    orders += [bought(f"B-{i}", CROWD[i % 10], "B", i % weeks) for i in range(300)]
    orders += [bought(f"S-{i}", "SERIAL", "B", i % weeks) for i in range(SERIAL_BOUGHT)]
    return [*orders, bought("N-0", "NEW", "B", 0)]


def authorize(db: Database, order_id: int, moment: datetime, text: str) -> int:
    cmd = AuthorizeCommand(order_id, ReturnReason.OTHER, (LineQty(1, 1),), reason_text=text)
    with replaying_at(moment):
        return int(authorize_return(db, ACTOR, cmd)["id"])


@pytest.fixture
def company(db: Database) -> dict[str, int]:
    """The shop and its returns; the RMA ids of note by name."""
    item(db, "A", list_price=Decimal(10))
    item(db, "B", list_price=Decimal(10))
    location(db, "DC-1")
    md.create_record(db, ACTOR, md.CHANNELS, {"code": "WEB", "name": "Web", "kind": "web_store"})
    for code in [*CROWD, "SERIAL", "NEW"]:
        md.create_record(db, ACTOR, md.CUSTOMERS, {"code": code, "name": code})
    load_history(db, ACTOR, purchases())
    ids = dict(db.read(lambda s: s.execute(select(Order.external_id, Order.id)).all()))
    rmas: dict[str, int] = {}
    for week, returned in enumerate(A_RETURNED):
        for ref in (f"A-{week}-{(week + i) % A_SOLD}" for i in range(returned)):
            rmas[ref] = authorize(db, ids[ref], at(week, 3), CROWD_WORDS)
    for i in range(SERIAL_RETURNED):
        rmas[f"S-{i}"] = authorize(db, ids[f"S-{i}"], at(i % len(WEEKS), 4), SERIAL_WORDS)
    rmas["N-0"] = authorize(db, ids["N-0"], at(0, 4), "too small")
    # A refund recorded before the parcel came back (a marketplace refunding its buyer): the
    # services refuse to refund unreceived units, so it is written as an import would.
    db.transact(lambda s: s.add(_refund(rmas["A-0-0"], "marketplace")))
    return rmas


def _refund(rma_id: int, by: str) -> Refund:
    amount = Decimal(10)
    return Refund(
        return_id=rma_id,
        status=RefundStatus.PENDING_APPROVAL,
        lines=[{"line_no": 1, "qty": 1}],
        goods=amount,
        tax=Decimal(0),
        shipping=Decimal(0),
        restocking_fee=Decimal(0),
        total=amount,
        requested_by=by,
    )


def flags(db: Database, kind: FlagKind | None = None) -> list[AnomalyFlag]:
    query = select(AnomalyFlag).order_by(AnomalyFlag.id)
    if kind is not None:
        query = query.where(AnomalyFlag.kind == kind.value)
    return list(db.read(lambda s: list(s.scalars(query))))


def by_subject(db: Database, kind: FlagKind) -> dict[str, AnomalyFlag]:
    return {flag.subject: flag for flag in flags(db, kind)}


def test_a_serial_returner_is_flagged_and_a_customer_with_one_return_is_not(
    company: dict[str, int], db: Database
) -> None:
    counts = scan_returns(db)
    customers = by_subject(db, FlagKind.CUSTOMER)
    assert list(customers) == ["SERIAL"]
    [why] = customers["SERIAL"].reasons
    assert why.startswith(f"returned {SERIAL_RETURNED} of {SERIAL_BOUGHT} purchases")
    assert "smoothed rate" in why and "typical" in why
    assert customers["SERIAL"].customer_id is not None
    assert counts["customer"] == 1


def test_a_sku_week_that_breaks_its_control_chart_is_flagged(
    company: dict[str, int], db: Database
) -> None:
    counts = scan_returns(db)
    year, number, _ = WEEKS[-1].isocalendar()
    spikes = by_subject(db, FlagKind.SKU)
    assert list(spikes) == [f"A@{year}-W{number:02d}"]
    spike = next(iter(spikes.values()))
    assert spike.day == WEEKS[-1] and spike.item_id is not None
    assert spike.reasons[0].startswith("return rate 40% in week")
    assert "vs 5% usual (upper limit 20%)" in spike.reasons[0]
    assert counts["sku"] == 1


def test_a_refund_without_receipt_and_a_serial_returners_returns_are_flagged(
    company: dict[str, int], db: Database
) -> None:
    counts = scan_returns(db)
    returns = by_subject(db, FlagKind.RETURN)
    unreceived = returns.pop(f"RMA-{company['A-0-0']}")
    assert unreceived.reasons[0].startswith("refund without receipt: 10.00 requested on")
    assert unreceived.return_id == company["A-0-0"] and unreceived.order_id is not None
    serial = {f"RMA-{company[f'S-{i}']}" for i in range(SERIAL_RETURNED)}
    assert set(returns) == serial, "the new customer's single return is not held"
    for flag in returns.values():
        assert flag.reasons[0].startswith("customer SERIAL is a serial returner: returned 10")
        assert set(flag.details["reason_pattern"].split(" / ")) & {"changed", "mind", "needed"}
    assert counts["return"] == SERIAL_RETURNED + 1 and counts["reason_clusters"] >= 2


def test_a_rescan_refreshes_open_flags_rather_than_adding_new_ones(
    company: dict[str, int], db: Database
) -> None:
    first = scan_returns(db)
    before = {(f.kind, f.subject): (f.id, f.updated_at) for f in flags(db)}
    second = scan_returns(db)
    after = {(f.kind, f.subject): (f.id, f.updated_at) for f in flags(db)}
    assert first["opened"] == len(before) and second["opened"] == 0
    assert after.keys() == before.keys()
    assert all(after[k][0] == before[k][0] and after[k][1] > before[k][1] for k in before)


def test_dismissed_flags_stay_dismissed_on_rescan(company: dict[str, int], db: Database) -> None:
    scan_returns(db)
    serial = by_subject(db, FlagKind.CUSTOMER)["SERIAL"]
    unreceived = by_subject(db, FlagKind.RETURN)[f"RMA-{company['A-0-0']}"]
    for flag in (serial, unreceived):
        resolve_flag(db, ADMIN, flag.id, confirmed=False, comment="known, fine")
    count = len(flags(db))
    scan_returns(db)
    assert len(flags(db)) == count
    for flag in (serial, unreceived):
        assert next(f for f in flags(db) if f.id == flag.id).status == FlagStatus.DISMISSED


@pytest.mark.parametrize("confirmed", [False, True], ids=["dismissed", "confirmed"])
def test_a_refund_waits_while_its_return_flag_is_open_and_posts_once_it_is_resolved(
    company: dict[str, int], db: Database, confirmed: bool
) -> None:
    rma_id = company["S-9"]
    receive_return(db, ACTOR, rma_id, (LineQty(1, 1),))
    scan_returns(db)
    flag = by_subject(db, FlagKind.RETURN)[f"RMA-{rma_id}"]
    before = everything(db)
    with pytest.raises(FlagOpen) as at_once:  # small enough to post without approval
        request_refund(db, "clerk", rma_id)
    assert at_once.value.details == {"flag_id": flag.id, "return_id": rma_id}
    assert everything(db) == before
    db.settings.refund_approval_amount = Decimal(0)
    refund = request_refund(db, "clerk", rma_id)
    assert refund["status"] == RefundStatus.PENDING_APPROVAL
    with pytest.raises(FlagOpen) as refused:
        approve_refund(db, "controller", refund["id"])
    assert f"flag {flag.id}" in refused.value.message and "resolved" in refused.value.message
    resolve_flag(db, ADMIN, flag.id, confirmed=confirmed, comment="customer checked")
    assert approve_refund(db, "controller", refund["id"])["status"] == RefundStatus.POSTED


def test_the_scan_is_one_transaction(
    company: dict[str, int], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = return_anomalies.raise_flags
    calls = iter(range(3))

    def first_kind_only(*args: Any) -> Any:
        if next(calls) > 0:
            raise InjectedFailure("after the first kind's flags")
        return real(*args)

    before = everything(db)
    monkeypatch.setattr(return_anomalies, "raise_flags", first_kind_only)
    with pytest.raises(InjectedFailure):
        scan_returns(db)
    assert everything(db) == before
