"""A migrated SQLite database per hypothesis example: the schema is migrated once into a
template file, and each example works on its own copy."""

from __future__ import annotations

import shutil
import tempfile
from functools import cache
from pathlib import Path

from erp_core.adapters.database import Database
from erp_core.adapters.migrations import upgrade
from erp_core.settings import Settings


@cache
def _template() -> Path:
    path = Path(tempfile.mkdtemp()) / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def fresh_database() -> tuple[Path, Database]:
    folder = Path(tempfile.mkdtemp())
    shutil.copy(_template(), folder / "keel.db")
    return folder, Database(Settings(database_url=f"sqlite:///{folder / 'keel.db'}"))


def discard(folder: Path, db: Database) -> None:
    db.dispose()
    shutil.rmtree(folder, ignore_errors=True)
