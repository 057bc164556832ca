"""Schemathesis against /openapi.json of a live server on 127.0.0.1: no server error, ever,
and every refusal in the one JSON error shape.

POST /api/v1/connections and POST /api/v1/destinations are left out: their URLs (a database
or webhook URL, a DingTalk or WeCom robot URL) are resolved by the SSRF guard, and generated
host names would be looked up in DNS -- slow and dependent on the machine's resolver, with no
network here (tests/web/test_pages.py and tests/web/test_alert_rules.py cover both with fixed
URLs).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from rfmkit.settings import ServeOptions
from rfmkit.web import WebConfig, create_app
from tests.web.conftest import Seeded
from tests.web.test_browser import free_port

ERROR_KEYS = {"ok", "error", "message", "status", "details"}


@pytest.fixture(scope="module")
def live(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("schemathesis")
    shutil.copy(seeded.store, folder / "store.duckdb")
    options = ServeOptions(data_dir=folder / "data", max_upload_mb=1)
    app = create_app(WebConfig(serve=options, store=str(folder / "store.duckdb")))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def api(live: str) -> Any:
    # URLs checked by the SSRF guard, which resolves host names: see the module docstring
    return (
        schemathesis.openapi.from_url(live + "/openapi.json")
        .exclude(method="POST", path="/api/v1/connections")
        .exclude(method="POST", path="/api/v1/destinations")
    )


def error_shape(ctx: Any, response: Any, case: Any) -> None:
    """Every answer of 400 or more is RfmError.to_dict()."""
    if response.status_code < 400:
        return
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert body["ok"] is False and body["status"] == response.status_code, body


def test_no_server_errors(api: Any, seeded: Seeded, live: str) -> None:
    """Every operation, 25 generated requests each (schemathesis' pytest plugin does not run
    on this pytest, so its strategies are driven by Hypothesis here)."""
    headers = {"Authorization": f"Bearer {seeded.tokens['admin']}"}
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 20
    left_out = {("POST", "/api/v1/connections"), ("POST", "/api/v1/destinations")}
    assert not left_out & {(o.method.upper(), o.path) for o in operations}
    statuses: list[int] = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            response = case.call(base_url=live, headers=headers)
            statuses.append(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])
            error_shape(None, response, case)

        run()
    assert len(statuses) >= 10 * len(operations)
    assert {200, 404} <= set(statuses)
