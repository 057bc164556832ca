"""``rfmkit users`` and ``rfmkit tokens``: exit codes, what is printed, what is stored."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rfmkit.cli import main
from rfmkit.store import accounts, open_store
from rfmkit.web import security

TOKEN = re.compile(r"^rfk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$")


def run(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main([str(a) for a in args])


def test_users_add_hashes_the_password_read_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "s.duckdb"
    code = run(
        monkeypatch,
        "users",
        "add",
        "ann",
        "--role",
        "admin",
        "--password-stdin",
        "--store",
        store,
        stdin="a long secret\n",
    )
    assert code == 0 and "Added ann (admin)." in capsys.readouterr().out
    with open_store(store) as opened:
        hashed = accounts.password_hash(opened, "ann")
        assert hashed is not None and hashed.startswith("$argon2id$")
        assert "a long secret" not in hashed
        assert security.verify_password(hashed, "a long secret")
        assert not security.verify_password(hashed, "a long secreT")
    assert run(monkeypatch, "users", "list", "--store", store) == 0
    assert capsys.readouterr().out.split() == ["ann", "admin"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("--role", "boss"), "a long secret\n", "Unknown role 'boss'"),
        (("--role", "viewer"), "short\n", "shorter than 8"),
        (("--role", "viewer"), "", "No password on standard input"),
    ],
)
def test_users_add_refuses_bad_input_with_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    stdin: str,
    message: str,
) -> None:
    store = tmp_path / "s.duckdb"
    code = run(
        monkeypatch, "users", "add", "bob", *args, "--password-stdin", "--store", store, stdin=stdin
    )
    assert code == 2
    assert message in capsys.readouterr().err


def test_a_user_name_is_taken_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "s.duckdb"
    args = ("users", "add", "ann", "--password-stdin", "--store", store)
    assert run(monkeypatch, *args, stdin="a long secret\n") == 0
    assert run(monkeypatch, *args, stdin="a long secret\n") == 2


def test_tokens_are_shown_once_and_stored_hashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "s.duckdb"
    run(
        monkeypatch,
        "users",
        "add",
        "ann",
        "--password-stdin",
        "--store",
        store,
        stdin="a long secret\n",
    )
    capsys.readouterr()
    code = run(
        monkeypatch,
        "tokens",
        "create",
        "--user",
        "ann",
        "--scopes",
        "read,export",
        "--expires",
        "30d",
        "--store",
        store,
    )
    printed = capsys.readouterr()
    token = printed.out.strip()
    assert code == 0 and TOKEN.match(token)
    assert "shown only now" in printed.err
    token_id = security.token_id_of(token)
    assert token_id is not None
    with open_store(store) as opened:
        info, hashed = accounts.find_token(opened, token_id) or (None, "")
        assert hashed == security.digest(token)
        assert info is not None and info.scopes == ("read", "export")
        assert info.expires_at is not None and 29 <= (info.expires_at - info.created_at).days <= 30
    assert token.encode() not in store.read_bytes()
    assert run(monkeypatch, "tokens", "list", "--store", store) == 0
    listed = capsys.readouterr().out
    assert token_id in listed and token not in listed and "active" in listed
    assert run(monkeypatch, "tokens", "revoke", token_id, "--store", store) == 0
    assert run(monkeypatch, "tokens", "list", "--store", store) == 0
    assert "revoked" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--user", "nobody", "--scopes", "read"), "No user 'nobody'"),
        (("--user", "ann", "--scopes", "read,write"), "Unknown or no scopes: write"),
        (("--user", "ann", "--expires", "soon"), "Invalid expiry 'soon'"),
    ],
)
def test_tokens_create_refuses_bad_input(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    message: str,
) -> None:
    store = tmp_path / "s.duckdb"
    run(
        monkeypatch,
        "users",
        "add",
        "ann",
        "--password-stdin",
        "--store",
        store,
        stdin="a long secret\n",
    )
    assert run(monkeypatch, "tokens", "create", *args, "--store", store) == 2
    assert message in capsys.readouterr().err


def test_expiry_and_masking_rules() -> None:
    import datetime as dt

    start = dt.datetime(2025, 1, 1)
    assert security.expiry("90d", start) == dt.datetime(2025, 4, 1)
    assert security.expiry("2w", start) == dt.datetime(2025, 1, 15)
    assert security.expiry("never", start) is None
    with pytest.raises(Exception, match="Invalid expiry '0d'"):
        security.expiry("0d", start)
    assert security.mask_phone("+8613800138000") == "+86138****8000"
    assert security.mask_email("ann.lee@example.com") == "a***@example.com"
    assert security.mask_phone(None) is None


def test_throttle_forgets_after_its_window() -> None:
    throttle = security.Throttle(limit=2, window=2.0)
    throttle.failed("user:a")
    assert not throttle.blocked("user:a")
    throttle.failed("user:a")
    assert throttle.blocked("user:a", "ip:x") and not throttle.blocked("user:b")
    import time

    time.sleep(2.1)
    assert not throttle.blocked("user:a")


def rfmkit(*args: object, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The installed ``rfmkit`` command, as a person runs it."""
    command = [str(Path(sys.executable).with_name("rfmkit")), *map(str, args)]
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def test_users_role_disable_and_enable_change_what_the_web_app_lets_in(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from rfmkit.settings import ServeOptions
    from rfmkit.web import WebConfig, create_app

    store = tmp_path / "s.duckdb"
    for name, role in (("ann", "admin"), ("bob", "viewer")):
        added = rfmkit(
            "users",
            "add",
            name,
            "--role",
            role,
            "--password-stdin",
            "--store",
            store,
            stdin="a long secret\n",
        )
        assert added.returncode == 0, added.stderr
    made = rfmkit("tokens", "create", "--user", "bob", "--scopes", "read,export", "--store", store)
    token = made.stdout.strip()
    assert made.returncode == 0 and TOKEN.match(token)

    def me() -> tuple[int, dict[str, object]]:
        options = ServeOptions(data_dir=tmp_path / "data")
        config = WebConfig(serve=options, store=str(store), lang="en")
        with TestClient(create_app(config), base_url="https://testserver") as client:
            answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            return answer.status_code, answer.json()

    status, body = me()
    assert status == 200 and body["role"] == "viewer"
    assert body["scopes"] == ["read"]  # a viewer's token cannot export
    changed = rfmkit("users", "role", "bob", "analyst", "--store", store)
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.strip() == "Role of bob: viewer -> analyst."
    status, body = me()
    assert status == 200 and body["role"] == "analyst" and body["scopes"] == ["export", "read"]

    disabled = rfmkit("users", "disable", "bob", "--store", store)
    assert disabled.returncode == 0, disabled.stderr
    assert "Disabled bob" in disabled.stdout
    listed = rfmkit("users", "list", "--store", store).stdout.splitlines()
    assert [line.split() for line in listed] == [["ann", "admin"], ["bob", "analyst", "(disabled)"]]
    status, body = me()
    assert status == 401 and body["error"] == "unauthorized"

    enabled = rfmkit("users", "enable", "bob", "--store", store)
    assert enabled.returncode == 0 and enabled.stdout.strip() == "Enabled bob."
    assert me()[0] == 200
    with open_store(store) as opened:
        logged = [(r["actor"], r["action"], r["object"]) for r in accounts.audit_rows(opened)]
    assert ("cli", "user.role", "bob: viewer -> analyst") in logged
    assert ("cli", "user.disable", "bob") in logged and ("cli", "user.enable", "bob") in logged


def test_the_last_enabled_admin_can_be_neither_demoted_nor_disabled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "s.duckdb"
    for name in ("ann", "cy"):
        args = ("users", "add", name, "--role", "admin", "--password-stdin", "--store", store)
        assert run(monkeypatch, *args, stdin="a long secret\n") == 0
    assert run(monkeypatch, "users", "disable", "cy", "--store", store) == 0
    capsys.readouterr()
    # cy is disabled: ann is the last enabled admin
    assert run(monkeypatch, "users", "role", "ann", "marketer", "--store", store) == 2
    assert "ann is the last admin" in capsys.readouterr().err
    assert run(monkeypatch, "users", "disable", "ann", "--store", store) == 2
    assert "ann is the last admin" in capsys.readouterr().err
    assert run(monkeypatch, "users", "list", "--store", store) == 0
    listed = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert listed == [["ann", "admin"], ["cy", "admin", "(disabled)"]]
    # with cy enabled again, ann may step down
    assert run(monkeypatch, "users", "enable", "cy", "--store", store) == 0
    assert run(monkeypatch, "users", "role", "ann", "marketer", "--store", store) == 0
    assert capsys.readouterr().out.strip().endswith("Role of ann: admin -> marketer.")
    assert run(monkeypatch, "users", "disable", "cy", "--store", store) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("role", "nobody", "admin"), "No user 'nobody'"),
        (("role", "ann", "boss"), "Unknown role 'boss'"),
        (("disable", "nobody"), "No user 'nobody'"),
        (("enable", "nobody"), "No user 'nobody'"),
    ],
)
def test_users_role_disable_enable_refuse_unknown_names(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    message: str,
) -> None:
    store = tmp_path / "s.duckdb"
    add = ("users", "add", "ann", "--role", "admin", "--password-stdin", "--store", store)
    assert run(monkeypatch, *add, stdin="a long secret\n") == 0
    capsys.readouterr()
    assert run(monkeypatch, "users", *args, "--store", store) == 2
    assert message in capsys.readouterr().err
