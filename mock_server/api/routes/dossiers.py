"""Dossier hand-over slips: hand over the papers for an order, read one back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from mock_server.api import public
from mock_server.api.create_route import add_create_route
from mock_server.api.deps import Unit
from mock_server.models import ERROR_RESPONSES, DossierCreate, DossierPublic
from mock_server.records import dossiers

router = APIRouter(prefix="/dossiers", tags=["dossiers"])
add_create_route(
    router, "submit_dossier", DossierCreate, DossierPublic, dossiers.create, public.dossier
)


@router.get(
    "/{dossier_id}", name="get_dossier", response_model=DossierPublic, responses=ERROR_RESPONSES
)
async def get_dossier(
    dossier_id: Annotated[int, Path(ge=1, le=2**31 - 1)], unit: Unit
) -> DossierPublic:
    return public.dossier(await unit.read("get_dossier", dossiers.get, dossier_id))
