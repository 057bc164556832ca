"""Exports of a segment's customers: CSV or Excel, contacts raw, hashed or left out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from rfmkit.web import queries
from rfmkit.web.api.common import Exporter, download, errors
from rfmkit.web.auth import client_ip, state_of
from rfmkit.web.exports import Contacts, Format
from rfmkit.web.services import export_file

router = APIRouter(tags=["exports"])


@router.get(
    "/exports/{as_of}",
    summary="Download customers of a snapshot (one segment, or all) as CSV or Excel",
    response_class=FileResponse,
    responses=errors(404),
)
def export(
    request: Request,
    as_of: str,
    who: Exporter,
    segment: str | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    format: Format = "csv",
    contacts: Contacts = "none",
) -> FileResponse:
    state = state_of(request)
    with state.db() as store:
        info = queries.snapshot_info(store, as_of)
    done = export_file(state, info, who, client_ip(request), segment, q, format, contacts)
    name = f"rfmkit-{info.as_of.isoformat()}-{segment or 'all'}.{format}"
    return download(done.path, name)
