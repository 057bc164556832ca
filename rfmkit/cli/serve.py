"""``rfmkit serve``: the web app and REST API, with uvicorn, over the snapshot store."""

from __future__ import annotations

from typing import Any

from rfmkit.cli import common as c
from rfmkit.cli import options as o
from rfmkit.errors import ConfigError
from rfmkit.settings import AlertOptions, HistoryOptions, ScoreOptions, ServeOptions

SKIPPED = ("every", "from_as_of", "to_as_of", "breakpoints_mode", "reference")


@o.with_settings("serve", "history", skip=SKIPPED)
def serve_command(**options: Any) -> None:
    """Run the web app (sign in with a user of rfmkit users add) and the API under /api/v1."""
    try:
        import uvicorn

        from rfmkit.web import WebConfig, create_app
    except ImportError as exc:
        raise ConfigError(
            f"The web app needs its extra packages ({exc.name} is missing).",
            fix="pip install 'rfmkit[web]'",
        ) from exc
    serve = o.group_from(ServeOptions, options)
    config = WebConfig(
        serve=serve,
        store=o.group_from(HistoryOptions, options).store,
        allow_private=o.group_from(AlertOptions, {o.CONFIG: options.get(o.CONFIG)}).allow_private,
        lang=o.group_from(ScoreOptions, {o.CONFIG: options.get(o.CONFIG)}).lang,
    )
    c.err_console().print(
        f"rfmkit web app on http://{serve.host}:{serve.port}/ (API docs: /docs)", markup=False
    )
    uvicorn.run(
        create_app(config),
        host=serve.host,
        port=serve.port,
        log_level="info",
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        server_header=False,
    )
