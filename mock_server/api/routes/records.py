"""Dossier hand-over slips, foreign-loan records and account closures."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from mock_server import repository
from mock_server.api import public
from mock_server.api.deps import CreateKey, Unit, mark_replay
from mock_server.models import (
    AccountClosureCreate,
    AccountClosurePublic,
    DossierCreate,
    DossierPublic,
    ForeignLoanRecordCreate,
    ForeignLoanRecordPublic,
    Problem,
)

router = APIRouter()
ERRORS = {404: {"model": Problem}, 409: {"model": Problem}, 503: {"model": Problem}}


@router.post(
    "/dossiers",
    name="submit_dossier",
    status_code=status.HTTP_201_CREATED,
    response_model=DossierPublic,
    responses=ERRORS,
    tags=["dossiers"],
)
async def submit_dossier(
    body: DossierCreate, unit: Unit, response: Response, key: CreateKey = None
) -> DossierPublic:
    row, created = await unit.write(
        "submit_dossier", repository.create_dossier, body, time.time(), key
    )
    mark_replay(response, created)
    return public.dossier(row)


@router.get(
    "/dossiers/{dossier_id}",
    name="get_dossier",
    response_model=DossierPublic,
    responses=ERRORS,
    tags=["dossiers"],
)
async def get_dossier(
    dossier_id: Annotated[int, Path(ge=1, le=2**31 - 1)], unit: Unit
) -> DossierPublic:
    return public.dossier(await unit.read("get_dossier", repository.get_dossier, dossier_id))


@router.post(
    "/foreign-loan-records",
    name="record_foreign_loan",
    status_code=status.HTTP_201_CREATED,
    response_model=ForeignLoanRecordPublic,
    responses=ERRORS,
    tags=["foreign loans"],
)
async def record_foreign_loan(
    body: ForeignLoanRecordCreate, unit: Unit, response: Response, key: CreateKey = None
) -> ForeignLoanRecordPublic:
    row, created = await unit.write(
        "record_foreign_loan", repository.create_foreign_loan_record, body, time.time(), key
    )
    mark_replay(response, created)
    return public.foreign_loan_record(row)


@router.post(
    "/account-closures",
    name="close_account",
    status_code=status.HTTP_201_CREATED,
    response_model=AccountClosurePublic,
    responses=ERRORS,
    tags=["accounts"],
)
async def close_account(
    body: AccountClosureCreate, unit: Unit, response: Response, key: CreateKey = None
) -> AccountClosurePublic:
    row, created = await unit.write(
        "close_account", repository.close_account, body, time.time(), key
    )
    mark_replay(response, created)
    return public.account_closure(row)
