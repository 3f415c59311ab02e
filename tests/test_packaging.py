"""Packaging facts: version in one place, the entry points, no torch or numpy at start-up."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points, version

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
    code = (
        "import sys\n"
        "from convcalc.cli import main\n"
        "try:\n"
        "    main(['shape','conv2d','-i','1,3,8,8','-o','4','-k','3','--json'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('numpy','rich','torch') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
