"""`keel anomaly train|promote|scan|flags` on a small shop: too little history is a message and
exit 1; training registers and crowns a version and prints its figures; a scan and the flag
list run; a promotion needs a reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.main import app
from api.composition import database
from erp_core.settings import get_settings
from models.registry import ModelRegistry
from tests.anomaly_shop import history_with_planted, open_shop

runner = CliRunner()


@pytest.fixture
def shop(keel: Path) -> Path:
    open_shop(database())
    return keel


def test_training_without_history_is_a_message_and_exit_1(shop: Path) -> None:
    refused = runner.invoke(app, ["anomaly", "train"])
    assert refused.exit_code == 1 and "too few to learn" in refused.output
    bad_rate = runner.invoke(app, ["anomaly", "train", "--hold-rate", "1.5"])
    assert bad_rate.exit_code == 1 and "between 0 and 1" in bad_rate.output


def test_train_prints_its_figures_and_crowns_the_first_version(shop: Path) -> None:
    history_with_planted(database())
    trained = runner.invoke(app, ["anomaly", "train", "--hold-rate", "0.05"])
    assert trained.exit_code == 0, trained.output
    assert "labels: planted anomalies" in trained.output and "rules only" in trained.output
    assert "@champion: first champion" in trained.output
    settings = get_settings()
    registry = ModelRegistry.from_settings(settings)
    assert str(registry.champion_version(settings.anomaly_model_name).version) == "1"
    again = runner.invoke(app, ["anomaly", "train", "--hold-rate", "0.05"])
    assert again.exit_code == 0, again.output
    assert "champion v1" in again.output
    no_reason = runner.invoke(app, ["anomaly", "promote", "2", "--reason", " "])
    assert no_reason.exit_code == 1 and "needs a reason" in no_reason.output
    missing = runner.invoke(app, ["anomaly", "promote", "9", "--reason", "typo"])
    assert missing.exit_code == 1 and "has no version '9'" in missing.output
    forced = runner.invoke(app, ["anomaly", "promote", "2", "--reason", "reviewed by hand"])
    assert forced.exit_code == 0 and "version 2 is @champion" in forced.output
    assert str(registry.champion_version(settings.anomaly_model_name).version) == "2"


def test_scan_and_flags_run_on_a_quiet_shop(shop: Path) -> None:
    scanned = runner.invoke(app, ["anomaly", "scan"])
    assert scanned.exit_code == 0, scanned.output
    assert "returns:" in scanned.output and "demand:" in scanned.output
    listed = runner.invoke(app, ["anomaly", "flags", "--kind", "order"])
    assert listed.exit_code == 0 and "Anomaly flags" in listed.output
