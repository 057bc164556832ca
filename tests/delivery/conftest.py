"""Fixtures of the delivery tests: a fake endpoint on 127.0.0.1 and a fake clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.delivery.endpoint import FakeClock, FakeEndpoint


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def endpoint(clock: FakeClock) -> Iterator[FakeEndpoint]:
    server = FakeEndpoint().start()
    server.now = clock.time
    yield server
    server.stop()
