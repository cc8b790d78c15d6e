"""The books: chart of accounts, trial balance, journal, corrections and period close."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from api.deps import Db, page_limit, require
from api.schemas.common import Page
from api.schemas.finance import (
    AccountPublic,
    ClosedPeriodPublic,
    EntryCreate,
    EntryPublic,
    JournalParams,
    Period,
    PeriodPublic,
    ReversalCreate,
    TrialBalanceParams,
    TrialBalancePublic,
)
from erp_core.domain.access import Permission, Principal
from erp_core.domain.accounts import CHART, PER_PARTY
from erp_core.domain.journal import Posting
from erp_core.queries.books import (
    JournalFilter,
    closed_periods,
    journal_entry,
    journal_page,
    trial_balance,
)
from erp_core.queries.pages import INT64_MAX
from erp_core.services import books

router = APIRouter(tags=["finance"])
EntryId = Annotated[int, Path(ge=1, le=INT64_MAX)]
Reader = Annotated[Principal, Depends(require(Permission.FINANCE_READ))]
Poster = Annotated[Principal, Depends(require(Permission.FINANCE_POST))]
Closer = Annotated[Principal, Depends(require(Permission.PERIODS_CLOSE))]


@router.get(
    "/v1/finance/accounts", response_model=list[AccountPublic], summary="The chart of accounts"
)
def get_accounts(_: Reader) -> Any:
    return [{**vars(account), "per_party": account.code in PER_PARTY} for account in CHART]


@router.get(
    "/v1/finance/trial-balance",
    response_model=TrialBalancePublic,
    summary="Each account's balance at the end of a day (today when as_of is left out)",
)
def get_trial_balance(query: Annotated[TrialBalanceParams, Query()], db: Db, _: Reader) -> Any:
    return db.read(lambda s: trial_balance(s, query.as_of))


@router.get(
    "/v1/finance/journal",
    response_model=Page[EntryPublic],
    summary="Journal entries newest first, by date range, account and reference",
)
def get_journal(query: Annotated[JournalParams, Query()], db: Db, _: Reader) -> Any:
    wanted = JournalFilter(query.start, query.end, query.account, query.reference)
    return db.read(lambda s: journal_page(s, wanted, query.cursor, page_limit(db, query.limit)))


@router.get("/v1/finance/journal/{entry_id}", response_model=EntryPublic, summary="One entry")
def get_entry(entry_id: EntryId, db: Db, _: Reader) -> Any:
    return db.read(lambda s: journal_entry(s, entry_id))


@router.post(
    "/v1/finance/journal",
    response_model=EntryPublic,
    status_code=201,
    summary="Post a balanced manual entry dated today (inventory moves only with stock)",
)
def post_entry(body: EntryCreate, db: Db, who: Poster) -> Any:
    postings = [Posting(line.account, line.debit, line.credit) for line in body.lines]
    return books.post_manual_entry(db, who.name, body.memo, body.reference, postings)


@router.post(
    "/v1/finance/journal/{entry_id}/reverse",
    response_model=EntryPublic,
    status_code=201,
    summary="Reverse an entry with its mirror image, posted today in the open period",
)
def post_reversal(entry_id: EntryId, body: ReversalCreate, db: Db, who: Poster) -> Any:
    return books.reverse_entry(db, who.name, entry_id, body.reason)


@router.get("/v1/finance/periods", response_model=list[PeriodPublic], summary="The closed periods")
def get_periods(db: Db, _: Reader) -> Any:
    return db.read(closed_periods)


@router.post(
    "/v1/finance/periods/{period}/close",
    response_model=ClosedPeriodPublic,
    summary="Close a month that has ended, after every earlier month: nothing posts into it "
    "again, later corrections are reversing entries in the open period",
)
def post_close(period: Annotated[Period, Path()], db: Db, who: Closer) -> Any:
    return books.close_period(db, who.name, period)
