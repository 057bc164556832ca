"""The web app's tables in the snapshot store: users, tokens, sessions, audit log and more.

They live beside the snapshot tables, in the store's schema (DuckDB file or
PostgreSQL alike), and are laid out by the store's version 5 step
(:func:`rfmkit.store.schema.upgrade_v4_to_v5` runs every statement of
:func:`create_tables`, so one list holds them all; a table added here is
added to that list):

``users``            name, role, argon2 password hash, when created, disabled
``api_tokens``       token id, owner, SHA-256 of the token, scopes, expiry, last use
``web_sessions``     SHA-256 of the session id, user, CSRF token, expiry
``audit_log``        who did what and when: actor, IP, action, object, row count
``configurations``   named settings (scheme, method, weights ...) as JSON
``jobs``             background runs: status, progress, result or error (JSON)
``secrets``          database connections and destinations, encrypted (Fernet)
``contacts``         a customer's phone and email (shown masked to viewers)
``alert_rules``      alert rules edited in the web app (YAML text, one per scheme)
``schedules``        jobs the server runs itself: what, when, and the last run's result

Secrets are stored only as ciphertext; the key is not in the store. Every
function here takes an open :class:`~rfmkit.store.Store` and runs plain
parameterised statements on its connection; callers serialise access.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from rfmkit.errors import ConfigError, StoreError
from rfmkit.store.masking import mask_secrets
from rfmkit.store.store import ALIAS, Store

#: Roles, least to most privileged.
ROLES = ("viewer", "marketer", "analyst", "admin")
#: Scopes an API token can carry.
SCOPES = ("read", "export", "activate", "admin")


def ensure_tables(store: Store) -> None:
    """Create the web app's tables when they are missing (opening the store already did).

    Idempotent; nothing to do on a read-only store (it was upgraded when written).
    """
    if store.read_only:
        return
    for statement in create_tables(_p(store)):
        _run(store, statement)


def create_tables(prefix: str) -> list[str]:
    """The statements that add the web app's tables under ``prefix``."""
    return [
        f"CREATE TABLE IF NOT EXISTS {prefix}.users (name VARCHAR PRIMARY KEY, "
        "role VARCHAR NOT NULL, password_hash VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, "
        "disabled BOOLEAN NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {prefix}.api_tokens (token_id VARCHAR PRIMARY KEY, "
        "user_name VARCHAR NOT NULL, token_hash VARCHAR NOT NULL, scopes VARCHAR NOT NULL, "
        "created_at TIMESTAMP NOT NULL, expires_at TIMESTAMP, last_used_at TIMESTAMP, "
        "revoked BOOLEAN NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {prefix}.web_sessions (session_hash VARCHAR PRIMARY KEY, "
        "user_name VARCHAR NOT NULL, csrf VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, "
        "expires_at TIMESTAMP NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {prefix}.audit_log (logged_at TIMESTAMP NOT NULL, "
        "actor VARCHAR NOT NULL, ip VARCHAR, action VARCHAR NOT NULL, object VARCHAR, "
        "row_count BIGINT, detail VARCHAR)",
        f"CREATE TABLE IF NOT EXISTS {prefix}.configurations (name VARCHAR PRIMARY KEY, "
        "settings VARCHAR NOT NULL, created_by VARCHAR, updated_at TIMESTAMP NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {prefix}.jobs (job_id VARCHAR PRIMARY KEY, "
        "kind VARCHAR NOT NULL, status VARCHAR NOT NULL, progress DOUBLE, step VARCHAR, "
        "created_by VARCHAR, created_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, "
        "result VARCHAR, error VARCHAR)",
        f"CREATE TABLE IF NOT EXISTS {prefix}.secrets (name VARCHAR PRIMARY KEY, "
        "kind VARCHAR NOT NULL, ciphertext VARCHAR NOT NULL, created_by VARCHAR, "
        "created_at TIMESTAMP NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {prefix}.contacts (customer_id VARCHAR PRIMARY KEY, "
        "phone VARCHAR, email VARCHAR)",
        f"CREATE TABLE IF NOT EXISTS {prefix}.alert_rules (scheme VARCHAR PRIMARY KEY, "
        "rules VARCHAR NOT NULL, updated_by VARCHAR, updated_at TIMESTAMP NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {prefix}.schedules (name VARCHAR PRIMARY KEY, "
        "spec VARCHAR NOT NULL, created_by VARCHAR, updated_at TIMESTAMP NOT NULL, "
        "last_started_at TIMESTAMP, last_finished_at TIMESTAMP, last_status VARCHAR, "
        "last_result VARCHAR, run_token VARCHAR, running_since TIMESTAMP)",
    ]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _p(store: Store) -> str:
    return f"{ALIAS}.{store.where.schema}"


def _rows(store: Store, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return store.con.con.execute(sql.replace("{p}", _p(store)), params or []).fetchall()


def _run(store: Store, sql: str, params: list[Any] | None = None) -> None:
    if store.read_only:
        raise StoreError(f"The store {store.location} is open read-only.")
    store.con.con.execute(sql.replace("{p}", _p(store)), params or [])


# -- users ----------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    """A person who can sign in to the web app."""

    name: str
    role: str
    created_at: dt.datetime
    disabled: bool = False


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ConfigError(f"Unknown role {role!r}.", fix=f"Use one of: {', '.join(ROLES)}.")
    return role


def add_user(store: Store, name: str, role: str, password_hash: str) -> User:
    """Add a user; a :class:`ConfigError` when the name is taken or the role unknown."""
    check_role(role)
    if not name or len(name) > 64 or not name.replace("_", "").replace(".", "").isalnum():
        raise ConfigError(
            f"Invalid user name {name!r}.",
            fix="Use letters, digits, dots and underscores (at most 64).",
        )
    if find_user(store, name) is not None:
        raise ConfigError(f"The user {name!r} exists already.", fix="Choose another name.")
    user = User(name, role, _now())
    _run(
        store,
        "INSERT INTO {p}.users VALUES (?, ?, ?, ?, false)",
        [name, role, password_hash, user.created_at],
    )
    return user


def find_user(store: Store, name: str) -> User | None:
    rows = _rows(
        store, "SELECT name, role, created_at, disabled FROM {p}.users WHERE name = ?", [name]
    )
    return User(*rows[0]) if rows else None


def password_hash(store: Store, name: str) -> str | None:
    rows = _rows(
        store, "SELECT password_hash FROM {p}.users WHERE name = ? AND NOT disabled", [name]
    )
    return str(rows[0][0]) if rows else None


def set_password(store: Store, name: str, hashed: str) -> None:
    _run(store, "UPDATE {p}.users SET password_hash = ? WHERE name = ?", [hashed, name])


def list_users(store: Store) -> list[User]:
    rows = _rows(store, "SELECT name, role, created_at, disabled FROM {p}.users ORDER BY name")
    return [User(*row) for row in rows]


def require_user(store: Store, name: str) -> User:
    """The user ``name``; a :class:`ConfigError` when there is none."""
    found = find_user(store, name)
    if found is None:
        raise ConfigError(f"No user {name!r}.", fix="Add it with rfmkit users add.")
    return found


def _keeps_an_admin(store: Store, user: User, role: str, disabled: bool) -> None:
    """Refuse a change that would leave no enabled admin."""
    if user.role != "admin" or user.disabled or (role == "admin" and not disabled):
        return
    others = _rows(
        store,
        "SELECT count(*) FROM {p}.users WHERE role = 'admin' AND NOT disabled AND name <> ?",
        [user.name],
    )
    if not int(others[0][0]):
        raise ConfigError(
            f"{user.name} is the last admin; the store needs at least one.",
            fix="Make another user admin first.",
        )


def set_role(store: Store, name: str, role: str) -> User:
    """Give ``name`` the role ``role`` (the last enabled admin keeps the role admin)."""
    user = require_user(store, name)
    _keeps_an_admin(store, user, check_role(role), user.disabled)
    _run(store, "UPDATE {p}.users SET role = ? WHERE name = ?", [role, name])
    return User(user.name, role, user.created_at, user.disabled)


def set_disabled(store: Store, name: str, disabled: bool) -> User:
    """Disable (sessions ended, tokens refused) or enable ``name``; never the last admin."""
    user = require_user(store, name)
    _keeps_an_admin(store, user, user.role, disabled)
    _run(store, "UPDATE {p}.users SET disabled = ? WHERE name = ?", [disabled, name])
    if disabled:
        end_sessions_of(store, name)
    return User(user.name, user.role, user.created_at, disabled)


def last_logins(store: Store) -> dict[str, dt.datetime]:
    """Each user's latest login, from the audit log."""
    rows = _rows(
        store, "SELECT actor, max(logged_at) FROM {p}.audit_log WHERE action = 'login' GROUP BY 1"
    )
    return {str(name): when for name, when in rows}


# -- API tokens -----------------------------------------------------------------


@dataclass(frozen=True)
class TokenInfo:
    """An API token without its secret (shown once, when it is created)."""

    token_id: str
    user_name: str
    scopes: tuple[str, ...]
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked: bool

    def expired(self, now: dt.datetime | None = None) -> bool:
        return self.expires_at is not None and (now or _now()) >= self.expires_at


def check_scopes(scopes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise ConfigError(
            f"Unknown or no scopes: {', '.join(unknown) or '(none)'}.",
            fix=f"Use one or more of: {', '.join(SCOPES)}.",
        )
    return tuple(dict.fromkeys(scopes))


def add_token(
    store: Store,
    token_id: str,
    user_name: str,
    token_hash: str,
    scopes: tuple[str, ...],
    expires_at: dt.datetime | None,
) -> TokenInfo:
    """Keep a new token's hash (the token itself is never stored)."""
    if find_user(store, user_name) is None:
        raise ConfigError(f"No user {user_name!r}.", fix="Add it with rfmkit users add.")
    info = TokenInfo(token_id, user_name, check_scopes(scopes), _now(), expires_at, None, False)
    _run(
        store,
        "INSERT INTO {p}.api_tokens VALUES (?, ?, ?, ?, ?, ?, NULL, false)",
        [token_id, user_name, token_hash, ",".join(info.scopes), info.created_at, expires_at],
    )
    return info


_TOKEN_FIELDS = "token_id, user_name, scopes, created_at, expires_at, last_used_at, revoked"


def _token(row: tuple[Any, ...]) -> TokenInfo:
    token_id, user, scopes, created, expires, used, revoked = row
    return TokenInfo(token_id, user, tuple(scopes.split(",")), created, expires, used, revoked)


def find_token(store: Store, token_id: str) -> tuple[TokenInfo, str] | None:
    """The token of ``token_id`` and its stored hash."""
    rows = _rows(
        store,
        f"SELECT {_TOKEN_FIELDS}, token_hash FROM {{p}}.api_tokens WHERE token_id = ?",
        [token_id],
    )
    return (_token(rows[0][:-1]), str(rows[0][-1])) if rows else None


def list_tokens(store: Store, user_name: str | None = None) -> list[TokenInfo]:
    where, params = ("WHERE user_name = ?", [user_name]) if user_name else ("", [])
    rows = _rows(
        store, f"SELECT {_TOKEN_FIELDS} FROM {{p}}.api_tokens {where} ORDER BY created_at", params
    )
    return [_token(row) for row in rows]


def touch_token(store: Store, token_id: str, when: dt.datetime) -> None:
    _run(store, "UPDATE {p}.api_tokens SET last_used_at = ? WHERE token_id = ?", [when, token_id])


def revoke_token(store: Store, token_id: str) -> None:
    if find_token(store, token_id) is None:
        raise ConfigError(f"No token {token_id!r}.", fix="List them with rfmkit tokens list.")
    _run(store, "UPDATE {p}.api_tokens SET revoked = true WHERE token_id = ?", [token_id])


# -- sessions -------------------------------------------------------------------


def add_session(
    store: Store, session_hash: str, user_name: str, csrf: str, expires_at: dt.datetime
) -> None:
    _run(
        store,
        "INSERT INTO {p}.web_sessions VALUES (?, ?, ?, ?, ?)",
        [session_hash, user_name, csrf, _now(), expires_at],
    )


def find_session(store: Store, session_hash: str) -> tuple[str, str, dt.datetime] | None:
    """``(user_name, csrf, expires_at)`` of a session that has not expired."""
    rows = _rows(
        store,
        "SELECT user_name, csrf, expires_at FROM {p}.web_sessions "
        "WHERE session_hash = ? AND expires_at > ?",
        [session_hash, _now()],
    )
    return (str(rows[0][0]), str(rows[0][1]), rows[0][2]) if rows else None


def end_session(store: Store, session_hash: str) -> None:
    _run(store, "DELETE FROM {p}.web_sessions WHERE session_hash = ?", [session_hash])


def end_sessions_of(store: Store, user_name: str) -> None:
    """Sign ``user_name`` out everywhere (a disabled user, a reset password)."""
    _run(store, "DELETE FROM {p}.web_sessions WHERE user_name = ?", [user_name])


# -- audit log ------------------------------------------------------------------

#: Columns of :func:`audit_rows`.
AUDIT_COLUMNS = ("logged_at", "actor", "ip", "action", "object", "row_count", "detail")


def audit(
    store: Store,
    actor: str,
    action: str,
    *,
    ip: str | None = None,
    obj: str | None = None,
    row_count: int | None = None,
    detail: str | None = None,
) -> None:
    """Append one entry to the audit log (secrets in ``detail`` masked)."""
    _run(
        store,
        "INSERT INTO {p}.audit_log VALUES (?, ?, ?, ?, ?, ?, ?)",
        [_now(), actor, ip, action, obj, row_count, mask_secrets(detail) if detail else None],
    )


def audit_rows(store: Store, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    """The newest audit entries first."""
    rows = _rows(
        store,
        f"SELECT {', '.join(AUDIT_COLUMNS)} FROM {{p}}.audit_log ORDER BY logged_at DESC "
        "LIMIT ? OFFSET ?",
        [limit, offset],
    )
    return [dict(zip(AUDIT_COLUMNS, row, strict=True)) for row in rows]


def latest_actors(store: Store, action: str) -> dict[str, str]:
    """``object -> actor`` of the newest entry of ``action`` per object (who made what)."""
    rows = _rows(
        store,
        "SELECT object, arg_max(actor, logged_at) FROM {p}.audit_log "
        "WHERE action = ? AND object IS NOT NULL GROUP BY 1",
        [action],
    )
    return {str(obj): str(actor) for obj, actor in rows}


# -- named configurations -------------------------------------------------------


def save_configuration(store: Store, name: str, settings: dict[str, Any], by: str) -> None:
    text = json.dumps(mask_secrets(settings), default=str, ensure_ascii=False)
    _run(store, "DELETE FROM {p}.configurations WHERE name = ?", [name])
    _run(store, "INSERT INTO {p}.configurations VALUES (?, ?, ?, ?)", [name, text, by, _now()])


def configurations(store: Store) -> dict[str, dict[str, Any]]:
    rows = _rows(store, "SELECT name, settings FROM {p}.configurations ORDER BY name")
    return {str(name): json.loads(text) for name, text in rows}


def configuration(store: Store, name: str) -> dict[str, Any] | None:
    """The settings of the configuration ``name``; None when there is none."""
    rows = _rows(store, "SELECT settings FROM {p}.configurations WHERE name = ?", [name])
    return dict(json.loads(rows[0][0])) if rows else None


def delete_configuration(store: Store, name: str) -> bool:
    """Forget a configuration; whether there was one."""
    found = configuration(store, name) is not None
    _run(store, "DELETE FROM {p}.configurations WHERE name = ?", [name])
    return found


# -- jobs -------------------------------------------------------------------------

JOB_COLUMNS = (
    "job_id",
    "kind",
    "status",
    "progress",
    "step",
    "created_by",
    "created_at",
    "finished_at",
    "result",
    "error",
)


def add_job(store: Store, job_id: str, kind: str, by: str) -> None:
    _run(
        store,
        "INSERT INTO {p}.jobs VALUES (?, ?, 'queued', 0, NULL, ?, ?, NULL, NULL, NULL)",
        [job_id, kind, by, _now()],
    )


def update_job(
    store: Store,
    job_id: str,
    *,
    status: str,
    progress: float,
    step: str | None = None,
    result: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> None:
    finished = _now() if status in ("done", "failed") else None
    _run(
        store,
        "UPDATE {p}.jobs SET status = ?, progress = ?, step = ?, finished_at = ?, result = ?, "
        "error = ? WHERE job_id = ?",
        [
            status,
            progress,
            step,
            finished,
            json.dumps(result, default=str) if result is not None else None,
            json.dumps(error, default=str) if error is not None else None,
            job_id,
        ],
    )


def find_job(store: Store, job_id: str) -> dict[str, Any] | None:
    rows = _rows(
        store, f"SELECT {', '.join(JOB_COLUMNS)} FROM {{p}}.jobs WHERE job_id = ?", [job_id]
    )
    return _job(rows[0]) if rows else None


def list_jobs(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    rows = _rows(
        store,
        f"SELECT {', '.join(JOB_COLUMNS)} FROM {{p}}.jobs ORDER BY created_at DESC LIMIT ?",
        [limit],
    )
    return [_job(row) for row in rows]


def _job(row: tuple[Any, ...]) -> dict[str, Any]:
    job = dict(zip(JOB_COLUMNS, row, strict=True))
    for key in ("result", "error"):
        job[key] = json.loads(job[key]) if job[key] else None
    return job


def fail_unfinished_jobs(store: Store) -> int:
    """Mark jobs left queued or running by a stopped server as failed; how many."""
    rows = _rows(store, "SELECT count(*) FROM {p}.jobs WHERE status IN ('queued', 'running')")
    count = int(rows[0][0])
    if count:
        error = json.dumps({"message": "The server stopped before the run finished."})
        _run(
            store,
            "UPDATE {p}.jobs SET status = 'failed', finished_at = ?, error = ? "
            "WHERE status IN ('queued', 'running')",
            [_now(), error],
        )
    return count


# -- encrypted secrets --------------------------------------------------------------


def put_secret(store: Store, name: str, kind: str, ciphertext: str, by: str) -> None:
    """Keep an encrypted connection or destination (replacing one of the same name)."""
    _run(store, "DELETE FROM {p}.secrets WHERE name = ?", [name])
    _run(
        store,
        "INSERT INTO {p}.secrets VALUES (?, ?, ?, ?, ?)",
        [name, kind, ciphertext, by, _now()],
    )


def get_secret(store: Store, name: str) -> tuple[str, str] | None:
    """``(kind, ciphertext)`` of a stored secret."""
    rows = _rows(store, "SELECT kind, ciphertext FROM {p}.secrets WHERE name = ?", [name])
    return (str(rows[0][0]), str(rows[0][1])) if rows else None


def delete_secret(store: Store, name: str) -> bool:
    """Forget a stored secret; whether there was one."""
    found = get_secret(store, name) is not None
    _run(store, "DELETE FROM {p}.secrets WHERE name = ?", [name])
    return found


def list_secrets(store: Store) -> list[dict[str, Any]]:
    """Names and kinds only: a secret is never shown again."""
    rows = _rows(store, "SELECT name, kind, created_by, created_at FROM {p}.secrets ORDER BY name")
    return [dict(zip(("name", "kind", "created_by", "created_at"), r, strict=True)) for r in rows]


# -- contacts -------------------------------------------------------------------------


def replace_contacts(store: Store, table: Any) -> int:
    """Replace the contacts with ``table`` (arrow: customer_id, phone, email); rows kept."""
    raw = store.con.con
    raw.register("rfm_contacts_in", table)
    try:
        _run(store, "DELETE FROM {p}.contacts")
        _run(
            store,
            "INSERT INTO {p}.contacts SELECT customer_id::VARCHAR, any_value(phone::VARCHAR), "
            "any_value(email::VARCHAR) FROM rfm_contacts_in WHERE customer_id IS NOT NULL "
            "GROUP BY customer_id",
        )
    finally:
        raw.unregister("rfm_contacts_in")
    return int(_rows(store, "SELECT count(*) FROM {p}.contacts")[0][0])


# -- alert rules ------------------------------------------------------------------------


def put_alert_rules(store: Store, scheme: str, text: str, by: str) -> None:
    """Keep the alert rules of ``scheme`` (validated YAML text), replacing earlier ones."""
    _run(store, "DELETE FROM {p}.alert_rules WHERE scheme = ?", [scheme])
    _run(store, "INSERT INTO {p}.alert_rules VALUES (?, ?, ?, ?)", [scheme, text, by, _now()])


def alert_rules_text(store: Store) -> dict[str, dict[str, Any]]:
    """Stored rules by scheme: ``{scheme: {"rules", "updated_by", "updated_at"}}``."""
    rows = _rows(store, "SELECT scheme, rules, updated_by, updated_at FROM {p}.alert_rules")
    return {
        str(scheme): {"rules": str(text), "updated_by": by, "updated_at": when}
        for scheme, text, by, when in rows
    }


def delete_alert_rules(store: Store, scheme: str) -> None:
    """Go back to the shipped rules of ``scheme``."""
    _run(store, "DELETE FROM {p}.alert_rules WHERE scheme = ?", [scheme])


# -- schedules ------------------------------------------------------------------------

SCHEDULE_COLUMNS = (
    "name",
    "spec",
    "created_by",
    "updated_at",
    "last_started_at",
    "last_finished_at",
    "last_status",
    "last_result",
    "running_since",
)


def save_schedule(store: Store, name: str, spec: dict[str, Any], by: str) -> None:
    """Keep a schedule's definition (JSON), keeping its last run when it exists already."""
    text = json.dumps(spec, default=str, ensure_ascii=False)
    if find_schedule(store, name) is None:
        _run(
            store,
            "INSERT INTO {p}.schedules (name, spec, created_by, updated_at) VALUES (?, ?, ?, ?)",
            [name, text, by, _now()],
        )
    else:
        _run(
            store,
            "UPDATE {p}.schedules SET spec = ?, created_by = ?, updated_at = ? WHERE name = ?",
            [text, by, _now(), name],
        )


def _schedule(row: tuple[Any, ...]) -> dict[str, Any]:
    found = dict(zip(SCHEDULE_COLUMNS, row, strict=True))
    found["spec"] = json.loads(found["spec"])
    found["last_result"] = json.loads(found["last_result"]) if found["last_result"] else None
    return found


def list_schedules(store: Store) -> list[dict[str, Any]]:
    """Every schedule, by name, with its last run."""
    rows = _rows(store, f"SELECT {', '.join(SCHEDULE_COLUMNS)} FROM {{p}}.schedules ORDER BY name")
    return [_schedule(row) for row in rows]


def find_schedule(store: Store, name: str) -> dict[str, Any] | None:
    rows = _rows(
        store,
        f"SELECT {', '.join(SCHEDULE_COLUMNS)} FROM {{p}}.schedules WHERE name = ?",
        [name],
    )
    return _schedule(rows[0]) if rows else None


def delete_schedule(store: Store, name: str) -> bool:
    """Forget a schedule; whether there was one."""
    found = find_schedule(store, name) is not None
    _run(store, "DELETE FROM {p}.schedules WHERE name = ?", [name])
    return found


def claim_schedule(store: Store, name: str, token: str, when: dt.datetime) -> bool:
    """Mark ``name`` as running under ``token``; False when a run holds it already."""
    _run(
        store,
        "UPDATE {p}.schedules SET run_token = ?, running_since = ? "
        "WHERE name = ? AND run_token IS NULL",
        [token, when, name],
    )
    rows = _rows(store, "SELECT run_token FROM {p}.schedules WHERE name = ?", [name])
    return bool(rows) and rows[0][0] == token


def finish_schedule(
    store: Store,
    name: str,
    token: str,
    *,
    started: dt.datetime,
    status: str,
    result: dict[str, Any],
) -> None:
    """Record the run of ``token`` (its start, status and result) and free the schedule."""
    _run(
        store,
        "UPDATE {p}.schedules SET last_started_at = ?, last_finished_at = ?, last_status = ?, "
        "last_result = ?, run_token = NULL, running_since = NULL WHERE name = ? AND run_token = ?",
        [started, _now(), status, json.dumps(result, default=str), name, token],
    )


def release_schedules(store: Store) -> int:
    """Free schedules left running by a stopped server, recording the interruption; how many."""
    rows = _rows(store, "SELECT name, running_since FROM {p}.schedules WHERE run_token IS NOT NULL")
    error = {"message": "The server stopped before the run finished."}
    for name, since in rows:
        _run(
            store,
            "UPDATE {p}.schedules SET last_started_at = ?, last_finished_at = ?, "
            "last_status = 'error', last_result = ?, run_token = NULL, running_since = NULL "
            "WHERE name = ?",
            [since, _now(), json.dumps(error), name],
        )
    return len(rows)
