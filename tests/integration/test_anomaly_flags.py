"""Anomaly flags under concurrency: scans racing over the same subjects open each flag once,
and two people resolving one flag at the same time leave exactly one decision."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlalchemy import func, select

from erp_core.adapters.anomaly_tables import AnomalyFlag
from erp_core.adapters.database import Database
from erp_core.domain.access import Principal, Role
from erp_core.domain.anomalies import FlagKind, NewFlag
from erp_core.domain.errors import DomainError
from erp_core.services.anomaly_flags import raise_flags, resolve_flag

FLAGS = [
    NewFlag(
        FlagKind.DEMAND,
        f"A-{n}@2026-09-0{1 + n % 9}",
        2.0 + n,
        [f"spike {n}"],
        day=date(2026, 9, 1),
    )
    for n in range(40)
]


def _scan(db: Database) -> int:
    return db.transact(lambda s: raise_flags(s, FLAGS).opened)


def test_scans_racing_over_the_same_subjects_open_each_flag_once(db: Database) -> None:
    with ThreadPoolExecutor(4) as pool:
        opened = list(pool.map(lambda _: _scan(db), range(4)))
    count = db.read(lambda s: s.scalar(select(func.count()).select_from(AnomalyFlag)))
    assert count == len(FLAGS) and sum(opened) == len(FLAGS)
    assert _scan(db) == 0


def test_two_people_resolving_one_flag_leave_one_decision(db: Database) -> None:
    _scan(db)
    flag_id = db.read(lambda s: s.scalars(select(AnomalyFlag.id).order_by(AnomalyFlag.id)).first())
    planners = [Principal(n, f"planner-{n}", Role.PLANNER) for n in range(2)]

    def decide(who: Principal) -> str:
        try:
            return resolve_flag(db, who, flag_id, who.key_id == 0, f"by {who.name}")["status"]
        except DomainError as refused:
            return refused.code

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(decide, planners))
    [decision] = [a for a in answers if a != "illegal_transition"]
    assert answers.count("illegal_transition") == 1 and decision in {"confirmed", "dismissed"}
    stored = db.read(lambda s: s.get(AnomalyFlag, flag_id))
    assert stored.status == decision and stored.comment.startswith("by planner-")
