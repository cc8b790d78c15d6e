"""Fixtures: a migrated database per test on SQLite (always) and PostgreSQL (when
KEEL_TEST_PG_URL is set), the API app with keys per role, and the ledger check that runs after
every test that touched a database."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, make_url, text

from api.main import create_app
from erp_core.adapters import (  # noqa: F401  (register their tables)
    allocation_tables,
    anomaly_tables,
    forecast_tables,
    fulfillment_tables,
    label_tables,
    order_tables,
    purchasing_tables,
    replenishment_tables,
    returns_tables,
    routing_tables,
    settlement_tables,
    transfer_tables,
)
from erp_core.adapters.database import Database
from erp_core.adapters.migrations import upgrade
from erp_core.adapters.tables import Base
from erp_core.domain.access import Role
from erp_core.services import api_keys
from erp_core.settings import Settings
from tests.ledger_check import assert_ledger_consistent

PG_URL = os.environ.get("KEEL_TEST_PG_URL")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test gets a copy of the migrated file."""
    path = tmp_path_factory.mktemp("template") / "keel.db"
    upgrade(f"sqlite:///{path}")
    return path


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets its own database beside the one given (`test_gw0`,
    `test_gw1`, ...), created on first use, so workers never empty each other's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return url
    given = make_url(url)
    name = f"{given.database}_{worker}"
    server = create_engine(given, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """A fresh, migrated schema for the session, and the connection pool that empties it."""
    assert PG_URL, "KEEL_TEST_PG_URL is not set"
    url = _worker_database(PG_URL)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url)
    yield engine
    engine.dispose()


# One round trip names the tables a test left rows in: truncating only those (TRUNCATE costs
# a file swap per table) keeps the PostgreSQL half of the suite from paying for every table.
_USED_TABLES = " UNION ALL ".join(
    f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM {t.name})" for t in Base.metadata.sorted_tables
)
# Ids start at 1 again in every test, also in tables a rolled-back insert left empty.
_RESTART_SEQUENCES = (
    "SELECT setval(oid, 1, false) FROM pg_class "
    "WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace"
)


def _empty_postgres(engine: Engine) -> None:
    with engine.begin() as conn:
        used = [name for (name,) in conn.execute(text(_USED_TABLES))]
        if used:
            conn.execute(text(f"TRUNCATE {', '.join(used)} CASCADE"))
        conn.execute(text(_RESTART_SEQUENCES))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    return str(request.param)


@pytest.fixture
def settings(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if backend == "postgres":
        engine = request.getfixturevalue("postgres_engine")
        _empty_postgres(engine)
        url = engine.url.render_as_string(hide_password=False)
    else:
        path = tmp_path / "keel.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    return Settings(database_url=url, mlflow_tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings)
    yield database
    assert_ledger_consistent(database)
    database.dispose()


@pytest.fixture
def app_client(db: Database) -> Iterator[TestClient]:
    app = create_app(db.settings)
    app.state.database = db
    with TestClient(app) as client:
        yield client


KeyFor = Callable[[Role], dict[str, str]]


@pytest.fixture
def key_for(db: Database) -> KeyFor:
    """Headers carrying a fresh API key for a role."""

    def headers(role: Role) -> dict[str, str]:
        _, key = api_keys.create_key(db, "test", f"test-{role.value}", role)
        return {"X-API-Key": key}

    return headers


@pytest.fixture
def admin(key_for: KeyFor) -> dict[str, str]:
    return key_for(Role.ADMIN)
