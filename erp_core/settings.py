"""The one typed settings object; nothing else in Keel reads os.environ."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEEL_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default_factory=lambda: f"sqlite:///{Path.cwd() / 'keel.db'}",
        description="SQLAlchemy URL of the ERP database.",
    )
    mlflow_tracking_uri: str = Field(
        default_factory=lambda: f"sqlite:///{Path.cwd() / 'mlflow.db'}",
        description="MLflow tracking store; a local SQLite file unless a server URI is given.",
    )
    sqlite_busy_timeout_ms: int = 30_000
    db_pool_size: int = 10
    db_retry_attempts: int = 4
    auth_cache_seconds: float = 10.0
    page_size_default: int = 50
    page_size_max: int = 500
    max_body_bytes: int = 1_048_576
    max_import_bytes: int = 50 * 1_048_576
    max_import_rows: int = 100_000
    max_move_qty: int = 1_000_000_000
    max_order_lines: int = 500
    webhook_secrets: dict[str, Annotated[str, Field(min_length=1)]] = Field(
        default={},
        repr=False,
        description='Shared secret per channel code, as JSON: {"WEB": "<secret>"}. A channel '
        "with a secret takes web-store webhooks signed with it (X-Shopify-Hmac-Sha256) and no "
        "others, API key or not; a channel without one takes them from API keys with "
        "orders:capture.",
    )
    capture_chunk_orders: int = Field(
        default=100,
        description="Orders of a batch import captured per transaction (a longer transaction "
        "holds SQLite's write lock longer).",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
