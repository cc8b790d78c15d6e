"""`keel release run`: the periodic release job."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Annotated

import typer

from api.cli.output import cli_actor, console
from api.composition import database, order_router
from erp_core.domain.errors import DomainError
from erp_core.services.release import releasable_orders, release_order

app = typer.Typer(help="Order release.", no_args_is_help=True)
log = logging.getLogger("keel.release")


@app.command("run")
def run(limit: Annotated[int, typer.Option(help="orders per run")] = 1000) -> None:
    """Release ready orders, then retry backordered ones, by channel priority then age."""
    db, router, outcome = database(), order_router(), Counter[str]()
    for order_id in releasable_orders(db, limit):
        try:
            outcome[release_order(db, cli_actor(), order_id, router)["status"].value] += 1
        except DomainError as error:
            # Another release or a cancellation got there first; the next run sees it.
            log.info("order %s skipped: %s", order_id, error.message)
            outcome["skipped"] += 1
    console.print(
        "release run: "
        + (", ".join(f"{n} {what}" for what, n in sorted(outcome.items())) or "nothing to release")
    )
