"""What the API routes share: the error responses documented in OpenAPI, the caller types."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from pydantic import BaseModel

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

__all__ = ["Admin", "Depends", "ErrorBody", "Exporter", "Reader", "Runner", "errors"]
