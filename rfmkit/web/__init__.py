"""The self-hosted web app and REST API: a thin FastAPI shell over the verbs and the store.

``create_app(WebConfig(store="shop.duckdb"))`` builds the app (nothing runs
on import); ``rfmkit serve`` runs it with uvicorn. Needs the ``web`` extra:
``pip install 'rfmkit[web]'``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rfmkit.web.app import create_app
    from rfmkit.web.state import WebConfig

__all__ = ["WebConfig", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from rfmkit.web.app import create_app

        return create_app
    if name == "WebConfig":
        from rfmkit.web.state import WebConfig

        return WebConfig
    raise AttributeError(name)
