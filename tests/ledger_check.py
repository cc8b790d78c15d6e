"""The invariants of DESIGN.md, checked after every test that touched a database: the same
checks `keel check` runs (erp_core/queries/integrity.py)."""

from __future__ import annotations

from erp_core.adapters.database import Database
from erp_core.queries.integrity import violations


def assert_ledger_consistent(db: Database) -> None:
    broken = violations(db)
    assert not broken, "; ".join(f"{v.name}: {v.rule} ({v.examples})" for v in broken)
