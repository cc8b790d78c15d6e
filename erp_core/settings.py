"""The one typed settings object; nothing else in Keel reads os.environ."""

from __future__ import annotations

from decimal import Decimal
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
    count_show_expected: bool = Field(
        default=False,
        description="Whether count sheets show counters the quantity the system expects (a "
        "blind count, the default, keeps counters from copying it).",
    )
    count_tolerance_units: int = Field(
        default=0,
        ge=0,
        description="A count missing the expected quantity by at most this "
        "many units still counts as accurate.",
    )
    count_tolerance_percent: Decimal = Field(
        default=Decimal(0),
        ge=0,
        description="...or by at most this percentage of the expected quantity.",
    )
    adjustment_approval_units: int | None = Field(
        default=1000,
        ge=0,
        description="A stock adjustment (or count variance) of more units than this waits for "
        "approval by someone with adjustments:approve; null switches the limit off.",
    )
    adjustment_approval_value: Decimal | None = Field(
        default=Decimal(10_000),
        ge=0,
        description="...and so does one worth more than this at the item's current cost.",
    )
    refund_approval_amount: Decimal = Field(
        default=Decimal(250),
        ge=0,
        description="A refund totalling more than this waits for approval by someone with "
        "refunds:approve before its credit note is posted.",
    )
    settlement_tolerance: Decimal = Field(
        default=Decimal("0.01"),
        ge=0,
        description="How far a marketplace settlement row may be from what Keel expected (the "
        "invoices, credit notes or fee of its order) and still match; beyond it opens an "
        "exception for finance.",
    )
    return_window_days: int = Field(
        default=30,
        ge=0,
        description="Days after shipment a line may be returned, for channels without a "
        "return policy of their own.",
    )
    purchase_approval_threshold: Decimal = Field(
        default=Decimal(10_000),
        ge=0,
        description="A purchase order worth more than this must be approved by someone with "
        "purchasing:approve before it is sent; one worth less may be sent straight from draft.",
    )
    receipt_over_tolerance: Decimal = Field(
        default=Decimal("0.05"),
        ge=0,
        le=1,
        description="How much more than ordered a purchase order line may receive, as a "
        "fraction of the ordered quantity (0.05: five percent, rounded down to whole units).",
    )
    receipt_on_time_grace_days: int = Field(
        default=0,
        ge=0,
        description="Days after a line's expected date a receipt still counts as on time.",
    )
    forecast_max_horizon: int = Field(
        default=365, gt=0, description="Longest forecast horizon a run may ask for, in days."
    )
    forecast_default_horizon: int = Field(
        default=56, gt=0, description="Forecast horizon when a request names none (8 weeks)."
    )
    forecast_model_name: str = Field(
        default="keel-demand-forecaster", description="Registered MLflow model of the forecaster."
    )
    replenishment_service_targets: dict[str, float] = Field(
        default_factory=dict,
        description='Service targets per ABC x XYZ class (e.g. {"AX": 0.99}) that replace the '
        "policy library's defaults (optimization/replenishment/service_classes.py).",
    )
    replenishment_service_type: str = Field(
        default="cycle",
        pattern="^(cycle|fill_rate)$",
        description="cycle: chance of no stockout per cycle (type 1); fill_rate: share of demand "
        "met from stock (type 2).",
    )
    replenishment_review_period_days: int = Field(
        default=7, ge=1, le=90, description="Days between two planning runs for the same SKU."
    )
    replenishment_min_receipts: int = Field(
        default=3,
        ge=1,
        description="Receipts of a supplier-item needed before its lead time is learnt from them "
        "rather than taken from the supplier-item's stated lead time.",
    )
    replenishment_max_lines: int = Field(
        default=50_000, gt=0, description="Most SKU-locations one plan may cover."
    )
    solver_time_limit_seconds: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="Longest an optimisation may run before it "
        "answers with its best solution so far.",
    )
    solver_workers: int = Field(default=1, ge=1, le=16, description="CP-SAT search workers.")
    routing_split_penalty: Decimal = Field(
        default=Decimal("1.50"),
        ge=0,
        description="Cost of each package beyond the first (the customer's worse experience, "
        "the carrier's extra pickup); the routing_parameters row overrides it.",
    )
    routing_default_price: Decimal = Field(
        default=Decimal("4.50"), ge=0, description="Package price on a lane nobody priced."
    )
    routing_default_price_per_km: Decimal = Field(
        default=Decimal("0.004"), ge=0, description="Distance surcharge on an unpriced lane."
    )
    routing_default_price_per_kg: Decimal = Field(
        default=Decimal("0.40"), ge=0, description="Weight surcharge on an unpriced lane."
    )
    routing_km_per_transit_day: int = Field(
        default=600, gt=0, description="Distance a parcel covers per day on an unpriced lane."
    )
    routing_time_limit_seconds: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="Longest one order's routing may search before answering with its best "
        "route so far (status feasible).",
    )
    routing_wave_time_limit_seconds: float = Field(
        default=55.0, gt=0, le=600, description="Longest a wave may search."
    )
    routing_unfilled_penalty: Decimal = Field(
        default=Decimal("50"),
        ge=0,
        description="Base cost of a unit a wave leaves unfilled, before the order's priority "
        "and promised-date weights.",
    )
    anomaly_model_name: str = Field(
        default="keel-order-anomaly", description="Registered MLflow model of the order scorer."
    )
    anomaly_hold_rate: float = Field(
        default=0.01,
        gt=0,
        lt=1,
        description="Share of orders the order anomaly model is trained to hold at most; its "
        "hold threshold is the score this share of training orders reaches.",
    )
    anomaly_model_refresh_seconds: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="How long the API keeps the champion it loaded before asking the registry "
        "again, so a promotion is seen without a restart.",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
