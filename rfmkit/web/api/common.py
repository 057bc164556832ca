"""What the API routes share: error responses in OpenAPI, caller types, query types, downloads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.background import BackgroundTask

from rfmkit.web.auth import Principal, requires


class ErrorBody(BaseModel):
    """The one error shape of every shell (``RfmError.to_dict()``)."""

    ok: bool = False
    error: str
    message: str
    status: int
    details: dict[str, Any]


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer with."""
    return {code: {"model": ErrorBody} for code in (401, 403, 422, *codes)}


Reader = Annotated[Principal, requires("read")]
Exporter = Annotated[Principal, requires("export", "marketer")]
Runner = Annotated[Principal, requires("activate", "analyst")]
Admin = Annotated[Principal, requires("admin", "admin")]

Lang = Annotated[str, Query(pattern="^(zh|en)$", description="Language of labels: zh or en.")]
Page = Annotated[int, Query(ge=1, le=1_000_000)]
PerPage = Annotated[int, Query(ge=1, le=500)]


def download(path: Path, filename: str) -> FileResponse:
    """Send a temporary file as ``filename``, deleting it once it has been sent."""
    return FileResponse(
        path, filename=filename, background=BackgroundTask(path.unlink, missing_ok=True)
    )


__all__ = [
    "Admin",
    "Depends",
    "ErrorBody",
    "Exporter",
    "Lang",
    "Page",
    "PerPage",
    "Reader",
    "Runner",
    "download",
    "errors",
]
