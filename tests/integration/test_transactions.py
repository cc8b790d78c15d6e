"""The transaction runner: retries lock conflicts around the database work only, then answers
503 with Retry-After (RELIABILITY.md, promise 3)."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.domain.errors import DatabaseBusy
from erp_core.services import inventory as inv


def _locked() -> OperationalError:
    return OperationalError("UPDATE ...", {}, sqlite3.OperationalError("database is locked"))


def test_a_lock_conflict_is_retried_and_the_work_then_commits(db: Database) -> None:
    calls: list[int] = []

    def work(_: Session) -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _locked()
        return "done"

    assert db.transact(work) == "done"
    assert len(calls) == 3


def test_a_conflict_that_persists_becomes_database_busy_after_the_configured_attempts(
    db: Database,
) -> None:
    calls: list[int] = []

    def work(_: Session) -> None:
        calls.append(1)
        raise _locked()

    with pytest.raises(DatabaseBusy):
        db.transact(work)
    assert len(calls) == db.settings.db_retry_attempts


def test_other_database_errors_are_not_retried(db: Database) -> None:
    calls: list[int] = []

    def work(_: Session) -> None:
        calls.append(1)
        raise IntegrityError("INSERT ...", {}, sqlite3.IntegrityError("UNIQUE failed"))

    with pytest.raises(IntegrityError):
        db.transact(work)
    assert len(calls) == 1


def test_a_busy_database_is_503_with_retry_after(
    app_client: TestClient, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def busy(*_: object) -> None:
        raise DatabaseBusy("the database is busy; retry shortly")

    monkeypatch.setattr(inv, "reserve_stock", busy)
    reply = app_client.post(
        "/v1/inventory/reservations", headers=admin, json={"sku": "A", "location": "B", "qty": 1}
    )
    assert (reply.status_code, reply.json()["code"]) == (503, "database_busy")
    assert reply.headers["Retry-After"] == "1"
