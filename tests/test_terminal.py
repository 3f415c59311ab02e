"""What users expect of a terminal program: colour only on a terminal and never with NO_COLOR,
80-column output, help that ends with examples, and start-up that builds only what it needs."""

from __future__ import annotations

import fcntl
import functools
import io
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from typing import Any

import pytest
import typer
from conftest import modules_after
from hypothesis import given, settings
from hypothesis import strategies as st

from convcalc.cli import app, click_command
from convcalc.commands.output import json_text

SHAPE = ["shape", "conv2d", "-i", "1,3,224,224", "-o", "64", "-k", "7", "-s", "2", "-p", "3"]
ESCAPE = "\x1b["


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return {**env, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24", **extra}


def _in_terminal(args: list[str], **env: str) -> str:
    """stdout of `python -m convcalc args` on an 80-column pseudo-terminal (no COLUMNS)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {k: v for k, v in _env(**env).items() if k not in ("COLUMNS", "LINES")}
    with subprocess.Popen(
        [sys.executable, "-m", "convcalc", *args],
        stdout=follower,
        stderr=subprocess.PIPE,
        env=env,
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=30)
    os.close(leader)
    assert process.returncode == 0
    return b"".join(chunks).decode()


def test_a_terminal_gets_colour() -> None:
    # the control for the two tests below: the summary labels are bold on a terminal
    assert ESCAPE in _in_terminal(SHAPE)


def test_no_color_is_respected_on_a_terminal() -> None:
    out = _in_terminal(SHAPE, NO_COLOR="1")
    assert ESCAPE not in out
    assert "(1, 64, 112, 112)" in out


def test_a_pipe_gets_no_colour() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "convcalc", *SHAPE],
        capture_output=True,
        text=True,
        env=_env(),
        check=True,
    )
    assert ESCAPE not in done.stdout
    assert "(1, 64, 112, 112)" in done.stdout


def test_table_fits_80_columns_on_a_terminal() -> None:
    # a transposed conv has the widest table (its out pad column)
    out = _in_terminal(["shape", "convtranspose3d", "-i", "1,8,7,7,7", "-o", "4", "-k", "3"])
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert "out pad" in plain
    assert max(len(line) for line in plain.splitlines()) <= 80


def _leaf_commands() -> list[str]:
    found = []

    def walk(command: Any, ctx: Any, path: list[str]) -> None:
        if not hasattr(command, "list_commands"):
            found.append(" ".join(path))
            return
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            walk(sub, typer.Context(sub, parent=ctx, info_name=name), [*path, name])

    root = typer.main.get_command(app)
    walk(root, typer.Context(root, info_name="convcalc"), [])
    return found


LEAVES = _leaf_commands()


@pytest.mark.parametrize("command", LEAVES)
def test_help_fits_80_columns_and_ends_with_examples(cli, command: str) -> None:
    result = cli(*command.split(), "--help")
    assert result.exit_code == 0, result.output
    lines = result.stdout.rstrip().splitlines()
    too_wide = [line for line in lines if len(line) > 80]
    assert not too_wide
    examples = [line.strip() for line in lines if line.strip().startswith("$ convcalc")]
    assert 2 <= len(examples) <= 3, examples
    assert lines[-1].strip() == examples[-1]  # the help ends with them
    assert all(e.startswith(f"$ convcalc {command}") for e in examples)


# argument lists whose output must not depend on building only part of the command tree
SLIM_CASES = [
    [],
    ["--help"],
    ["-V"],
    ["--help", "shape"],
    ["shape"],
    ["shape", "--help"],
    ["shape", "Conv2d", "--help"],
    ["shape", "--help", "conv2d"],
    ["shape", "conv9d"],
    ["solve"],
    ["solve", "--help"],
    ["solve", "padding", "--help"],
    ["solve", "padding", "Conv2d", "--help"],
    ["solve", "paddin"],
    ["solve", "padding", "conv9d"],
    ["solve", "padding", "adaptiveavgpool2d"],
    ["params", "-h"],
    ["run", "conv2"],
    ["draw"],
    ["shap"],
    ["shape", "conv2d", "-i", "1,3,8,8", "-o", "2", "-k", "3", "--json"],
    ["shape", "conv2d", "-i", "1,3,8,8", "-k", "3"],
    ["shape", "conv2d", "-i", "1,3,8,8", "-o", "2", "-k", "3", "--bogus"],
    *[[*command.split(), "--help"] for command in LEAVES],
]


@functools.cache
def _whole_tree() -> Any:
    return click_command([], whole=True)


@pytest.mark.parametrize("args", SLIM_CASES, ids=" ".join)
def test_partial_command_tree_answers_like_the_whole(capsys, args: list[str]) -> None:
    def answer(whole: bool) -> tuple[Any, str, str]:
        command = _whole_tree() if whole else click_command(args)
        try:
            command(args=args, prog_name="convcalc")
            code: Any = 0
        except SystemExit as exc:
            code = exc.code
        except ValueError as exc:  # a ConvcalcError, which the console script prints
            code = repr(exc)
        out, err = capsys.readouterr()
        return code, out, err

    assert answer(whole=False) == answer(whole=True)


def test_partial_tree_builds_only_the_command_asked_for() -> None:
    group = click_command(["shape", "conv2d", "-i", "1,3,8,8"])
    assert list(group.commands) == ["shape"]
    assert list(group.commands["shape"].commands) == ["conv2d"]
    everything = _whole_tree()
    assert len(everything.commands) > 1
    assert len(everything.commands["shape"].commands) == 18  # 6 families × 1, 2, 3 dims


def test_help_names_every_command_without_building_them() -> None:
    group = click_command(["--help"])
    names = set(group.commands)
    assert names == set(_whole_tree().commands)
    assert all(not getattr(sub, "commands", None) for sub in group.commands.values())


def _leaves(command: Any) -> list[Any]:
    subs = getattr(command, "commands", None)
    return [leaf for sub in subs.values() for leaf in _leaves(sub)] if subs else [command]


@pytest.mark.parametrize("args", [["shape", "--help"], ["solve"], ["solve", "inputs", "-h"]])
def test_a_group_help_builds_no_command_parameters(args: list[str]) -> None:
    # each command a stand-in (name and help only): only the help options are parameters
    leaves = _leaves(click_command(args))
    assert len(leaves) > 2
    assert all(not leaf.params for leaf in leaves)


def test_help_needs_no_pydantic() -> None:
    # typer 0.29 validates every parameter whose value is not a bool with pydantic; help
    # pages get --help False and a plain bool --version, so they never import it
    calls = (["--help"], ["shape", "--help"], ["solve", "padding"], ["-V"])
    # `solve padding` alone prints its help and exits 2, as click's no_args_is_help does
    assert modules_after(*calls, packages=("pydantic", "rich"), answered=False) == []


def test_usage_error_text_is_plain(cli) -> None:
    result = cli("shape", "conv2d", "-i", "1,3,8,8", "-o", "8")  # no --kernel-size
    assert result.exit_code == 2
    assert ESCAPE not in result.output
    assert re.search(r"Missing option '--kernel-size'", result.output)


def test_the_console_drops_spaces_at_line_ends_plain_or_styled() -> None:
    from convcalc.render import make_console

    out = io.StringIO()
    stream = make_console(out).file
    stream.write("a  b  \n\x1b[1mc  \x1b[0m\x1b[1m \x1b[0m\n  \nlast  ")
    stream.flush()
    # spaces before the closing codes only: the last run of a line, as rich's padding ends it
    assert out.getvalue() == "a  b\n\x1b[1mc  \x1b[0m\x1b[1m\x1b[0m\n\nlast  "


_JSON_KEYS = st.text() | st.integers() | st.floats() | st.booleans() | st.none()
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(_JSON_KEYS, inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(payload=_JSON_VALUES, ascii_only=st.booleans())
def test_json_is_written_as_json_dumps_writes_it(payload: Any, ascii_only: bool) -> None:
    # text of any script, non-ASCII, NaN and ±inf, int and float keys, tuples
    expected = json.dumps(payload, ensure_ascii=ascii_only)
    assert json_text(payload, ascii_only=ascii_only) == expected


def test_json_without_the_c_encoder_is_json_dumps(monkeypatch: pytest.MonkeyPatch) -> None:
    payload = {"≥": [1.5, float("nan"), (2, "x")], 3: None}
    expected = {flag: json.dumps(payload, ensure_ascii=flag) for flag in (True, False)}
    calls: list[object] = []
    real_dumps = json.dumps

    def dumps(value: object, **kwargs: Any) -> str:
        calls.append(value)
        return real_dumps(value, **kwargs)

    monkeypatch.setattr(json, "dumps", dumps)
    assert json_text(payload, ascii_only=True) == expected[True]
    assert calls == []  # the C encoder wrote it
    monkeypatch.setitem(sys.modules, "_json", None)  # as on a Python without it
    for flag in (True, False):
        assert json_text(payload, ascii_only=flag) == expected[flag]
    assert calls == [payload, payload]


@pytest.mark.parametrize("payload", [{"a": object()}, {(1, 2): 3}], ids=["value", "key"])
def test_json_refuses_what_json_dumps_refuses(payload: object) -> None:
    with pytest.raises(TypeError) as ours:
        json_text(payload, ascii_only=False)
    with pytest.raises(TypeError) as theirs:
        json.dumps(payload, ensure_ascii=False)
    assert str(ours.value) == str(theirs.value)


def test_json_refuses_a_circular_payload_as_json_dumps_does() -> None:
    circular: list[object] = []
    circular.append(circular)
    with pytest.raises(ValueError, match="Circular reference") as ours:
        json_text(circular, ascii_only=False)
    with pytest.raises(ValueError, match="Circular reference") as theirs:
        json.dumps(circular, ensure_ascii=False)
    assert str(ours.value) == str(theirs.value)
