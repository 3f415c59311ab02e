"""The typer app: parse the command line, call the library, render, choose the exit code.

Exit codes: 0 ok; 1 a layer PyTorch would refuse or unusable input (message on stderr);
2 a malformed command line (click's usage errors).
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer

from convcalc import __version__
from convcalc.commands import shape

app = typer.Typer(
    name="convcalc",
    help="Convolution arithmetic exactly as PyTorch computes it, without PyTorch.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(shape.app)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"convcalc {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        Optional[bool],  # noqa: UP045 - typer reads the annotation at run time
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = None,
) -> None:
    """Convolution arithmetic exactly as PyTorch computes it, without PyTorch."""


def error_message(exc: BaseException) -> str:
    """One line per problem, naming the parameter; pydantic's tuple locs joined with dots."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        lines = []
        for err in exc.errors(include_url=False):
            loc = ".".join(str(part) for part in err["loc"])
            lines.append(f"{loc}: {err['msg']}" if loc else err["msg"])
        return "\n".join(lines)
    return str(exc)


def main(argv: list[str] | None = None) -> Any:
    from convcalc.errors import ConvcalcError

    try:
        return app(args=argv, prog_name="convcalc")
    except ConvcalcError as exc:
        _fail(error_message(exc))
    except Exception as exc:
        if type(exc).__name__ == "ValidationError":
            _fail(error_message(exc))
        # A bug, not the user's fault: say so briefly rather than dump a traceback.
        _fail(f"internal error ({type(exc).__name__}: {exc}); please report it")
    return None


def _fail(message: str) -> None:
    for line in message.splitlines():
        sys.stderr.write(f"Error: {line}\n")
    sys.exit(1)
