"""`keel forecast train|run` and `keel models list|promote` on the fast demo company."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from api.cli.main import app
from api.composition import database
from erp_core.queries.forecasts import latest_forecast

runner = CliRunner()


@pytest.fixture
def company(keel: Path) -> Path:
    built = runner.invoke(app, ["demo", "--fast", "--no-serve", "--output", str(keel / "out")])
    assert built.exit_code == 0, built.output
    return keel


def test_train_promote_and_run_publish_the_champions_forecasts(company: Path) -> None:
    # The demo trained version 1 and made it champion.
    trained = runner.invoke(app, ["forecast", "train", "--h", "7", "--windows", "2"])
    assert trained.exit_code == 0, trained.output
    assert "SeasonalNaive" in trained.output and "version 2 @challenger" in trained.output
    listed = runner.invoke(app, ["models", "list"])
    assert "challenger" in listed.output and "champion" in listed.output
    same_score = runner.invoke(app, ["models", "promote", "2"])
    assert same_score.exit_code == 1 and "champion v1" in same_score.output
    forced = ["models", "promote", "2", "--force", "--reason", "retrained after a price change"]
    assert runner.invoke(app, forced).exit_code == 0
    ran = runner.invoke(app, ["forecast", "run", "--horizon", "14"])
    assert ran.exit_code == 0, ran.output
    assert "succeeded" in ran.output and "version 2" in ran.output
    sku = database().read(lambda s: s.execute(text("SELECT sku FROM items LIMIT 1")).scalar())
    assert len(latest_forecast(database(), sku)["values"]) == 14


def test_a_forced_promotion_without_a_reason_and_a_bad_grouping_are_refused(company: Path) -> None:
    forced = runner.invoke(app, ["models", "promote", "1", "--force"])
    assert forced.exit_code == 1
    bad = runner.invoke(app, ["forecast", "run", "--by", "region"])
    assert bad.exit_code == 1 and "sku, location or channel" in bad.output
