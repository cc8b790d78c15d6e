"""Setting a jurisdiction's tax rate from a day on; audited, one transaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import TaxRate
from erp_core.clock import utcnow
from erp_core.domain.errors import InvalidInput
from erp_core.queries.tax import tax_rate_dict
from erp_core.services import audit


def set_tax_rate(
    db: Database, actor: str, jurisdiction: str, rate: Decimal, valid_from: date
) -> dict[str, Any]:
    """The rate from `valid_from` on; setting the same day again replaces that day's rate.
    Orders already captured keep the tax they were charged."""
    code = jurisdiction.strip().upper()
    if not 0 <= rate < 1:
        raise InvalidInput("a tax rate is a fraction: 0.19 for 19%", rate=str(rate))

    def work(session: Session) -> dict[str, Any]:
        found = session.scalar(
            select(TaxRate)
            .where(TaxRate.jurisdiction == code, TaxRate.valid_from == valid_from)
            .with_for_update()
        )
        before = None if found is None else {"rate": str(found.rate)}
        row = found or TaxRate(jurisdiction=code, valid_from=valid_from)
        row.rate, row.set_by, row.set_at = rate, actor, utcnow()
        session.add(row)
        session.flush()
        after = {"rate": str(rate), "valid_from": valid_from.isoformat()}
        audit.record_for(session, "tax_rate", actor, "tax_rate.set", code, before, after)
        return tax_rate_dict(row)

    return db.transact(work)
