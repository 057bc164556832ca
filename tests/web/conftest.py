"""A seeded store (two quarterly snapshots of demo orders, contacts, users of every role,
tokens of every scope) and web apps over copies of it."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from rfmkit.demo_data import generate_orders
from rfmkit.settings import ServeOptions
from rfmkit.store import accounts, open_store
from rfmkit.verbs.snapshot import snapshot
from rfmkit.web import WebConfig, create_app, security

PASSWORD = "correct horse battery"
ROLES = ("viewer", "marketer", "analyst", "admin")
#: Token name -> (owner, scopes).
TOKENS = {
    "read": ("admin", ("read",)),
    "export": ("admin", ("read", "export")),
    "activate": ("admin", ("read", "activate")),
    "admin": ("admin", ("read", "export", "activate", "admin")),
    "viewer_all": ("viewer", ("read", "export", "activate", "admin")),
}
FIRST, SECOND = dt.date(2025, 1, 1), dt.date(2025, 4, 1)
BASE_URL = "https://testserver"


@dataclass(frozen=True)
class Seeded:
    """A seeded store file, its demo order file and the tokens made in it."""

    store: Path
    orders: Path
    tokens: dict[str, str]
    customer: str


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    folder = tmp_path_factory.mktemp("web-seed")
    orders = generate_orders(400, end=dt.date(2025, 3, 31), seed=7)
    path = folder / "orders.csv"
    orders.to_csv(path, index=False)
    store = folder / "store.duckdb"
    snapshot(
        str(path), store=str(store), every="quarter", from_as_of=FIRST, to_as_of=SECOND, lang="en"
    )
    with open_store(store) as opened:
        accounts.ensure_tables(opened)
        ids = opened.customers(SECOND).customer_id.to_pyarrow().to_pylist()
        contacts = pa.table(
            {
                "customer_id": ids,
                "phone": [f"+86138{i:08d}" for i in range(len(ids))],
                "email": [f"person{i}@example.com" for i in range(len(ids))],
            }
        )
        accounts.replace_contacts(opened, contacts)
        hashed = security.hash_password(PASSWORD)
        for role in ROLES:
            accounts.add_user(opened, role, role, hashed)
        tokens = {}
        for name, (owner, scopes) in TOKENS.items():
            token_id, token = security.new_token()
            accounts.add_token(opened, token_id, owner, security.digest(token), scopes, None)
            tokens[name] = token
    return Seeded(store, path, tokens, str(ids[0]))


def app_over(store: Path, folder: Path, **serve: object) -> TestClient:
    options = ServeOptions(data_dir=folder / "data", **serve)  # type: ignore[arg-type]
    config = WebConfig(serve=options, store=str(store), allow_private=True, lang="en")
    return TestClient(create_app(config), base_url=BASE_URL)


@pytest.fixture(scope="module")
def web(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A running app over a copy of the seeded store (one per test module)."""
    folder = tmp_path_factory.mktemp("web")
    shutil.copy(seeded.store, folder / "store.duckdb")
    with app_over(folder / "store.duckdb", folder) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: TestClient, user: str, password: str = PASSWORD) -> str:
    """Sign ``user`` in on ``client``; the session's CSRF token."""
    client.cookies.clear()
    page = client.get("/login")
    answer = client.post(
        "/login",
        data={"username": user, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/docs").text)


SignIn = Callable[[TestClient, str], str]
