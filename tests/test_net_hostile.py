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
        # pasted source: the import line is never run, os.system is not a layer
        (f"ReLU()\nimport os\nos.system('touch {marker}')", "unknown layer 'system'"),
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
    # Python the interpreter follows, but no model in it
    ("model.py", "def f():\n    pass\n", "defines no nn.Module class and builds no module"),
    ("model.py", "ReLU()\nclass A: pass\n", "defines no nn.Module class"),
    # a module, but not one that takes this input (the last module built is the model)
    ("model.py", "x = y = Conv2d(3, 8, 3)\n", "expects a 3-D .* input, got 2-D \\(1, 8\\)"),
    ("model.py", "nn.Sequential(ReLU(), exec('1'))\n", "unknown layer 'exec'"),
    ("model.py", "nn.Sequential(ReLU(), print)\n", "line 1, column 1: .*not a Module subclass"),
    ("model.py", "Conv2d(3, 8, 3, bias=__import__('os'))\n", "column 22: __import__\\(\\) is not"),
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


# --- model files read by the interpreter: every refusal one line, at once, nothing run --------

_MODEL = (
    "import torch.nn as nn\n"
    "class M(nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.fc = nn.Linear(8, 2)\n"
    "    def forward(self, x):\n"
    "        return self.fc(x)\n"
)
# (code appended to a valid model file, a fragment of the refusal); each must take < 1 s
HOSTILE_CODE = [
    ("x = [0] * 10**10", "line 8, column 5: a container or string of 10,000,000,000 elements"),
    ("x = 'a' * 10**10", "line 8, column 5: a container or string of 10,000,000,000"),
    ("x = 2 ** 10**10", "line 8, column 5: an integer of about 10,000,000,001 bits"),
    ("x = 1 << 10**9", "an integer of about 1,000,000,001 bits"),
    ("x = 2.0 ** 10**10", "OverflowError"),
    ("x = [i for i in range(10**7)]", "line 8, column 5: more than 100,000 steps"),
    ("x = {i: i for i in range(10**7)}", "more than 100,000 steps"),
    ("x = list(range(10**7))", "a container or string of 10,000,000 elements"),
    ("while True:\n    pass", "more than 100,000 steps"),
    ("def f(n):\n    return f(n + 1)\nf(0)", "calls nested more than 100 deep (recursion)"),
    ("f = lambda: f()\nf()", "calls nested more than 100 deep"),
    ("class A:\n    def __init__(self):\n        self.a = A()\nA()", "nested more than 100"),
    ("a = []\nfor i in range(1000):\n    a.append([0] * 99999)", "container elements made in all"),
    ("a = []\nfor i in range(20000):\n    a = [a]\nb = str(a)", "nested too deeply"),
    ("x = ','.join(['a' * 50000] * 50000)", "a container or string of 2,500,050,000"),
    ("x = f'{1:>100000000}'", "a format width of 100000000"),
    ("x = '{:>100000000}'.format(1)", "a format width of 100000000"),
    ("x = '%100000000d' % 1", "a format width of 100000000"),
    ("x = (1).__class__", "the attribute '__class__' is not available"),
    ("x = nn.Module.__subclasses__()", "the attribute '__subclasses__' is not available"),
    ("def f():\n    pass\nx = f.__globals__", "the attribute '__globals__' is not available"),
    ("x = nn._reduction", "the attribute '_reduction' is not available"),
    ("x = getattr(nn, 'Linear')", "getattr() is not allowed"),
    ("x = open('{marker}', 'w')", "open() is not allowed"),
    ("eval(\"open('{marker}', 'w')\")", "eval() is not allowed"),
    ("exec(\"open('{marker}', 'w')\")", "exec() is not allowed"),
    ("__import__('os').system('touch {marker}')", "__import__() is not allowed"),
    (
        "import os\nos.system('touch {marker}')",
        "'os' comes from 'os', which convcalc does not read",
    ),
    ("from pathlib import Path\nPath('{marker}').touch()", "'Path' comes from 'pathlib'"),
    ("import subprocess as sp\nsp.run(['touch', '{marker}'])", "'sp' comes from 'subprocess'"),
    ("x = globals()", "globals() is not allowed"),
    ("x = type(nn)", "type() is not allowed"),
    ("x = " + "(" * 150 + "1" + ")" * 150 + " + [] * 10**9", "TypeError"),
    ("x = " + "-" * 100_000 + "1", "cannot be read"),
    ("x = " + "not " * 5000 + "1", "cannot be read"),
    ("x = 1" + " + 1" * 200_000, "cannot be read"),
]


@pytest.mark.parametrize(("code", "needle"), HOSTILE_CODE)
def test_hostile_model_code_is_refused_at_once(cli, tmp_path: Path, code: str, needle: str) -> None:
    import time

    marker = tmp_path / "ran"
    path = tmp_path / "model.py"
    path.write_text(_MODEL + code.replace("{marker}", str(marker)) + "\n", encoding="utf-8")
    before = sorted(tmp_path.iterdir())
    start = time.perf_counter()
    result = cli("net", "-i", "1,8", "--file", str(path))
    elapsed = time.perf_counter() - start
    assert_clean_error(result, 1, needle, one_line=True)
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert not marker.exists()
    assert sorted(tmp_path.iterdir()) == before  # nothing created on disk


def test_a_forward_that_loops_forever_is_stopped(cli, tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    source = _MODEL.replace(
        "        return self.fc(x)\n", "        while True:\n            x = self.fc(x)\n"
    )
    path.write_text(source.replace("nn.Linear(8, 2)", "nn.Linear(8, 8)"), encoding="utf-8")
    result = cli("net", "-i", "1,8", "--file", str(path), "--json")
    assert_clean_error(result, 1, one_line=True)
    assert "more than" in result.stderr


def test_deep_nesting_of_modules_is_refused(cli, tmp_path: Path) -> None:
    # a Sequential nested 200 deep: torch would run it; convcalc stops at its call depth
    path = tmp_path / "model.py"
    path.write_text(
        "import torch.nn as nn\nm = nn.ReLU()\nfor _ in range(200):\n    m = nn.Sequential(m)\n",
        encoding="utf-8",
    )
    result = cli("net", "-i", "1,8", "--file", str(path))
    # the rows before the refusal are printed, as for any forward that stops
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "more than 100 deep" in result.stderr
    assert "Traceback" not in result.output


# --- issue 17: every answer printable, every refusal before the work --------------------------


def test_a_jump_too_long_to_print_stops_being_tracked(cli, tmp_path: Path) -> None:
    # 10,000 × stride 3: the jump would be 3**10,000 (4,772 digits, more than Python prints)
    path = tmp_path / "m.py"
    path.write_text("MaxPool1d(1, stride=3)\n" * 10_000, encoding="utf-8")
    result = cli("net", "-i", "1,1,1", "-f", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert "no longer tracked" in result.stdout
    data = json.loads(result.stdout)
    table = cli("net", "-i", "1,1,1", *["MaxPool1d(1, stride=3)"] * 50)
    assert table.exit_code == 0, table.output
    assert "note: the receptive field or jump passed 2**63" in table.stdout
    # 3**39 < 2**63 ≤ 3**40: layer 39 is the first whose jump is not tracked
    assert data["layers"][38]["jump"] == [3**39]
    assert data["layers"][39]["jump"] is None


def test_a_huge_stride_chain_prints(cli) -> None:
    layers = ["Conv1d(1, 1, 1, stride=9223372036854775807)"] * 230
    result = cli("net", "-i", "1,1,1", *layers)
    assert result.exit_code == 0, result.output
    assert "(1, 1, 1)" in result.stdout


def test_an_input_no_tensor_can_hold_is_refused(cli) -> None:
    shape = ",".join(["9223372036854775807"] * 17)
    for extra in ((), ("--json",)):
        result = cli("net", "-i", shape, "ReLU()", *extra)
        assert_clean_error(result, 1, "a PyTorch tensor holds at most 2**63 − 1", one_line=True)


def test_memory_lines_never_overflow_a_float(cli) -> None:
    # 2**62 elements in, ×2**62 bytes per float64 element: integer arithmetic all the way
    result = cli("net", "-i", f"{2**31},{2**31}", "ReLU()", "--dtype", "float64")
    assert result.exit_code == 0, result.output
    assert "36,893,488,147,419,103,232 bytes" in result.stdout


def test_input_rank_times_layers_is_bounded(cli) -> None:
    import time

    start = time.perf_counter()
    result = cli("net", "-i", ",".join(["1"] * 60_000), *["ReLU()"] * 1_000)
    assert_clean_error(result, 1, "60,000,000 axis-steps; at most 1,000,000", one_line=True)
    assert time.perf_counter() - start < 1.0


def test_yaml_alias_bomb_is_refused_at_once(cli, tmp_path: Path) -> None:
    import time

    lines = ["a0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"]
    for level in range(1, 4):
        refs = ", ".join([f"*a{level - 1}"] * 1000)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append("layers: [{type: Linear, args: *a3}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    start = time.perf_counter()
    result = cli("net", "-i", "1,8", "-f", str(path))
    assert_clean_error(result, 1, "expands to more than 100,000 values", one_line=True)
    assert time.perf_counter() - start < 1.0


def test_an_input_of_more_than_64_axes_is_refused_by_the_interpreter(cli, tmp_path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "import torch.nn as nn\nclass M(nn.Module):\n    def forward(self, x):\n"
        "        return x.flatten()\n",
        encoding="utf-8",
    )
    result = cli("net", "-i", ",".join(["1"] * 65), "-f", str(path))
    assert result.exit_code == 1
    assert "at most 64" in result.stderr
