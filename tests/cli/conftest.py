"""The `keel` command line against a real SQLite database and MLflow store in a temporary
folder: settings and the database handle are rebuilt for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.main import app
from api.composition import database
from erp_core.settings import get_settings

runner = CliRunner()


@pytest.fixture
def keel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("KEEL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("KEEL_MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    get_settings.cache_clear()
    database.cache_clear()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    yield tmp_path
    database().dispose()
    get_settings.cache_clear()
    database.cache_clear()
