"""Uploaded files: type and size checked while they arrive, kept under random names.

A file is written in chunks to ``<data_dir>/uploads/<id>/data<.ext>``; the
name the browser sent is kept only as text to show (never as a path), and
``id`` is 32 hex digits, so a request cannot reach outside the folder. The
extension must be one rfmkit reads, and the first bytes must agree with it
(a workbook is a zip, Parquet starts with ``PAR1``, text has no NUL bytes).

A database read (:func:`save_database_read`) takes the same place: an id
whose ``meta.json`` names a stored connection and a table or a query -- never
a URL or a password -- so that a database goes through the same check and
run steps as a file.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from rfmkit.web.errors import NotFound, TooLarge, Unsupported

TEXT = (".csv", ".tsv", ".txt", ".json", ".jsonl")
EXTENSIONS = (*TEXT, ".xlsx", ".parquet")
_ID = re.compile(r"^[0-9a-f]{32}$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Upload:
    """A stored upload: its id, where it is, the name it was sent with and its size."""

    upload_id: str
    path: Path
    name: str
    size: int
    database: dict[str, str] | None = None

    @property
    def is_database(self) -> bool:
        """Whether this is a database read (``database``: connection, and table or query)."""
        return self.database is not None


def save_upload(root: Path, name: str, stream: BinaryIO, max_bytes: int) -> Upload:
    """Store ``stream`` (the file ``name``) under ``root``; checks as in the module docstring."""
    suffix = Path(name or "").suffix.lower()
    if suffix not in EXTENSIONS:
        raise Unsupported(
            f"Files of type {suffix or '(none)'!r} cannot be read.",
            fix="Upload CSV, TSV, TXT, JSON, Excel (.xlsx) or Parquet.",
        )
    upload_id = uuid.uuid4().hex
    folder = root / upload_id
    folder.mkdir(parents=True)
    path = folder / f"data{suffix}"
    size = 0
    try:
        with path.open("wb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(
                        f"The file is larger than {max_bytes // 1_000_000} MB.",
                        fix="Upload a smaller file, or raise max_upload_mb.",
                    )
                out.write(chunk)
        _check_content(path, suffix)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    shown = Path(name).name[:200]
    (folder / "meta.json").write_text(json.dumps({"name": shown, "size": size}), encoding="utf-8")
    return Upload(upload_id, path, shown, size)


def _check_content(path: Path, suffix: str) -> None:
    with path.open("rb") as f:
        head = f.read(8192)
    if not head:
        raise Unsupported("The file is empty.", fix="Upload a file with orders.")
    ok = (
        head.startswith(b"PK\x03\x04")
        if suffix == ".xlsx"
        else head.startswith(b"PAR1")
        if suffix == ".parquet"
        else b"\x00" not in head or head[:2] in (b"\xff\xfe", b"\xfe\xff")
    )
    if not ok:
        raise Unsupported(
            f"The file's content does not look like {suffix[1:].upper()}.",
            fix="Upload the file as exported, with its right extension.",
        )


def save_database_read(root: Path, connection: str, table: str | None, query: str | None) -> Upload:
    """Keep a database read (a stored connection's name, and a table or a query) under a new id."""
    upload_id = uuid.uuid4().hex
    folder = root / upload_id
    folder.mkdir(parents=True)
    database = {"connection": connection, **({"table": table} if table else {"query": query or ""})}
    shown = f"{connection}: {table}" if table else f"{connection}: query"
    meta = {"name": shown, "size": 0, "database": database}
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return Upload(upload_id, folder, shown, 0, database)


def find_upload(root: Path, upload_id: str) -> Upload:
    """A stored upload or database read by id; :class:`NotFound` for an unknown or malformed id."""
    if not _ID.match(upload_id):
        raise NotFound("No such upload.")
    folder = root / upload_id
    meta = folder / "meta.json"
    if not meta.is_file():
        raise NotFound("No such upload.", fix="Upload the file again.")
    info = json.loads(meta.read_text(encoding="utf-8"))
    if isinstance(info.get("database"), dict):
        database = {str(k): str(v) for k, v in info["database"].items()}
        return Upload(upload_id, folder, str(info["name"]), 0, database)
    files = list(folder.glob("data.*"))
    if len(files) != 1:
        raise NotFound("No such upload.", fix="Upload the file again.")
    return Upload(upload_id, files[0], str(info["name"]), int(info["size"]))
