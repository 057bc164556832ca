"""The ``rfmkit`` command: a thin Typer shell over the verbs.

Each command parses its options, builds the settings from the registry,
calls one verb and renders the result; errors become one paragraph and the
exit code of :mod:`rfmkit.cli.errors`.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType
from typing import Annotated

import typer

from rfmkit import i18n
from rfmkit.cli import common
from rfmkit.cli.alerts import alerts_command
from rfmkit.cli.campaigns import audience_app, campaign_app
from rfmkit.cli.check import check_command
from rfmkit.cli.demo import demo_command
from rfmkit.cli.errors import exit_code, render_error
from rfmkit.cli.history import (
    customer_command,
    history_command,
    migration_command,
    snapshot_command,
    trend_command,
)
from rfmkit.cli.predict import predict_command
from rfmkit.cli.refresh import refresh_command
from rfmkit.cli.report import chart_command, report_command
from rfmkit.cli.schemes import schemes_command
from rfmkit.cli.score import score_command
from rfmkit.cli.serve import serve_command
from rfmkit.cli.users import tokens_app, users_app
from rfmkit.errors import RfmError

app = typer.Typer(
    name="rfmkit",
    help="Customer value segments (RFM), churn warnings and lifetime value from an order history.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from rfmkit import __version__

        common.console().print(f"rfmkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = None,
) -> None:
    """Customer value segments (RFM), churn warnings and lifetime value from an order history."""


app.command("score")(score_command)
app.command("check")(check_command)
app.command("predict")(predict_command)
app.command("schemes")(schemes_command)
app.command("demo")(demo_command)
app.command("report")(report_command)
app.command("chart")(chart_command)
app.command("snapshot")(snapshot_command)
app.command("refresh")(refresh_command)
app.command("history")(history_command)
app.command("migration")(migration_command)
app.command("trend")(trend_command)
app.command("customer")(customer_command)
app.command("alerts")(alerts_command)
app.add_typer(audience_app, name="audience")
app.add_typer(campaign_app, name="campaign")
app.command("serve")(serve_command)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")


#: Exit code of an unexpected internal error (EX_SOFTWARE).
INTERNAL_ERROR = 70


class Terminated(BaseException):
    """SIGTERM, turned into an exception so that temporary files are cleaned up."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; errors become one paragraph and an exit code, never a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    lang = _lang(args)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        app(args=args, prog_name="rfmkit")
    except RfmError as exc:
        render_error(exc, lang)
        return exit_code(exc)
    except SystemExit as exc:  # Typer's own ending: --help, usage errors
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        common.err_console().print(i18n.t("interrupted", lang))
        return 130
    except Terminated:
        common.err_console().print(i18n.t("interrupted", lang))
        return 143
    except Exception as exc:  # a bug of rfmkit's: say so plainly, details on request
        explained = _explained(exc)
        if explained is not None:
            render_error(explained, lang)
            return exit_code(explained)
        if os.environ.get("RFMKIT_DEBUG"):
            raise
        common.err_console().print(i18n.t("internal_error", lang, error=repr(exc)), markup=False)
        return INTERNAL_ERROR
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _explained(exc: Exception) -> RfmError | None:
    """The error rfmkit can name for an engine's error (a database refusing a read), else None."""
    if "duckdb" not in sys.modules:  # no engine ran: nothing to explain (and nothing to import)
        return None
    from rfmkit.verbs.failures import known_error

    return known_error(exc)


def _lang(args: list[str]) -> str:
    """The language asked for on the command line, for messages before settings exist."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1] if args[i + 1] in i18n.LANGS else "en"
        if arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
            return value if value in i18n.LANGS else "en"
    return "en"


def entry() -> None:
    sys.exit(main())
