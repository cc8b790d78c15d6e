"""`keel import` of order histories against a real SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api.cli.main import app
from api.composition import database
from erp_core.adapters.order_tables import Order
from erp_core.adapters.tables import Item

runner = CliRunner()


@pytest.fixture
def keel(keel: Path) -> Path:
    """The CLI's database with a channel, a location and two items."""
    for command in (
        ["channels", "create", "code=WEB", "name=Web", "kind=web_store"],
        ["locations", "create", "code=DC-1", "name=DC", "kind=own_dc", "region=DE"],
        ["items", "create", "sku=A-1", "name=Alpha", "list_price=4"],
        ["items", "create", "sku=B-2", "name=Beta"],
    ):
        assert runner.invoke(app, command).exit_code == 0
    return keel


def orders(*columns: str) -> list[tuple[object, ...]]:
    query = select(*(getattr(Order, c) for c in columns)).order_by(Order.created_at)
    return database().read(lambda s: [tuple(row) for row in s.execute(query)])


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_file_with_bad_rows_loads_the_good_ones_lists_the_bad_ones_and_exits_3(
    keel: Path,
) -> None:
    file = write(
        keel / "orders.csv",
        "sku,date,quantity,price\n"
        "A-1,2024-01-31,3,9.50\n"
        "B-2,2024-01-31,2,\n"
        "NOPE,2024-01-31,1,\n"
        "A-1,31/01/2024,1,\n"
        "A-1,2024-02-01,-2,\n",
    )
    result = runner.invoke(app, ["import", file, "--channel", "WEB", "--location", "DC-1"])

    assert result.exit_code == 3, result.output
    assert "loaded 1 orders, 2 lines, 5 units" in result.output
    assert "line 4: item 'NOPE' not found" in result.output
    assert "line 5: date '31/01/2024' is not a date" in result.output
    assert "line 6: quantity -2 is negative" in result.output
    assert orders("external_id", "status") == [("H20240131-DC-1", "closed")]
    again = runner.invoke(app, ["import", file, "--channel", "WEB", "--location", "DC-1"])
    assert again.exit_code == 3 and "loaded 0 orders" in again.output
    assert "line 2: order H20240131-DC-1 of channel WEB was imported before" in again.output


def test_an_m5_file_creates_its_items_and_stores_when_asked(keel: Path) -> None:
    file = write(
        keel / "sales_train.csv",
        "id,item_id,dept_id,cat_id,store_id,state_id,d_1,d_2,d_3\n"
        "HOB_1_CA_1,HOB_1,HOB,HOBBIES,CA_1,CA,0,2,1\n"
        "FOO_1_CA_1,FOO_1,FOO,FOODS,CA_1,CA,4,0,0\n",
    )
    refused = runner.invoke(app, ["import", file, "--channel", "WEB"])
    assert refused.exit_code == 3 and "location 'CA_1' not found" in refused.output

    result = runner.invoke(app, ["import", file, "--channel", "WEB", "--create-missing"])
    assert result.exit_code == 0, result.output
    assert "created 2 items, 1 locations, 0 channels" in result.output
    assert [(eid, str(at.date())) for eid, at in orders("external_id", "created_at")] == [
        ("H20110129-CA_1", "2011-01-29"),
        ("H20110130-CA_1", "2011-01-30"),
        ("H20110131-CA_1", "2011-01-31"),
    ]
    categories = database().read(
        lambda s: {sku: c for sku, c in s.execute(select(Item.sku, Item.category)) if c}
    )
    assert categories == {"HOB_1": "HOBBIES", "FOO_1": "FOODS"}


def test_a_wide_file_with_labelled_periods_takes_a_start_and_a_frequency(keel: Path) -> None:
    file = write(keel / "wide.csv", "sku,t01,t02,t03\nA-1,2,0,1\nB-2,,5,\n")
    options = ["--format", "wide", "--channel", "WEB", "--location", "DC-1"]
    needs_start = runner.invoke(app, ["import", file, *options])
    assert needs_start.exit_code == 1 and "not a date" in needs_start.output

    result = runner.invoke(app, ["import", file, *options, "--start", "2024-01-01", "--freq", "M"])
    assert result.exit_code == 0, result.output
    assert "loaded 3 orders, 3 lines, 8 units" in result.output
    assert "zero-quantity rows skipped: 1" in result.output
    assert [str(at.date()) for (at,) in orders("created_at")] == [
        "2024-01-01",
        "2024-02-01",
        "2024-03-01",
    ]


def test_a_mapped_long_file_with_its_own_column_names_loads(keel: Path) -> None:
    file = write(
        keel / "export.csv",
        "Part,Day,Units,Shop,Note\nA-1,05.03.2024,2,WEB,x\nB-2,05.03.2024,1,WEB,y\n",
    )
    unmapped = runner.invoke(app, ["import", file, "--format", "long", "--location", "DC-1"])
    assert unmapped.exit_code == 1 and "missing columns: sku, date, quantity" in unmapped.output
    assert orders("id") == [], "nothing is loaded from a file that cannot be read"

    result = runner.invoke(
        app,
        [
            "import",
            file,
            "--map",
            "sku=Part,date=Day,quantity=Units,channel=Shop",
            "--date-format",
            "%d.%m.%Y",
            "--location",
            "DC-1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert orders("external_id", "total") == [("H20240305-DC-1", 8)], "A-1 at its list price 4"


def test_an_unknown_format_stops_the_file(keel: Path) -> None:
    file = write(keel / "o.csv", "sku,date,quantity\nA-1,2024-01-01,1\n")
    result = runner.invoke(app, ["import", file, "--format", "json", "--channel", "WEB"])
    assert result.exit_code == 1 and "unknown format 'json'" in result.output
    assert orders("id") == []
