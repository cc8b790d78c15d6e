"""`keel simulate policy` on a generated wide CSV and on the ERP's own history."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from api.cli.main import app
from api.composition import database
from tests.plan_company import PLANNING_DATE, plan_company

runner = CliRunner()


def _wide_csv(path: Path) -> Path:
    rng = np.random.default_rng(5)
    months = [f"t{m:02d}" for m in range(1, 31)]
    rows = {"sku": [f"P{i}" for i in range(12)]}
    rows |= {m: rng.poisson(4 + i % 5, 12) for i, m in enumerate(months)}
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_a_wide_csv_is_replayed_under_both_policies(keel: Path) -> None:
    csv = _wide_csv(keel / "demand.csv")
    args = ["simulate", "policy", "--csv", str(csv), "--start", "2020-01-01", "--held-out", "8"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "12 series" in result.output and "inventory saved" in result.output


def test_the_erp_history_is_replayed_with_each_skus_supplier_terms(keel: Path) -> None:
    plan_company(database())
    until = (PLANNING_DATE - pd.Timedelta(days=1)).isoformat()
    result = runner.invoke(
        app, ["simulate", "policy", "--until", until, "--held-out", "14", "--target", "0.9"]
    )
    assert result.exit_code == 0, result.output
    assert "keel" in result.output and "target 90.00%" in result.output


def test_csv_headers_that_are_not_dates_need_a_start(keel: Path) -> None:
    result = runner.invoke(app, ["simulate", "policy", "--csv", str(_wide_csv(keel / "d.csv"))])
    assert result.exit_code == 1 and "are not dates" in result.output
