"""Liveness and database reachability; the one route open without a key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import Db

router = APIRouter(tags=["health"])


@router.get("/health", summary="Is the service up and its database reachable")
def health(db: Db) -> Any:
    db.read(lambda s: s.execute(text("SELECT 1")))
    return {"status": "ok"}
