"""`keel allocate channels` on the small routing company: the split is published with the
ring-fence held and written to CSV; a malformed ring-fence is a message and exit 1."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.main import app
from api.composition import database
from tests.routing_company import routing_company

runner = CliRunner()


@pytest.fixture
def shop(keel: Path) -> Path:
    routing_company(database())
    return keel


def test_a_split_is_published_with_its_ring_fence_and_exported(shop: Path) -> None:
    out = shop / "split.csv"
    ran = runner.invoke(
        app,
        ["allocate", "channels", "--sku", "A", "--ring-fence", "MKT:A:15", "--csv", str(out)],
    )
    assert ran.exit_code == 0, ran.output
    assert "allocation 1" in ran.output
    rows = {r["channel"]: r for r in csv.DictReader(out.open())}
    assert set(rows) == {"WEB", "MKT", "B2B"}
    assert int(rows["MKT"]["qty"]) >= 15
    assert sum(int(r["qty"]) for r in rows.values()) == 22


def test_a_malformed_ring_fence_is_a_message_and_exit_1(shop: Path) -> None:
    refused = runner.invoke(app, ["allocate", "channels", "--ring-fence", "MKT-A-15"])
    assert refused.exit_code == 1 and "CHANNEL:SKU:QTY" in refused.output
