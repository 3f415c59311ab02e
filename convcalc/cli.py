"""The typer app: parse the command line, call the library, render, choose the exit code.

Exit codes: 0 ok; 1 a layer PyTorch would refuse or unusable input (message on stderr);
2 a malformed command line (click's usage errors).
"""

# No `from __future__ import annotations` here: typer would eval() the text of every option's
# annotation on every call (~0.5 ms each).
import copy
import gc
import importlib
import os
import sys
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

from convcalc import __version__
from convcalc.commands import COMMANDS, GROUPS

if TYPE_CHECKING:
    import typer
    from typer.models import CommandInfo, TyperInfo

# typer is imported by the functions below, not here: the console script turns the cyclic
# collector off first, and importing typer, pydantic and rich with it on costs ~1.3× a bare
# Python start in collections that find nothing.


@cache
def _root_app() -> "typer.Typer":
    import typer

    root = typer.Typer(
        name="convcalc",
        help="Convolution arithmetic exactly as PyTorch computes it, without PyTorch.",
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    def _version(value: bool) -> None:
        if value:
            typer.echo(f"convcalc {__version__}")
            raise typer.Exit

    @root.callback()
    def _root(
        # a plain bool: typer (0.29) builds no pydantic adapter for a flag left as it is, so
        # help that needs no spec never imports pydantic
        version: Annotated[
            bool,
            typer.Option(
                "--version",
                "-V",
                callback=_version,
                is_eager=True,
                help="Show the version and exit.",
            ),
        ] = False,
    ) -> None:
        """Convolution arithmetic exactly as PyTorch computes it, without PyTorch."""

    return root


def _app(names: list[str]) -> "typer.Typer":
    """The root app with the commands `names` registered (their modules imported)."""
    app = copy.copy(_root_app())
    app.registered_groups, app.registered_commands = [], []
    for name in names:
        if name in GROUPS:
            app.add_typer(importlib.import_module(GROUPS[name][0]).app)
        else:
            module = importlib.import_module(COMMANDS[name][0])
            app.command(name, epilog=module.EPILOG)(getattr(module, name))
    return app


def full_app() -> "typer.Typer":
    """The whole app, every command registered (completion scripts, tests)."""
    return _app([*GROUPS, *COMMANDS])


def __getattr__(name: str) -> Any:
    if name == "app":  # `from convcalc.cli import app`: the whole app, built on demand
        return full_app()
    raise AttributeError(f"module 'convcalc.cli' has no attribute {name!r}")


def main(argv: list[str] | None = None) -> Any:
    """The console script (argv None: sys.argv, then the process ends here) or a call with
    `argv` (tests, embedding: returns or raises SystemExit, as click does)."""
    if argv is not None:
        return _call(list(argv))
    # A call is short-lived and frees what it made only at exit: the cyclic collector has
    # nothing to find meanwhile, and tearing down the modules at exit is work nobody sees.
    gc.disable()
    code = 0
    try:
        _call(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if isinstance(exc.code, str):
            sys.stderr.write(exc.code + "\n")
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):  # a closed pipe (| head) is not an error
        code = code or 0
    sys.stderr.flush()
    os._exit(code)


def _call(args: list[str]) -> Any:
    from convcalc.errors import ConvcalcError

    # On its first validation pydantic scans every installed distribution's entry points for
    # plugins (~20 ms with a big environment); a command-line call has no use for them.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        return click_command(args)(args=args, prog_name="convcalc")
    except ConvcalcError as exc:
        _fail(str(exc))
    except Exception as exc:
        # A bug, not the user's fault: say so briefly rather than dump a traceback.
        _fail(f"internal error ({type(exc).__name__}: {exc}); please report it")
    return None


def click_command(args: list[str], *, whole: bool = False) -> Any:
    """The click command tree for this call.

    typer builds a click command, with all its parameters, for every command of every sub-app
    before it parses anything; that costs more than a whole `shape` call.  So only what `args`
    can reach is built: `convcalc shape conv2d ...` builds that one command, and the top-level
    help builds the sub-apps without their commands.  Output is the same as the whole tree's
    (tests/test_terminal.py); `whole=True` builds the whole tree, as `app()` does.
    """
    import typer

    name = args[0] if args else None
    if whole:
        return typer.main.get_command(full_app())
    if name in GROUPS:
        slim = _app([name])
        slim.registered_groups = [_slim_group(slim.registered_groups[0], args[1:])]
    elif name in COMMANDS:
        slim = _app([name])
    else:  # top-level help, --version, or an unknown command: names and help lines only
        slim = copy.copy(_root_app())
        slim.registered_groups = [
            typer.models.TyperInfo(typer.Typer(name=group, help=text))
            for group, (_, text) in GROUPS.items()
        ]
        slim.registered_commands = [
            _without_parameters(typer.models.CommandInfo(name=command, help=text))
            for command, (_, text) in COMMANDS.items()
        ]
    command = typer.main.get_command(slim)
    _help_flag_off(command)
    return command


def _help_flag_off(command: Any) -> None:
    """Give every command's --help the value False when it is not given (click leaves None).

    typer 0.29 builds a pydantic validator for every parameter whose value is not already a
    bool, the unused --help of each command level included; that alone imports pydantic
    (~6× a bare Python start) for help pages that need no spec.  click's default_map is its
    documented way to set a parameter's default per context.
    """
    command.context_settings.setdefault("default_map", {"help": False})
    for sub in getattr(command, "commands", {}).values():
        _help_flag_off(sub)


def _without_parameters(info: "CommandInfo") -> "CommandInfo":
    """`info` as a help page lists it (name, help, hidden...), with no parameters to build."""

    def listed() -> None:
        """Stands in for the command in a help page."""

    listed.__doc__ = info.callback.__doc__ if info.callback else None
    slim = copy.copy(info)
    slim.name = _command_name(info)
    slim.callback = listed
    return slim


def _slim_group(info: "TyperInfo", args: list[str], normalize: Any = None) -> "TyperInfo":
    """`info` with only what args[0] names: that command, or that sub-group (slimmed in turn
    by args[1:]).  When args[0] names neither (the group's help, or a misspelt command),
    every command as a stand-in with its name and help only: that is all the help page and
    click's suggestions read.  Kept whole when the sub-app has a callback (its options could
    take args[0] as a value)."""
    sub = info.typer_instance
    assert sub is not None
    if sub.registered_callback:
        return info
    settings = sub.info.context_settings
    own = settings.get("token_normalize_func") if isinstance(settings, dict) else None
    normalize = own or normalize
    name = (normalize(args[0]) if normalize else args[0]) if args else None
    groups = [g for g in sub.registered_groups if _group_name(g) == name]
    commands = [c for c in sub.registered_commands if _command_name(c) == name]
    if groups:
        commands, groups = [], [_slim_group(groups[0], args[1:], normalize)]
    elif not commands:
        commands = [_without_parameters(c) for c in sub.registered_commands]
        groups = [_slim_group(g, [], normalize) for g in sub.registered_groups]
    slim_sub = copy.copy(sub)
    slim_sub.registered_commands = commands
    slim_sub.registered_groups = groups
    slim_info = copy.copy(info)
    slim_info.typer_instance = slim_sub
    return slim_info


def _group_name(info: "TyperInfo") -> str | None:
    from typer.main import solve_typer_info_defaults

    name = solve_typer_info_defaults(info).name
    return name if isinstance(name, str) else None


def _command_name(info: "CommandInfo") -> str | None:
    if info.name:
        return info.name
    from typer.main import get_command_name

    return get_command_name(info.callback.__name__) if info.callback else None


def _fail(message: str) -> None:
    for line in message.splitlines():
        sys.stderr.write(f"Error: {line}\n")
    sys.exit(1)
