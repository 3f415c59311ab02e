"""Packaging facts: version in one place, the entry points, no torch or numpy at start-up."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points, version

from conftest import modules_after

import convcalc


def test_version_matches_metadata() -> None:
    assert convcalc.__version__ == version("convcalc")


def test_console_script_points_at_main() -> None:
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "convcalc"]
    assert script.value == "convcalc.cli:main"


def test_python_dash_m_works() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "convcalc", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"convcalc {convcalc.__version__}"


def test_shape_json_imports_neither_numpy_nor_rich_nor_torch() -> None:
    call = ["shape", "conv2d", "-i", "1,3,8,8", "-o", "4", "-k", "3", "--json"]
    assert modules_after(call, packages=("numpy", "rich", "torch")) == []


def test_tables_that_fit_never_import_rich_table() -> None:
    # rich.table's import (its dataclasses, its boxes) costs a call as much as the rest of
    # its rendering: tables that fit are written as text (tests/test_render_tables.py)
    calls = [
        ["shape", "conv2d", "-i", "1,3,224,224", "-o", "64", "-k", "7", "-s", "2", "-p", "3"],
        ["params", "conv2d", "--in-channels", "3", "--out-channels", "256", "-k", "5"],
        ["solve", "padding", "conv2d", "-i", "224", "-k", "3", "-s", "2", "-t", "112"],
        ["net", "-i", "1,1,32,32", "Conv2d(1, 6, 5)", "ReLU()", "Flatten()", "Linear(4704, 10)"],
    ]
    for call in calls:
        assert modules_after(call, packages=("rich.console", "rich.table")) == ["rich.console"]


def test_json_calls_never_import_the_json_package() -> None:
    # its import compiles six regular expressions; the C encoder writes the same bytes
    # (tests/test_terminal.py)
    calls = [
        ["shape", "conv2d", "-i", "1,3,224,224", "-o", "64", "-k", "7", "--json"],
        ["params", "conv2d", "--in-channels", "3", "--out-channels", "256", "-k", "5", "--json"],
        ["solve", "padding", "conv2d", "-i", "224", "-k", "3", "-s", "2", "-t", "112", "--json"],
        ["net", "-i", "1,1,32,32", "Conv2d(1, 6, 5)", "Flatten()", "Linear(4704, 10)", "--json"],
    ]
    assert modules_after(*calls, packages=("json",)) == []


def _spec_modules(*argv: str) -> list[str]:
    """The spec-family modules (convcalc.specs's submodules) a CLI call imports."""
    loaded = modules_after(list(argv), packages=("convcalc.specs",))
    return [m for m in loaded if m.startswith("convcalc.specs.")]


def test_a_call_defines_the_spec_classes_of_its_own_family_only() -> None:
    assert _spec_modules("shape", "conv2d", "-i", "1,3,8,8", "-o", "4", "-k", "3") == [
        "convcalc.specs.conv"
    ]
    assert _spec_modules("shape", "maxpool2d", "-i", "1,3,8,8", "-k", "2", "--json") == [
        "convcalc.specs.pooling"
    ]
    assert _spec_modules("solve", "padding", "conv2d", "-i", "224", "-k", "3", "-t", "224") == [
        "convcalc.specs.conv"
    ]
    assert _spec_modules("shape", "adaptiveavgpool2d", "-i", "1,3,8,8", "--output-size", "1") == [
        "convcalc.specs.adaptive"
    ]
    conv_params = ("params", "conv2d", "--in-channels", "3", "--out-channels", "8", "-k", "3")
    assert _spec_modules(*conv_params, "--json") == ["convcalc.specs.conv"]
    # a transposed conv shares the conv's rules (channels, groups), so defines both
    transposed = ("shape", "convtranspose2d", "-i", "1,3,8,8", "-o", "4", "-k", "3")
    assert _spec_modules(*transposed) == ["convcalc.specs.conv", "convcalc.specs.convtranspose"]


def test_each_family_names_its_spec_class() -> None:
    from convcalc.kinds import FAMILY_PREFIX
    from convcalc.specs import spec_class

    for family, prefix in FAMILY_PREFIX.items():
        cls = spec_class(family)
        assert (cls.family, cls.__name__) == (family, prefix)
        assert getattr(convcalc, prefix) is cls  # the package exports the same class


def _console(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """convcalc as its console script runs it: main() with sys.argv, then the process ends."""
    code = "import sys; from convcalc.cli import main; sys.argv[1:] = sys.argv[2:]; main()"
    return subprocess.run(
        [sys.executable, "-c", code, "convcalc", *args],
        capture_output=True,
        text=True,
        input=stdin,
        check=False,
        env={"COLUMNS": "80", "NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
    )


def test_the_console_script_exits_with_its_code_and_all_its_output() -> None:
    """main() ends the process itself (no collector, no teardown): output and exit code
    must survive that."""
    done = _console(
        "shape", "conv2d", "-i", "1,3,224,224", "-o", "64", "-k", "7", "-s", "2", "-p", "3"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("init bound       U(−0.0824786, 0.0824786) = 1/√147")
    refused = _console("shape", "conv2d", "-i", "1,3,4,4", "-o", "8", "-k", "5")
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr.startswith("Error: kernel_size:")
    usage = _console("shape", "conv2d", "--no-such-option")
    assert usage.returncode == 2
    assert "No such option" in usage.stderr
    assert _console("--version").stdout == f"convcalc {convcalc.__version__}\n"


def test_a_closed_pipe_is_not_an_error() -> None:
    code = (
        "import sys; from convcalc.cli import main; "
        "sys.argv[1:] = ['params', 'conv2d', '-i', '1,3,224,224', '-o', '256', '-k', '5']; main()"
    )
    shell = f'{sys.executable} -c "{code}" | head -1'
    done = subprocess.run(["sh", "-c", shell], capture_output=True, text=True, check=False)
    assert done.stdout == "Conv2d(3, 256, kernel_size=5)\n"
    assert "Traceback" not in done.stderr
