"""The steps behind the routes that change things: uploads, checks, runs, with their audit entries.

Routes parse and authorise; these functions call the verbs, keep the audit
log and shape the answer. A scheme named in a request must be a shipped one
(a path would let a request read files on the server).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
from fastapi import UploadFile

from rfmkit.errors import ConfigError
from rfmkit.scheme import shipped_schemes
from rfmkit.settings import HistoryOptions, Settings
from rfmkit.store import SnapshotInfo, accounts
from rfmkit.web import dbreads
from rfmkit.web.auth import Principal
from rfmkit.web.errors import Forbidden
from rfmkit.web.exports import Contacts, Exported, Format, export_members
from rfmkit.web.runs import Runner
from rfmkit.web.state import WebState
from rfmkit.web.uploads import Upload, find_upload
from rfmkit.web.uploads import save_upload as store_file

#: Rows of the mapped input shown before a run.
PREVIEW_ROWS = 8


def is_shipped_scheme(name: str) -> bool:
    return name in shipped_schemes()


def refuse_scheme(name: str) -> None:
    raise ConfigError(
        f"Unknown scheme {name!r}.",
        fix="In the web app use a shipped scheme: " + ", ".join(shipped_schemes()) + ".",
    )


def save_upload(state: WebState, file: UploadFile, who: Principal, ip: str) -> Upload:
    """Store an uploaded file (checked) and audit it."""
    limit = state.options.max_upload_mb * 1_000_000
    saved = store_file(state.data_dir / "uploads", file.filename or "", file.file, limit)
    with state.db() as store:
        accounts.audit(
            store, who.name, "upload", ip=ip, obj=saved.name, detail=f"{saved.size} bytes"
        )
    return saved


@dataclass(frozen=True)
class Checked:
    """What the check verb found in an upload: mapping, preview rows, quality."""

    upload: Upload
    mapping: dict[str, str]
    level: str
    preview: list[dict[str, Any]]
    quality: dict[str, Any]
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "upload_id": self.upload.upload_id,
            "name": self.upload.name,
            "mapping": self.mapping,
            "level": self.level,
            "preview": self.preview,
            "quality": self.quality,
            "summary": self.summary,
        }


def check_upload(state: WebState, upload_id: str, settings: Settings) -> Checked:
    """Run the ``check`` verb on an upload: the detected mapping, a preview and the report."""
    from rfmkit.verbs.check import check_with
    from rfmkit.web.queries import frame_rows

    found = find_upload(state.data_dir / "uploads", upload_id)
    target, settings = dbreads.source_of(state, found, settings)
    with dbreads.database_errors(settings):
        result = check_with(target, settings)
        rows = result.loaded.transactions
        preview = frame_rows(rows.head(PREVIEW_ROWS).to_pandas()) if rows is not None else []
    quality = result.quality
    mapping: dict[str, str] = {}
    for source in quality.sources:
        mapping.update(source.columns)
    return Checked(
        found,
        mapping,
        quality.level,
        preview,
        quality.to_dict(),
        quality.summary(settings.lang),
    )


def start_run(
    runner: Runner,
    state: WebState,
    upload_id: str,
    settings: Settings,
    history: HistoryOptions,
    who: Principal,
    ip: str | None = None,
) -> str:
    found = find_upload(state.data_dir / "uploads", upload_id)
    _, settings = dbreads.source_of(state, found, settings)
    path = None if found.is_database else found.path
    return runner.start(path, settings, history, who.name, dbreads.describe(found), ip)


def job_dict(job: dict[str, Any]) -> dict[str, Any]:
    """A job row for JSON (dates as text)."""
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in job.items()}


def export_file(
    state: WebState,
    info: SnapshotInfo,
    who: Principal,
    ip: str,
    segment: str | None,
    q: str | None,
    fmt: Format,
    contacts: Contacts,
) -> Exported:
    """Write an export of ``info``'s customers and audit it (raw contacts need PII rights)."""
    if contacts == "raw" and not who.sees_pii:
        raise Forbidden(
            "Raw phone numbers and email addresses are not shown to this account.",
            fix="Export with contacts=hashed or contacts=none.",
        )
    with state.db() as store:
        done = export_members(
            store,
            info,
            state.data_dir / "exports",
            segment=segment,
            q=q,
            fmt=fmt,
            contacts=contacts,
        )
        accounts.audit(
            store,
            who.name,
            "export",
            ip=ip,
            obj=f"snapshot {info.as_of} segment {segment or 'all'} ({fmt}, contacts {contacts})",
            row_count=done.rows,
            detail=f"{done.suppressed} suppressed",
        )
    return done


#: URL schemes of database connections.
DATABASE_SCHEMES = ("postgresql", "postgres", "mysql", "mariadb")


def add_connection(
    state: WebState,
    name: str,
    kind: str,
    url: str,
    secret: str | None,
    who: Principal,
    ip: str,
) -> None:
    """Keep a connection (``database``) or destination (``webhook``), encrypted.

    A webhook URL must pass the SSRF guard (public addresses only unless the
    server allows private ones); the audit entry names it without secrets.
    """
    from rfmkit.delivery.guard import check_url
    from rfmkit.web.vault import require

    vault = require(state.vault)
    if kind == "webhook":
        check_url(url, allow_private=state.config.allow_private)
    elif url.split("://", 1)[0].lower() not in DATABASE_SCHEMES:
        raise ConfigError(
            "A database connection is a postgresql:// or mysql:// URL.",
            fix="For example postgresql://reader@db.example.com/shop (a read-only user).",
        )
    sealed = vault.seal({"url": url, "secret": secret})
    with state.db() as store:
        accounts.put_secret(store, name, kind, sealed, who.name)
        accounts.audit(store, who.name, "connection.define", ip=ip, obj=f"{kind} {name}")


def load_contacts(state: WebState, upload_id: str, who: Principal, ip: str) -> int:
    """Replace the store's contacts with an uploaded file's customer id, phone and email.

    The file is read like the contacts of ``rfmkit audience export``
    (:func:`rfmkit.verbs.audience.read_list`); phones and emails are kept as
    written (normalised when exported); how many customers have contacts.
    """
    from rfmkit.backend import connect
    from rfmkit.verbs.audience import read_list

    found = find_upload(state.data_dir / "uploads", upload_id)
    table = read_list(found.path, connect(), ("customer_id", "phone", "email"), what="contacts")
    if "customer_id" not in table.columns or len(table.columns) < 2:
        raise ConfigError(
            "The contacts file needs a customer id and a phone or email column.",
            fix="Name them customer_id, phone and email (or their usual names).",
        )
    present = set(table.columns)
    shaped = table.mutate(
        **{c: ibis.null("string") for c in ("phone", "email") if c not in present}
    ).select("customer_id", "phone", "email")
    with state.db() as store:
        count = accounts.replace_contacts(store, shaped.to_pyarrow())
        accounts.audit(store, who.name, "contacts", ip=ip, obj=found.name, row_count=count)
    return count
