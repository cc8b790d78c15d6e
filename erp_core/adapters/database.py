"""Engines, sessions and the transaction runner (the unit of work).

SQLite: WAL so readers never wait for the writer, foreign keys on, and write transactions that
start with BEGIN IMMEDIATE so two writers queue on the database lock instead of both reading
and one failing at commit. Reads use a second engine whose transactions begin deferred.
PostgreSQL: row locks (SELECT ... FOR UPDATE) taken by the services in a fixed order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from erp_core.domain.errors import DatabaseBusy
from erp_core.settings import Settings

T = TypeVar("T")

# Deadlock, serialization failure, lock not available: safe to retry the whole transaction.
_RETRYABLE_PG_CODES = {"40P01", "40001", "55P03"}


def _sqlite_engine(url: str, settings: Settings, begin: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False}, pool_size=20)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event, not the driver, decide when transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Straight to the driver: this runs once per transaction on the ledger's hot path.
        conn.connection.driver_connection.execute(begin)

    return engine


def is_retryable(error: DBAPIError) -> bool:
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if code in _RETRYABLE_PG_CODES:
        return True
    return "database is locked" in str(error.orig)


class Database:
    """The composition root's handle on storage: engines, sessions, transactions."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        url = settings.database_url
        if url.startswith("sqlite"):
            self.engine = _sqlite_engine(url, settings, "BEGIN IMMEDIATE")
            self.read_engine = _sqlite_engine(url, settings, "BEGIN")
        else:
            self.engine = create_engine(
                url, pool_size=settings.db_pool_size, max_overflow=settings.db_pool_size
            )
            self.read_engine = self.engine
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)

    def transact(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one ORM session transaction and commit; roll back on any error."""

        def attempt() -> T:
            with self._write() as session, session.begin():
                return work(session)

        return self._retrying(attempt)

    def transact_core(self, work: Callable[[Connection], T]) -> T:
        """The same on a bare connection, for hot paths that write with Core statements and
        need no ORM session (the ledger)."""

        def attempt() -> T:
            with self.engine.begin() as conn:
                return work(conn)

        return self._retrying(attempt)

    def _retrying(self, attempt: Callable[[], T]) -> T:
        """Deadlocks and lock timeouts are retried a few times with backoff, the database work
        only, then reported as DatabaseBusy (HTTP 503 with Retry-After)."""
        attempts = self.settings.db_retry_attempts
        for number in range(1, attempts + 1):
            try:
                return attempt()
            except DBAPIError as error:
                if not is_retryable(error):
                    raise
                if number == attempts:
                    raise DatabaseBusy("the database is busy; retry shortly") from error
            time.sleep(0.01 * 2**number)
        raise AssertionError("unreachable")

    def read(self, query: Callable[[Session], T]) -> T:
        with self._read() as session:
            return query(session)

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
