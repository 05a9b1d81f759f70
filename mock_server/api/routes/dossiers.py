"""Dossier hand-over slips: hand over the papers for an order, read one back."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from mock_server.api import public
from mock_server.api.deps import CreateKey, Unit, mark_replay
from mock_server.models import ERROR_RESPONSES, DossierCreate, DossierPublic
from mock_server.records import dossiers

router = APIRouter(prefix="/dossiers", tags=["dossiers"])


@router.post(
    "",
    name="submit_dossier",
    status_code=status.HTTP_201_CREATED,
    response_model=DossierPublic,
    responses=ERROR_RESPONSES,
)
async def submit_dossier(
    body: DossierCreate, unit: Unit, response: Response, key: CreateKey = None
) -> DossierPublic:
    row, created = await unit.write("submit_dossier", dossiers.create, body, time.time(), key)
    mark_replay(response, created)
    return public.dossier(row)


@router.get(
    "/{dossier_id}", name="get_dossier", response_model=DossierPublic, responses=ERROR_RESPONSES
)
async def get_dossier(
    dossier_id: Annotated[int, Path(ge=1, le=2**31 - 1)], unit: Unit
) -> DossierPublic:
    return public.dossier(await unit.read("get_dossier", dossiers.get, dossier_id))
