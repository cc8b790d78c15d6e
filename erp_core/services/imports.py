"""Bulk loads of items and opening stock: all rows or none.

Rows arrive already checked field by field (the caller parses the file); here each row is
checked against the database too, and any rejected row rolls the whole file back, so a
corrected file can simply be loaded again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.domain.errors import DomainError, ImportRejected
from erp_core.domain.stock import Move, StockStatus
from erp_core.services.inventory import record_valued_move
from erp_core.services.lookup import stock_place
from erp_core.services.master_data import ITEMS, add_record, change_record, find_record

Row = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str


@dataclass
class ImportReport:
    kind: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    units_received: int = 0
    rejected: list[RowProblem] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)


def import_items(
    db: Database, actor: str, rows: list[Row], rejected: list[RowProblem]
) -> ImportReport:
    """Create new SKUs and update existing ones; a SKU twice in one file is rejected."""

    def work(session: Session) -> ImportReport:
        report = ImportReport("items", len(rows) + len(rejected), rejected=list(rejected))
        first_seen: dict[str, int] = {}
        for line, values in rows:
            sku = values["sku"]
            if sku in first_seen:
                report.rejected.append(RowProblem(line, f"{sku} already on line {first_seen[sku]}"))
                continue
            first_seen[sku] = line
            existing = find_record(session, ITEMS, sku)
            if existing is None:
                add_record(session, actor, ITEMS, values)
                report.created += 1
                continue
            changes = {k: v for k, v in values.items() if getattr(existing, k) != v}
            if changes:
                change_record(session, actor, ITEMS, existing, changes)
            report.updated += bool(changes)
            report.unchanged += not changes
        return _all_or_nothing(report)

    return db.transact(work)


def import_stock(
    db: Database, actor: str, rows: list[Row], rejected: list[RowProblem]
) -> ImportReport:
    """Opening balances: each row is a receipt into a status with reason `opening_balance`."""

    def work(conn: Connection) -> ImportReport:
        report = ImportReport("stock", len(rows) + len(rejected), rejected=list(rejected))
        for line, values in rows:
            status = StockStatus(values["status"])
            try:
                place = stock_place(conn, values["sku"], values["location"], active=True)
                record_valued_move(
                    conn,
                    "inventory.import",
                    place,
                    Move(None, status, values["qty"]),
                    "opening_balance",
                    values.get("reference"),
                    actor,
                    counter="opening_balance",
                )
            except DomainError as error:
                report.rejected.append(RowProblem(line, error.message))
                continue
            report.created += 1
            report.units_received += values["qty"]
            report.skus.append(values["sku"])
        return _all_or_nothing(report)

    return db.transact_core(work)


def _all_or_nothing(report: ImportReport) -> ImportReport:
    if report.rejected:
        report.rejected.sort(key=lambda p: p.line)
        raise ImportRejected(
            f"{len(report.rejected)} of {report.rows} rows rejected; nothing was imported",
            rejected=[asdict(p) for p in report.rejected],
            rows=report.rows,
        )
    return report
