"""`keel demo`: a living demo company built in phases, each reported to a progress sink.

1. demand: ~300 SKUs x 2 years of daily demand (pipelines/demo_demand.py);
2. company: suppliers, nodes, channels with their behaviour, customers, catalogue;
3. history: the stock story under a reorder-point rule, written in bulk as shipped orders and
   dated ledger moves, up to `live_days` before today;
4. anomaly model: the order anomaly scorer trained on the history, logged to MLflow and made
   champion (unless a better one is registered), so live capture scores with it;
5. live: the last `live_days` replayed through the ERP services day by day, orders scored at
   capture and anomaly holds worked by a supervisor who finds out the truth;
6. settlements: marketplace payout files with a few planted mistakes, imported and matched;
   then the returns and demand scans raise their anomaly flags (flagged demand days are left
   out of the forecaster's training);
7. forecaster: backtest and choose a model per SKU, logged to MLflow and promoted to champion
   (unless a better champion is already registered), then a forecast run published;
8. plan: a replenishment plan for today, proposed for a planner to review and approve;
9. check: the invariants of DESIGN.md on the result (`keel check`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select

from erp_core.adapters.database import Database
from erp_core.adapters.tables import Item
from erp_core.domain.routing import Router
from erp_core.queries.integrity import violations
from erp_core.services.injected_anomalies import PlantedOrder, record_injected
from erp_core.services.settlements import import_settlement
from pipelines.demand_anomalies import scan_demand
from pipelines.demo_company import build_catalogue, load_company
from pipelines.demo_demand import DemandConfig, generate_demand
from pipelines.demo_forecasting import Forecasting, forecast_demand
from pipelines.demo_history import HistoryFigures, history_size, write_history
from pipelines.demo_live import LiveFigures, LiveReplay
from pipelines.demo_orders import OrderMaker
from pipelines.demo_routing import load_routing
from pipelines.demo_settlements import write_settlements
from pipelines.demo_stock import simulate_stock
from pipelines.order_anomaly_scorer import LiveOrderScorer
from pipelines.order_anomaly_training import AnomalyTraining, train_order_model
from pipelines.progress import ProgressSink
from pipelines.replenishment_plan import PlanAsk, create_plan
from pipelines.return_anomalies import scan_returns

ACTOR = "demo:replay"


@dataclass(frozen=True)
class DemoConfig:
    skus: int = 300
    days: int = 730
    live_days: int = 14
    customers: int = 4000
    seed: int = 7
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    output: Path = Path("keel-demo")
    backtest_days: int = 28  # per rolling-origin window of the forecaster's backtest
    backtest_windows: int = 3

    @classmethod
    def fast(cls, **overrides: object) -> DemoConfig:
        """A few SKUs over a few months: seconds, for tests."""
        values: dict[str, object] = {"skus": 24, "days": 120, "live_days": 5, "customers": 150}
        values |= {"backtest_days": 7, "backtest_windows": 2}
        return cls(**(values | overrides))  # type: ignore[arg-type]


@dataclass(frozen=True)
class DemoFigures:
    skus: int
    history: HistoryFigures
    live: LiveFigures
    settlement_files: int
    anomaly_model: AnomalyTraining
    anomaly_scans: dict[str, dict[str, int]]
    forecaster: Forecasting
    plan_id: int


def build_demo(
    db: Database, router: Router, config: DemoConfig, progress: ProgressSink
) -> DemoFigures:
    """Build the company on an empty, migrated database; raises if an invariant is broken."""
    if config.live_days >= config.days:
        raise ValueError("the live replay must be shorter than the whole history")
    rng = np.random.default_rng(config.seed)
    start_day = config.today - timedelta(days=config.days)
    start = datetime(start_day.year, start_day.month, start_day.day, tzinfo=UTC)
    progress.phase("demand", 1)
    demand = generate_demand(
        DemandConfig(skus=config.skus, days=config.days, start=start_day, seed=config.seed)
    )
    progress.advance()
    catalogue = build_catalogue(demand.skus, config.customers, config.seed)
    progress.phase("company", 1)
    load_company(db, ACTOR, catalogue)
    load_routing(db, ACTOR)
    progress.advance()
    cutover = config.days - config.live_days
    story = simulate_stock(catalogue.skus, demand.units, cutover, rng)
    maker = OrderMaker(catalogue.skus, catalogue.customers, demand.price_factor, start, "", rng)
    progress.phase("history", history_size(story))
    history = write_history(
        db, ACTOR, story, maker, start, cutover, lambda _, n: progress.advance(n)
    )
    progress.phase("anomaly model", 1)
    anomaly_model = train_order_model(db, db.settings)
    progress.advance()
    scorer = LiveOrderScorer.from_settings(db.settings)
    replay = LiveReplay(db, router, story.pairs, demand.units, maker, start, rng, scorer)
    progress.phase("live days", config.live_days)
    replay.buyer.carry_over(story.in_flight, cutover)
    for t in range(cutover, config.days):
        replay.run_day(t, last=t == config.days - 1)
        progress.advance()
    planted = [
        PlantedOrder(o.channel, o.external_id, str(o.anomaly), {"phase": "live"})
        for o in replay.figures.planted
    ]
    record_injected(db, planted)
    progress.phase("settlements", 1)
    files = write_settlements(db, config.output / "settlements", rng)
    for path in files:
        import_settlement(db, ACTOR, path.read_text())
    progress.advance()
    progress.phase("anomaly scans", 2)
    scans = {"returns": scan_returns(db)}
    progress.advance()
    scans["demand"] = scan_demand(db)
    progress.advance()
    forecasting = forecast_demand(db, config, progress)
    progress.phase("plan", 1)
    plan_id = create_plan(db, ACTOR, PlanAsk(planning_date=config.today))
    progress.advance()
    progress.phase("check", 1)
    broken = violations(db)
    if broken:
        raise RuntimeError(f"the demo broke an invariant: {[b.name for b in broken]}")
    progress.advance()
    return DemoFigures(
        config.skus,
        history,
        replay.figures,
        len(files),
        anomaly_model,
        scans,
        forecasting,
        plan_id,
    )


def company_exists(db: Database) -> bool:
    return db.read(lambda s: s.scalar(select(Item.id).limit(1))) is not None
