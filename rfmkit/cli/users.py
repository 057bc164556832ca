"""``rfmkit users`` and ``rfmkit tokens``: who may use the web app and its API.

Passwords come from a prompt (typed twice) or, with ``--password-stdin``,
from the first line of standard input; they are stored as argon2 hashes.
A token is printed once, when it is made, and stored as its SHA-256 only.
With a DuckDB store file, run these while ``rfmkit serve`` is stopped (the
file is locked by one process at a time).
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from rfmkit.cli import common as c
from rfmkit.cli import options as o
from rfmkit.cli.history import store_of
from rfmkit.errors import ConfigError

#: History settings that the account commands do not take (only ``--store`` and ``--config``).
SKIPPED = ("every", "from_as_of", "to_as_of", "breakpoints_mode", "reference")
users_app = typer.Typer(help="Users of the web app (roles: viewer, marketer, analyst, admin).")
tokens_app = typer.Typer(help="API tokens (Authorization: Bearer rfk_...) with scopes.")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise ConfigError("No password on standard input.", fix="Pipe it in: echo ... |")
        return line
    first = typer.prompt("Password", hide_input=True)
    if typer.prompt("Repeat the password", hide_input=True) != first:
        raise ConfigError("The two passwords differ.", fix="Type the same password twice.")
    return str(first)


@users_app.command("add")
@o.with_settings("history", skip=SKIPPED)
def users_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, dots, underscores).")],
    role: Annotated[
        str, typer.Option("--role", help="viewer, marketer, analyst or admin.")
    ] = "viewer",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    **options: Any,
) -> None:
    """Add a user who can sign in to the web app."""
    from rfmkit.store import accounts, open_store
    from rfmkit.web.security import hash_password

    accounts.check_role(role)
    hashed = hash_password(_password(password_stdin))
    with open_store(store_of(options)) as store:
        accounts.ensure_tables(store)
        user = accounts.add_user(store, name, role, hashed)
        accounts.audit(store, "cli", "user.add", obj=f"{user.name} ({user.role})")
    c.console().print(f"Added {user.name} ({user.role}).", markup=False)


@users_app.command("list")
@o.with_settings("history", skip=SKIPPED)
def users_list(**options: Any) -> None:
    """List the users and their roles."""
    from rfmkit.store import accounts, open_store

    with open_store(store_of(options)) as store:
        accounts.ensure_tables(store)
        found = accounts.list_users(store)
    for user in found:
        state = " (disabled)" if user.disabled else ""
        c.console().print(f"{user.name}\t{user.role}{state}", markup=False)


@users_app.command("password")
@o.with_settings("history", skip=SKIPPED)
def users_password(
    name: Annotated[str, typer.Argument(help="The user.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    **options: Any,
) -> None:
    """Set a user's password."""
    from rfmkit.store import accounts, open_store
    from rfmkit.web.security import hash_password

    hashed = hash_password(_password(password_stdin))
    with open_store(store_of(options)) as store:
        accounts.ensure_tables(store)
        if accounts.find_user(store, name) is None:
            raise ConfigError(f"No user {name!r}.", fix="Add it with rfmkit users add.")
        accounts.set_password(store, name, hashed)
        accounts.audit(store, "cli", "user.password", obj=name)
    c.console().print(f"Password of {name} set.", markup=False)


@users_app.command("role")
@o.with_settings("history", skip=SKIPPED)
def users_role(
    name: Annotated[str, typer.Argument(help="The user.")],
    role: Annotated[str, typer.Argument(help="viewer, marketer, analyst or admin.")],
    **options: Any,
) -> None:
    """Change a user's role (the last enabled admin stays admin)."""
    from rfmkit.store import accounts, open_store

    with open_store(store_of(options)) as store:
        accounts.ensure_tables(store)
        before = accounts.require_user(store, name).role
        user = accounts.set_role(store, name, role)
        accounts.audit(store, "cli", "user.role", obj=f"{name}: {before} -> {user.role}")
    c.console().print(f"Role of {name}: {before} -> {user.role}.", markup=False)


@users_app.command("disable")
@o.with_settings("history", skip=SKIPPED)
def users_disable(name: Annotated[str, typer.Argument(help="The user.")], **options: Any) -> None:
    """Disable a user: signed out everywhere, their API tokens refused (not the last admin)."""
    _set_disabled(name, True, options)
    c.console().print(f"Disabled {name}: signed out, API tokens refused.", markup=False)


@users_app.command("enable")
@o.with_settings("history", skip=SKIPPED)
def users_enable(name: Annotated[str, typer.Argument(help="The user.")], **options: Any) -> None:
    """Enable a disabled user again (their tokens that are not revoked or expired work again)."""
    _set_disabled(name, False, options)
    c.console().print(f"Enabled {name}.", markup=False)


def _set_disabled(name: str, disabled: bool, options: dict[str, Any]) -> None:
    from rfmkit.store import accounts, open_store

    with open_store(store_of(options)) as store:
        accounts.ensure_tables(store)
        accounts.set_disabled(store, name, disabled)
        accounts.audit(store, "cli", "user.disable" if disabled else "user.enable", obj=name)


@tokens_app.command("create")
@o.with_settings("history", skip=SKIPPED)
def tokens_create(
    user: Annotated[str, typer.Option("--user", help="The token's owner.")],
    scopes: Annotated[
        str, typer.Option("--scopes", help="Comma-separated: read, export, activate, admin.")
    ] = "read",
    expires: Annotated[
        str, typer.Option("--expires", help="Lifetime: 90d, 12w, 6m, 1y or never.")
    ] = "90d",
    **options: Any,
) -> None:
    """Make an API token (printed once; only its hash is kept)."""
    from rfmkit.store import accounts, open_store
    from rfmkit.web import security

    chosen = accounts.check_scopes([s.strip() for s in scopes.split(",") if s.strip()])
    ends = security.expiry(expires)
    token_id, token = security.new_token()
    with open_store(store_of(options)) as store:
        accounts.ensure_tables(store)
        accounts.add_token(store, token_id, user, security.digest(token), chosen, ends)
        accounts.audit(store, "cli", "token.create", obj=f"token {token_id} of {user}")
    err = c.err_console()
    err.print(
        f"Token {token_id} for {user}, scopes {','.join(chosen)}, "
        f"expires {ends.isoformat() if ends else 'never'}. It is shown only now:",
        markup=False,
    )
    c.console().print(token, markup=False, soft_wrap=True)


@tokens_app.command("list")
@o.with_settings("history", skip=SKIPPED)
def tokens_list(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's tokens.")] = None,
    **options: Any,
) -> None:
    """List tokens: id, owner, scopes, expiry, last use (never the token itself)."""
    from rfmkit.store import accounts, open_store

    with open_store(store_of(options)) as store:
        accounts.ensure_tables(store)
        found = accounts.list_tokens(store, user)
    for t in found:
        state = "revoked" if t.revoked else "expired" if t.expired() else "active"
        c.console().print(
            f"{t.token_id}\t{t.user_name}\t{','.join(t.scopes)}\t"
            f"expires {t.expires_at or 'never'}\tlast used {t.last_used_at or 'never'}\t{state}",
            markup=False,
        )


@tokens_app.command("revoke")
@o.with_settings("history", skip=SKIPPED)
def tokens_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (rfmkit tokens list).")],
    **options: Any,
) -> None:
    """Revoke a token at once."""
    from rfmkit.store import accounts, open_store

    with open_store(store_of(options)) as store:
        accounts.ensure_tables(store)
        accounts.revoke_token(store, token_id)
        accounts.audit(store, "cli", "token.revoke", obj=f"token {token_id}")
    c.console().print(f"Revoked {token_id}.", markup=False)
