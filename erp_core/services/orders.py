"""Capturing orders: once per channel order, validated on receipt, held or ready.

Receipt is separate from release: capture never touches stock. A channel order that arrives
again (same channel and external id) returns the order already captured, never a second one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.domain.errors import Conflict, DomainError, InvalidInput
from erp_core.services import idempotency
from erp_core.services.anomaly_scoring import OrderScorer
from erp_core.services.order_commands import OrderCommand
from erp_core.services.order_intake import Outcome, intake

# The reply for a captured order, built inside the capture transaction from its id.
Reply = Callable[[Session, int], dict[str, Any]]


@dataclass(frozen=True)
class Captured:
    status_code: int
    body: dict[str, Any]


def capture_order(
    db: Database,
    actor: str,
    cmd: OrderCommand,
    reply: Reply,
    scorer: OrderScorer | None = None,
    idempotency_scope: tuple[str, str] | None = None,
) -> Captured:
    """201 with the new order, or 200 with the order already captured for this channel order.

    `idempotency_scope` is (scope, request hash) of an Idempotency-Key: the key is claimed in
    the same transaction, and a replay returns the first reply.
    """
    _check_size(db, cmd)

    def work(session: Session) -> Captured:
        replay = idempotency.replayed(session, idempotency_scope)
        if replay is not None:
            return Captured(*replay)
        outcome = intake(session, actor, cmd.channel, [cmd], scorer)[0]
        if isinstance(outcome, DomainError):
            raise outcome
        captured = Captured(201 if outcome.created else 200, reply(session, outcome.order_id))
        idempotency.remember(session, idempotency_scope, captured.status_code, captured.body)
        return captured

    try:
        return db.transact(work)
    except IntegrityError:
        # A concurrent request captured the same channel order (or claimed the same key)
        # between our check and our insert; its reply is now ours.
        return db.transact(work)


def capture_batch(
    db: Database,
    actor: str,
    channel: str,
    cmds: Sequence[OrderCommand],
    scorer: OrderScorer | None = None,
) -> list[Outcome | DomainError]:
    """Each order's outcome or refusal, in the order given; one transaction per chunk of
    `settings.capture_chunk_orders` orders, so a bad order costs only itself."""
    results: list[Outcome | DomainError] = []
    size = db.settings.capture_chunk_orders
    for start in range(0, len(cmds), size):
        chunk = cmds[start : start + size]
        sized = [_size_error(db, cmd) for cmd in chunk]
        fit = [cmd for cmd, error in zip(chunk, sized, strict=True) if error is None]
        try:
            captured = iter(
                db.transact(
                    partial(intake, actor=actor, channel_code=channel, cmds=fit, scorer=scorer)
                )
            )
        except (IntegrityError, DataError):
            # A concurrent capture of one of these orders, or a value the database refuses:
            # one by one, so only the order concerned fails.
            captured = iter([_one(db, actor, cmd, scorer) for cmd in fit])
        results.extend(error if error is not None else next(captured) for error in sized)
    return results


def _one(
    db: Database, actor: str, cmd: OrderCommand, scorer: OrderScorer | None
) -> Outcome | DomainError:
    try:
        captured = capture_order(db, actor, cmd, lambda _, order_id: {"id": order_id}, scorer)
    except DomainError as error:
        return error
    except IntegrityError:
        return Conflict("the order conflicts with existing records", external_id=cmd.external_id)
    except DataError:
        return InvalidInput("a value is out of range for Keel", external_id=cmd.external_id)
    return Outcome(captured.body["id"], created=captured.status_code == 201)


def _size_error(db: Database, cmd: OrderCommand) -> InvalidInput | None:
    most = db.settings.max_order_lines
    if not cmd.lines or len(cmd.lines) > most:
        return InvalidInput(f"an order has 1 to {most} lines", lines=len(cmd.lines))
    return None


def _check_size(db: Database, cmd: OrderCommand) -> None:
    if (error := _size_error(db, cmd)) is not None:
        raise error
