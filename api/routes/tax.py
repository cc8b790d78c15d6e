"""Tax rates by jurisdiction and the tax report finance files from."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from api.deps import Db, require
from api.schemas.finance import TaxRateBody, TaxRatePublic, TaxReportParams, TaxReportPublic
from erp_core.domain.access import Permission, Principal
from erp_core.domain.errors import InvalidInput
from erp_core.queries.tax import tax_rates, tax_report
from erp_core.services.tax_rates import set_tax_rate

router = APIRouter(tags=["finance"])
Reader = Annotated[Principal, Depends(require(Permission.FINANCE_READ))]
Writer = Annotated[Principal, Depends(require(Permission.FINANCE_POST))]
Jurisdiction = Annotated[str, Path(pattern=r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,10})?$")]
LONGEST_REPORT_DAYS = 3 * 366


@router.get(
    "/v1/finance/tax-rates",
    response_model=list[TaxRatePublic],
    summary="Every jurisdiction's rates, each from its day on",
)
def get_rates(db: Db, _: Reader) -> Any:
    return db.read(tax_rates)


@router.put(
    "/v1/finance/tax-rates/{jurisdiction}",
    response_model=TaxRatePublic,
    summary="Set a jurisdiction's rate (a country, DE, or a region of one, US-CA) from a day "
    "on; orders captured before keep their tax",
)
def put_rate(jurisdiction: Jurisdiction, body: TaxRateBody, db: Db, who: Writer) -> Any:
    return set_tax_rate(db, who.name, jurisdiction, body.rate, body.valid_from)


@router.get(
    "/v1/finance/tax",
    response_model=TaxReportPublic,
    summary="Tax invoiced, credited and due per jurisdiction, for a date range",
)
def get_report(query: Annotated[TaxReportParams, Query()], db: Db, _: Reader) -> Any:
    if query.end < query.start or (query.end - query.start).days > LONGEST_REPORT_DAYS:
        raise InvalidInput("the range runs from start to an end at most 3 years later")
    return db.read(lambda s: tax_report(s, query.start, query.end))
