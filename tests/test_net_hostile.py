"""Hostile input to `convcalc net`: refused with exit 1 and one line, nothing executed, no
hang, no traceback."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import pytest
from conftest import CliResult, assert_clean_error

from convcalc import network
from convcalc.expressions import MAX_SOURCE


def _marker_code(marker: Path) -> str:
    return f"__import__('os').system('touch {marker}')"


def hostile_expressions(marker: Path) -> list[tuple[str, str]]:
    touch = _marker_code(marker)
    return [
        (f"Conv2d({touch}, 8, 3)", "a call at line 1"),
        (touch, "call target"),
        (f"nn.Sequential({touch})", "call target"),
        ("Conv2d(torch.ones(3).sum(), 8, 3)", "a call"),
        ("Conv2d(x.y, 8, 3)", "an attribute access"),
        ("Conv2d(in_channels=os.environ, out_channels=1, kernel_size=1)", "attribute access"),
        ("Conv2d((lambda: 3)(), 8, 3)", "a call"),
        ("Conv2d(lambda: 3, 8, 3)", "a lambda"),
        ("Sequential(*[Conv2d(3, 8, 3)])", "*arguments"),
        ("Conv2d(3, 8, 3, **{'stride': 2})", "**arguments"),
        ("Conv2d(" + "(" * 200 + "3" + ")" * 200 + ", 8, 3)", "expression"),
        ("Sequential(" * 60 + "ReLU()" + ")" * 60, "nested too deeply"),
        ("Sequential(" * 300 + "ReLU()" + ")" * 300, "too many nested parentheses"),
        ("Conv2d([x for x in range(3)], 8, 3)", "ListComp"),
        ("Conv2d(3, 8, 3, padding=f'{1}')", "JoinedStr"),
        ("Conv2d(3, 8, 9 ** 9 ** 9)", "the operator Pow"),
        ("Linear(10 ** 100, 1)", "the operator Pow"),
        ("Linear(99999999999 * 99999999999, 1)", "integer too large"),
        ("Conv2d(3, 8, 3) if True else ReLU()", "IfExp"),
        ("ReLU()\nimport os", "invalid syntax"),
        ("Upsample(scale_factor=(x := 2))", "NamedExpr"),
        ("x" * (MAX_SOURCE + 1), "characters"),
    ]


def test_hostile_expressions_are_refused_and_never_run(cli, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    for text, needle in hostile_expressions(marker):
        assert_clean_error(cli("net", "-i", "1,3,16,16", text), 1, needle, one_line=True)
    assert not marker.exists()


HOSTILE_FILES = [
    ("model.py", "import os\nos.system('touch {marker}')\n", "unknown layer 'system'"),
    ("model.py", "def f():\n    pass\n", "a FunctionDef statement at line 1"),
    ("model.py", "x = y = Conv2d(3, 8, 3)\n", "an Assign statement"),
    ("model.py", "ReLU()\nclass A: pass\n", "a ClassDef statement at line 2"),
    ("model.py", "nn.Sequential(ReLU(), exec('1'))\n", "unknown layer 'exec'"),
    ("model.py", "nn.Sequential(ReLU(), print)\n", "the name 'print' where a layer call belongs"),
    ("model.py", "Conv2d(3, 8, 3, bias=__import__('os'))\n", "a call at line 1"),
    ("model.json", '[{"type": "__import__(\'os\')"}]', "'type' must be a class name"),
    ("model.json", '[{"type": "Conv2d", "in_channels": {"$eval": 1}}]', "only numbers"),
    ("model.json", '[{"type": "Conv2d", "__class__": 1}]', "unknown layer|unexpected argument"),
    ("model.json", "[" * 100_000 + "]" * 100_000, "cannot be read|not valid"),
    ("model.json", "[" + "1" * 5000 + "]", "not valid JSON"),
    ("model.json", '{"layers": [{"type": "ReLU"}], "exec": 1}', "unexpected top-level key"),
    ("model.yaml", "- !!python/object/apply:os.system ['touch {marker}']\n", "not valid YAML"),
    (
        "model.yaml",
        "a: &a [1, 1]\nb: &b [*a, *a]\nc: &c [*b, *b]\nlayers: [{type: Linear, args: *c}]\n",
        "unexpected top-level key",
    ),
    ("model.toml", "[[layers]]\ntype = 'Linear'\nwhen = 1979-05-27\n", "only numbers"),
    ("model.txt", "ReLU()\n", "expected a .py, .json, .toml or .yaml file"),
    ("model.py", "\udcff", None),  # written as raw bytes below: not UTF-8
]


@pytest.mark.parametrize(("name", "text", "needle"), HOSTILE_FILES)
def test_hostile_files_are_refused(cli, tmp_path: Path, name, text, needle) -> None:
    import re

    marker = tmp_path / "ran"
    path = tmp_path / name
    if needle is None:
        path.write_bytes(b"ReLU()\n\xff\xfe\n")
        needle = "not UTF-8"
    else:
        path.write_text(text.replace("{marker}", str(marker)), encoding="utf-8")
    result = cli("net", "-i", "1,8", "--file", str(path))
    assert_clean_error(result, 1, one_line=True)
    assert re.search(needle, result.stderr), result.stderr
    assert not marker.exists()


def test_huge_file_is_refused_before_reading(cli, tmp_path: Path) -> None:
    path = tmp_path / "big.py"
    with path.open("wb") as handle:  # sparse: 10 GB on paper, nothing on disk
        handle.truncate(10 * 1024**3)
    result = cli("net", "-i", "1,8", "--file", str(path))
    assert_clean_error(result, 1, "more than the 1,000,000 allowed", one_line=True)


def test_reads_at_most_limit_plus_one_bytes(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "m.py"
    path.write_text("ReLU()\n" * 100, encoding="utf-8")  # 700 bytes
    asked: list[int] = []
    real_fdopen = os.fdopen

    def spy(*args, **kwargs):
        handle = real_fdopen(*args, **kwargs)
        real_read = handle.read

        class Spy:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                handle.close()

            def read(self, size=-1):
                asked.append(size)
                return real_read(size)

        return Spy()

    monkeypatch.setattr(os, "fdopen", spy)
    assert network.read_source(str(path), limit=1000) == "ReLU()\n" * 100
    assert asked == [1001]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_devices_are_refused(cli, device: str, tmp_path: Path) -> None:
    link = tmp_path / "model.py"
    link.symlink_to(device)
    for path in (device, str(link)):
        result = cli("net", "-i", "1,8", "--file", path)
        assert_clean_error(result, 1, "a character device, not a regular file", one_line=True)


def test_directory_is_refused(cli, tmp_path: Path) -> None:
    folder = tmp_path / "model.py"
    folder.mkdir()
    result = cli("net", "-i", "1,8", "--file", str(folder))
    assert_clean_error(result, 1, "is a directory, not a regular file", one_line=True)


@pytest.mark.skipif(sys.platform == "win32", reason="no FIFOs")
def test_fifo_is_refused_without_blocking(cli, tmp_path: Path) -> None:
    fifo = tmp_path / "model.py"
    os.mkfifo(fifo)
    outcome: list[CliResult] = []
    worker = threading.Thread(
        target=lambda: outcome.append(cli("net", "-i", "1,8", "-f", str(fifo)))
    )
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # unblock the reader so the suite can go on, then fail
        with open(fifo, "w"):
            pass
        pytest.fail("reading a FIFO blocked")
    (result,) = outcome
    assert_clean_error(result, 1, "a FIFO, not a regular file", one_line=True)


def test_missing_file_is_one_line(cli, tmp_path: Path) -> None:
    result = cli("net", "-i", "1,8", "--file", str(tmp_path / "nope.py"))
    assert_clean_error(result, 1, "Error: file: cannot open", one_line=True)


def test_too_many_layers(cli, tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("ReLU()\n" * 10_001, encoding="utf-8")
    result = cli("net", "-i", "1,8", "--file", str(path))
    assert_clean_error(result, 1, "more than 10,000 layers", one_line=True)


# --- numbers PyTorch cannot use, and truth-tested arguments ----------------------------------


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ("Upsample(scale_factor=1e309)", "must be a finite number"),  # 1e309 is inf
        ("Upsample(scale_factor=1e309-1e309)", "must be a finite number"),  # nan
        ("Upsample(scale_factor=1e300, mode='bilinear')", "does not fit PyTorch's int64"),
        ("LeakyReLU(1e309-1e309)", "must be a finite number"),
    ],
)
def test_non_finite_or_huge_numbers_are_refused_cleanly(cli, layer: str, message: str) -> None:
    assert_clean_error(cli("net", "-i", "1,3,8,8", layer), 1, message, one_line=True)


def test_bias_none_means_no_bias_as_in_torch(cli) -> None:
    # torch.nn.Linear(3, 4, bias=None) builds a layer without bias: 12 parameters
    result = cli("net", "-i", "1,3", "Linear(3, 4, bias=None)", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["params"] == 12
