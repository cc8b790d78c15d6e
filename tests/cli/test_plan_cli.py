"""`keel plan` on the small planning company: create with a budget and a CSV, show, edit,
plot, approve; bad input is a message and exit 1."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.main import app
from api.composition import database
from tests.plan_company import PLANNING_DATE, plan_company

runner = CliRunner()


@pytest.fixture
def shop(keel: Path) -> Path:
    plan_company(database())
    return keel


def test_a_plan_is_created_shown_edited_plotted_and_approved(shop: Path) -> None:
    out = shop / "plan.csv"
    created = runner.invoke(
        app,
        ["plan", "create", "--date", PLANNING_DATE.isoformat(), "--budget", "5000"]
        + ["--service", "AX=0.99", "--csv", str(out)],
    )
    assert created.exit_code == 0, created.output
    assert "plan 1 (proposed)" in created.output and "SUP" in created.output
    rows = list(csv.DictReader(out.open()))
    assert {(r["sku"], r["status"]) for r in rows} >= {("A", "order"), ("C", "cannot_plan")}
    line = next(r["line"] for r in rows if r["status"] == "order")
    shown = runner.invoke(app, ["plan", "show", "1", "--status", "order"])
    assert shown.exit_code == 0 and "DC-2" in shown.output
    edited = runner.invoke(app, ["plan", "edit", "1", line, "--drop", "--note", "overstock"])
    assert edited.exit_code == 0, edited.output
    png = shop / "line.png"
    plotted = runner.invoke(app, ["plan", "plot", "1", line, "--output", str(png)])
    assert plotted.exit_code == 0 and png.read_bytes().startswith(b"\x89PNG")
    approved = runner.invoke(app, ["plan", "approve", "1"])
    assert approved.exit_code == 0 and "draft purchase orders" in approved.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--budget", "-1"], "negative"),
        (["--supplier", "NOPE"], "unknown or inactive supplier"),
        (["--service", "AX=2"], "strictly between 0 and 1"),
        (["--space", "DC-1"], "NAME=NUMBER"),
    ],
)
def test_bad_plan_requests_print_why_and_exit_1(shop: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["plan", "create", "--date", PLANNING_DATE.isoformat(), *args])
    assert result.exit_code == 1 and message in result.output, result.output
