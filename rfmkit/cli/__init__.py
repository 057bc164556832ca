"""The ``rfmkit`` command: a thin Typer shell over the core verbs."""

from __future__ import annotations

import sys

import typer

from rfmkit.cli import common
from rfmkit.cli.check import check_command
from rfmkit.cli.demo import demo_command
from rfmkit.cli.predict import predict_command
from rfmkit.cli.schemes import schemes_command
from rfmkit.cli.score import score_command
from rfmkit.errors import RfmError

app = typer.Typer(
    name="rfmkit",
    help="Customer value segments (RFM), churn warnings and lifetime value from an order history.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("score")(score_command)
app.command("check")(check_command)
app.command("predict")(predict_command)
app.command("schemes")(schemes_command)
app.command("demo")(demo_command)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; errors become one paragraph and an exit code, never a traceback."""
    try:
        app(args=argv, prog_name="rfmkit")
    except RfmError as exc:
        render_error(exc)
        return exc.exit_code
    except SystemExit as exc:  # Typer's own ending: --help, usage errors
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        common.err_console().print("Interrupted.")
        return 130
    return 0


def render_error(exc: RfmError) -> None:
    """One paragraph: what went wrong, where, and how to fix it."""
    lines = [f"[bold red]Error:[/] {exc.message}"]
    where = str(exc.location)
    if where:
        lines.append(f"Where: {where}")
    found = exc.details.get("found")
    if found:
        lines.append("Columns found: " + ", ".join(map(str, found)))
    candidates = exc.details.get("candidates")
    if candidates:
        lines.append("Closest: " + ", ".join(map(str, candidates)))
    if exc.fix:
        lines.append(f"Fix: {exc.fix}")
    common.err_console().print("\n".join(lines), markup=True, soft_wrap=True)


def entry() -> None:
    sys.exit(main())
