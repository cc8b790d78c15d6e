"""`keel settle import|exceptions|resolve`: exit 3 when a file opened exceptions, 0 when every
row matched, 1 when the file was refused (its problems listed by line); the queue prints; a
resolution needs a reason and happens once."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.main import app
from api.composition import database
from tests.integration.test_settlements import DISCREPANCIES, open_market, settlement_file

runner = CliRunner()


@pytest.fixture
def market(keel: Path) -> Path:
    open_market(database())
    return keel


def test_import_reports_the_exceptions_and_exits_3_the_same_file_twice_too(market: Path) -> None:
    path = market / "S-1.csv"
    path.write_text(DISCREPANCIES)
    first = runner.invoke(app, ["settle", "import", str(path)])
    assert first.exit_code == 3, first.output
    assert "14 rows" in first.output and "7 matched" in first.output
    assert "7 exceptions" in first.output and "amount_mismatch: 2" in first.output
    again = runner.invoke(app, ["settle", "import", str(path)])
    assert again.exit_code == 3 and "already imported, unchanged" in again.output


def test_a_clean_file_exits_0_and_a_malformed_one_1_with_its_lines(market: Path) -> None:
    clean = market / "S-2.csv"
    clean.write_text(settlement_file("S-2", "O-4,order,Order payment,23.80"))
    done = runner.invoke(app, ["settle", "import", str(clean)])
    assert done.exit_code == 0, done.output
    assert "0 exceptions" in done.output
    bad = market / "S-3.csv"
    bad.write_text(settlement_file("S-3", "O-1,order,Order payment,28.70", "O-1,fee,Fee,4.31"))
    refused = runner.invoke(app, ["settle", "import", str(bad)])
    assert refused.exit_code == 1
    assert "invalid_settlement_file" in refused.output
    assert "line 3: amount: a fee row's amount must be negative" in refused.output


def test_the_queue_lists_open_exceptions_and_each_is_resolved_once(market: Path) -> None:
    path = market / "S-1.csv"
    path.write_text(DISCREPANCIES)
    runner.invoke(app, ["settle", "import", str(path)])
    listed = runner.invoke(app, ["settle", "exceptions", "--kind", "missing_order"])
    assert listed.exit_code == 0, listed.output
    assert "Settlement exceptions" in listed.output and "X-9" in listed.output
    assert "O-2" not in listed.output
    no_reason = runner.invoke(app, ["settle", "resolve", "5", "--dismiss", "--reason", " "])
    assert no_reason.exit_code == 1 and "needs a reason" in no_reason.output
    done = runner.invoke(app, ["settle", "resolve", "5", "--dismiss", "--reason", "foreign"])
    assert done.exit_code == 0 and "exception 5 dismissed" in done.output
    again = runner.invoke(app, ["settle", "resolve", "5", "--accept", "--reason", "after all"])
    assert again.exit_code == 1 and "exception_already_resolved" in again.output
    dismissed = runner.invoke(app, ["settle", "exceptions", "--status", "dismissed"])
    assert "foreign" in dismissed.output and "X-9" in dismissed.output
