"""`convcalc run` end to end through the real entry point (seed answers, torch, errors), and
`convcalc.runs.run`, the library function behind it."""

from __future__ import annotations

import io
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from conftest import assert_clean_error, require_torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convcalc.errors import ConvcalcError, InputError, LayerError
from convcalc.notation import number_text
from convcalc.runs import run

# Worked examples with their sums written out: (args, output) in the user's own rank.
SEED_RUNS = [
    # 000 "Convolution 1D": [1+4+9, 2+6+12]
    (["conv1d", "-i", "[1,2,3,4]", "-w", "[1,2,3]"], [14, 20]),
    # 000 "Convolution 1D (pad = 1)": [0+2+6, 1+4+9, 2+6+12, 3+8+0]
    (["conv1d", "-i", "[1,2,3,4]", "-w", "[1,2,3]", "-p", "1"], [8, 14, 20, 11]),
    # 000 "dilation = 2": 1 + 6 + 15
    (["conv1d", "-i", "[1,2,3,4,5]", "-w", "[1,2,3]", "-d", "2"], [22]),
    # 000 "stride = 2": 1+4+9, 3+8+15
    (["conv1d", "-i", "[1,2,3,4,5]", "-w", "[1,2,3]", "-s", "2"], [14, 26]),
    # 000 "Convolution 2D (pad = 1)": the zero rows come from the padding alone
    (
        ["conv2d", "-i", "[[1,2,3,4]]", "--kernel", "[[1,2,3]]", "-p", "1"],
        [[0, 0, 0, 0], [8, 14, 20, 11], [0, 0, 0, 0]],
    ),
    # 000 "Transposed Convolution 1D": 0+1, 2+2, 4+3, 6+0
    (["convtranspose1d", "-i", "[1,2,3]", "-w", "[1,2]"], [1, 4, 7, 6]),
    # 000 "Transposed Convolution 1D (padding=1)": 0+2+2, 0+4+3
    (["convtranspose1d", "-i", "[1,2,3]", "-w", "[1,2]", "-p", "1"], [4, 7]),
    # 000 "Transposed Convolution 2D", errata: padding 0 gives the 3×3 sum of scaled copies
    (
        ["convtranspose2d", "-i", "[[0,1],[2,3]]", "-w", "[[4,1],[2,3]]"],
        [[0, 4, 1], [8, 16, 6], [4, 12, 9]],
    ),
    # errata: padding 1 crops that 3×3 to its centre
    (["convtranspose2d", "-i", "[[0,1],[2,3]]", "-w", "[[4,1],[2,3]]", "-p", "1"], [[16]]),
    # 001 pooling, 2×2 windows with stride 2
    (
        ["maxpool2d", "-i", "[[1,0,3,5],[3,4,2,2],[1,3,3,9],[5,7,8,4]]", "-k", "2", "-s", "2"],
        [[4, 5], [7, 9]],
    ),
    # mean of [1,0,3,4]=8/4, [3,5,2,2]=12/4, [1,3,5,7]=16/4, [3,9,8,4]=24/4
    (
        ["avgpool2d", "-i", "[[1,0,3,5],[3,4,2,2],[1,3,3,9],[5,7,8,4]]", "-k", "2", "-s", "2"],
        [[2, 3], [4, 6]],
    ),
]


def run_json(cli, *args: str) -> dict:
    result = cli("run", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(("args", "expected"), SEED_RUNS)
def test_seed_examples(cli, args: list[str], expected: list) -> None:
    data = run_json(cli, *args)
    assert data["output"] == expected
    assert data["dtype"] == "int"
    assert data["output_shape"] == list(np.shape(expected))


# The seed's own working, line for line.
SEED_EXPLAIN = [
    (["conv1d", "-i", "[1,2,3,4]", "-w", "[1,2,3]"], "out[0] = 1·1 + 2·2 + 3·3 = 14"),
    (["conv1d", "-i", "[1,2,3,4]", "-w", "[1,2,3]"], "out[1] = 1·2 + 2·3 + 3·4 = 20"),
    (["conv1d", "-i", "[1,2,3,4]", "-w", "[1,2,3]", "-p", "1"], "out[0] = 1·(0) + 2·1 + 3·2 = 8"),
    (["conv1d", "-i", "[1,2,3,4]", "-w", "[1,2,3]", "-p", "1"], "out[3] = 1·3 + 2·4 + 3·(0) = 11"),
    (["conv1d", "-i", "[1,2,3,4,5]", "-w", "[1,2,3]", "-d", "2"], "out[0] = 1·1 + 2·3 + 3·5 = 22"),
    (["conv1d", "-i", "[1,2,3,4,5]", "-w", "[1,2,3]", "-s", "2"], "out[1] = 1·3 + 2·4 + 3·5 = 26"),
    # transposed: the scaled kernel copies and where they land in the uncropped output
    (
        ["convtranspose1d", "-i", "[1,2,3]", "-w", "[1,2]"],
        "x[1] = 2: 2·[1, 2] = [2, 4] → full[1:3]",
    ),
    (
        ["convtranspose1d", "-i", "[1,2,3]", "-w", "[1,2]", "-p", "1"],
        "the copies sum to the full output (4); padding crops it: out = full[1:3]",
    ),
    (
        ["convtranspose2d", "-i", "[[0,1],[2,3]]", "-w", "[[4,1],[2,3]]"],
        "x[1, 0] = 2: 2·[[4, 1], [2, 3]] = [[8, 2], [4, 6]] → full[1:3, 0:2]",
    ),
    # out[1] of the seed's transposed 1-D: x0·w1 + x1·w0 = 2 + 2
    (["convtranspose1d", "-i", "[1,2,3]", "-w", "[1,2]", "--at", "1"], "out[1] = 2·1 + 1·2 = 4"),
    (
        ["maxpool2d", "-i", "[[1,0,3,5],[3,4,2,2],[1,3,3,9],[5,7,8,4]]", "-k", "2"],
        "out[1, 1] = max(3, 9, 8, 4) = 9",
    ),
    (
        ["avgpool2d", "-i", "[[1,0,3,5],[3,4,2,2],[1,3,3,9],[5,7,8,4]]", "-k", "2"],
        "out[0, 1] = (3 + 5 + 2 + 2) / 4 = 3",
    ),
]


@pytest.mark.parametrize(("args", "line"), SEED_EXPLAIN)
def test_seed_explanations(cli, args: list[str], line: str) -> None:
    result = cli("run", *args, "--explain")
    assert result.exit_code == 0, result.output
    assert line in result.stdout.splitlines()
    assert line in run_json(cli, *args, "--explain")["explain"]


# Hand-worked: PyTorch's avg_pool divisor rules on [1, 2, 3, 4, 5] / 2-D [[1..4]].
AVG_EXPLAIN = [
    # ceil_mode: last window starts at 4 and would reach 6; only index 4 exists → 5/1
    (["avgpool1d", "-i", "[1,2,3,4,5]", "-k", "2", "--ceil-mode", "--at", "2"], "(5) / 1 = 5"),
    # padding 1, count_include_pad: window [(0), 1, 2] → 3/3
    (["avgpool1d", "-i", "[1,2,3,4,5]", "-k", "3", "-s", "2", "-p", "1", "--at", "0"], "= 1"),
    # without count_include_pad: 3/2
    (
        [
            *("avgpool1d", "-i", "[1,2,3,4,5]", "-k", "3", "-s", "2", "-p", "1", "--at", "0"),
            "--no-count-include-pad",
        ],
        "((0) + 1 + 2) / 2 = 1.5",
    ),
    # divisor_override 3 on the 2×2 window [1,2,3,4] → 10/3
    (
        ["avgpool2d", "-i", "[[1,2],[3,4]]", "-k", "2", "--divisor-override", "3"],
        "(1 + 2 + 3 + 4) / 3 = 3.333333…",
    ),
]


@pytest.mark.parametrize(("args", "needle"), AVG_EXPLAIN)
def test_avg_divisors_explained(cli, args: list[str], needle: str) -> None:
    result = cli("run", *args, "--explain")
    assert result.exit_code == 0, result.output
    assert needle in result.stdout


def test_rationals_are_exact_in_json(cli) -> None:
    # 10/3 from divisor_override; 1 + 2 = 3 over 2 real elements → 3/2
    data = run_json(cli, "avgpool2d", "-i", "[[1,2],[3,4]]", "-k", "2", "--divisor-override", "3")
    assert data["dtype"] == "rational"
    assert data["exact"] == [["10/3"]]
    assert data["output"] == [[10 / 3]]


def test_large_integers_stay_exact(cli) -> None:
    # (2^62)·3 + (2^62)·3 = 6·2^62 overflows int64; Python ints do not
    big = 2**62
    data = run_json(cli, "conv1d", "-i", f"[{big},{big}]", "-w", "[3,3]")
    assert data["output"] == [6 * big]


def test_ranks_and_channels(cli) -> None:
    # (C=2, L=3) input, weight (C_out=1, C_in=2, k=1): out = 1·x0 + 10·x1, bias 5
    data = run_json(cli, "conv1d", "-i", "[[1,2,3],[4,5,6]]", "-w", "[[[1],[10]]]", "-b", "[5]")
    assert data["output"] == [[46, 57, 68]]
    assert data["layer"] == "Conv1d(2, 1, kernel_size=(1,))"
    # batched (N=2, C=1, L=2) keeps its rank
    data = run_json(cli, "maxpool1d", "-i", "[[[1,2]],[[4,3]]]", "-k", "2")
    assert data["output"] == [[[2]], [[4]]]


def test_groups_from_the_weight(cli) -> None:
    # groups=2, weight (2, 1, 1): out channel 0 = 2·x0, out channel 1 = 3·x1
    data = run_json(cli, "conv1d", "-i", "[[1,2],[3,4]]", "-w", "[[[2]],[[3]]]", "-g", "2")
    assert data["output"] == [[2, 4], [9, 12]]


def test_python_literal_and_files(cli, tmp_path: Path) -> None:
    np.save(tmp_path / "w.npy", np.array([1.0, 2.0, 3.0], dtype=np.float32))
    (tmp_path / "x.json").write_text("[1, 2, 3, 4]")
    data = run_json(cli, "conv1d", "-i", f"@{tmp_path / 'x.json'}", "-w", f"@{tmp_path / 'w.npy'}")
    assert data["output"] == [14.0, 20.0]
    assert data["dtype"] == "float"
    data = run_json(cli, "conv1d", "-i", "(1, 2, 3, 4,)", "-w", "(1, 2, -3)")
    assert data["output"] == [1 + 4 - 9, 2 + 6 - 12]


def test_stdin(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"[1, 2, 3, 4]")))
    data = run_json(cli, "conv1d", "-i", "-", "-w", "[1,2,3]")
    assert data["output"] == [14, 20]


def test_at_selects_spatial_position_on_every_channel(cli) -> None:
    # two output channels (weights 1 and 2) at position 1: 1·2 and 2·2
    result = cli("run", "conv1d", "-i", "[[1,2,3]]", "-w", "[[[1]],[[2]]]", "--at", "1")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "out[0, 1] = 1·2 = 2" in lines
    assert "out[1, 1] = 2·2 = 4" in lines


def test_long_explanations_are_truncated(cli) -> None:
    x = json.dumps(list(range(100)))
    result = cli("run", "conv1d", "-i", x, "-w", json.dumps([1] * 30), "--explain")
    assert result.exit_code == 0, result.output
    assert "… 59 more elements; choose one with --at" in result.stdout
    assert "… 20 more …" in result.stdout  # 30 terms: 10 shown


# --- errors --------------------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000
ERRORS = [
    # array content is data: exit 1, one line naming the argument
    (["conv1d", "-i", "__import__('os').system('echo hi')", "-w", "[1]"], 1, "input: a call"),
    (["conv1d", "-i", "[[1,2],[3]]", "-w", "[1]"], 1, "input: ragged nested lists"),
    (["conv1d", "-i", DEEP, "-w", "[1]"], 1, "input: nested too deeply"),
    (["conv1d", "-i", "[1,2", "-w", "[1]"], 1, "input: not nested lists of numbers"),
    (["conv1d", "-i", "@/dev/zero", "-w", "[1]"], 1, "is not a regular file"),
    (["conv1d", "-i", "@/no/such/file", "-w", "[1]"], 1, "cannot open"),
    (["conv1d", "-i", "[true, 1]", "-w", "[1]"], 1, "input: found a boolean"),
    (["conv1d", "-i", "[1,2]", "-w", "[1]", "-b", "[1,2]"], 1, "bias: needs 1 value"),
    (["conv2d", "-i", "[1,2,3]", "-w", "[[1]]"], 1, "input: Conv2d takes an array of rank 2"),
    (["conv1d", "-i", "[1,2,3]", "-w", "[[1]]"], 1, "weight: needs rank 1"),
    (["conv1d", "-i", "[[1,2,3]]", "-w", "[[[1],[1]]]"], 1, "expects 2 input channels"),
    (["conv1d", "-i", "[1,2,3]", "-w", "[[[1]],[[1]]]"], 1, "2 output channels cannot fit"),
    (["conv1d", "-i", "[1,2]", "-w", "[1,2,3]"], 1, "kernel_size: on axis L"),
    (["maxpool1d", "-i", "[1,2,3]", "-k", "2", "--at", "5"], 1, "at: index 5 is out of range"),
    # the command line itself is malformed: exit 2
    (["maxpool1d", "-i", "[1,2,3]", "-k", "2", "--at", "x"], 2, "expected integers"),
    (["maxpool1d", "-i", "[1,2,3]", "-k", "2", "-w", "[1]"], 2, "No such option"),
    (["conv1d", "-i", "-", "-w", "-"], 2, "only one ARRAY can come from stdin"),
    (["conv1d", "-i", "[1,2]"], 2, "Missing option"),
]


@pytest.mark.parametrize(("args", "code", "needle"), ERRORS)
def test_errors(cli, args: list[str], code: int, needle: str) -> None:
    assert_clean_error(cli("run", *args), code, needle, one_line=code == 1)


def test_hostile_input_runs_nothing(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli(
        "run", "conv1d", "-i", "[__import__('pathlib').Path('pwned').touch()]", "-w", "[1]"
    )
    assert_clean_error(result, 1, "input: a call")
    assert not (tmp_path / "pwned").exists()


def test_pickled_npy_is_refused(cli, tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", np.array([[1], "a"], dtype=object), allow_pickle=True)
    result = cli("run", "conv1d", "-i", f"@{tmp_path / 'x.npy'}", "-w", "[1]")
    assert_clean_error(result, 1, "allow_pickle=False")


# --- PyTorch ---------------------------------------------------------------------------------

TORCH_CASES = [
    ("conv2d", (1, 2, 5, 6), (4, 1, 3, 2), dict(groups=2, stride=(2, 1), padding=1)),
    ("conv1d", (2, 3, 7), (2, 3, 3), dict(padding=2, padding_mode="reflect", dilation=2)),
    ("conv2d", (2, 5, 5), (3, 2, 3, 3), dict(padding="same", padding_mode="circular")),
    ("conv1d", (1, 2, 6), (2, 2, 2), dict(padding=1, padding_mode="replicate", stride=2)),
    ("convtranspose2d", (1, 2, 3, 4), (2, 3, 3, 2), dict(stride=2, padding=1, output_padding=1)),
    ("convtranspose1d", (2, 4, 5), (4, 1, 3), dict(groups=2, dilation=2, stride=3)),
    ("maxpool2d", (1, 2, 7, 6), None, dict(kernel_size=3, stride=2, padding=1, dilation=2)),
    ("maxpool1d", (2, 9), None, dict(kernel_size=2, stride=2, ceil_mode=True)),
    ("avgpool2d", (1, 7, 7), None, dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    (
        "avgpool2d",
        (2, 6, 5),
        None,
        dict(kernel_size=(3, 2), padding=1, count_include_pad=False, divisor_override=None),
    ),
    ("avgpool3d", (1, 4, 4, 5), None, dict(kernel_size=2, divisor_override=3)),
    ("adaptiveavgpool2d", (2, 7, 5), None, dict(output_size=(3, None))),
    ("adaptivemaxpool1d", (1, 2, 10), None, dict(output_size=4)),
]


def _option(name: str, value: object) -> list[str]:
    flag = "--" + name.replace("_", "-")
    if isinstance(value, bool):
        negative = {"ceil_mode": "--floor-mode", "count_include_pad": "--no-count-include-pad"}
        return [flag] if value else [negative[name]]
    if value is None:
        return []
    if isinstance(value, tuple):
        return [flag, ",".join("None" if v is None else str(v) for v in value)]
    return [flag, str(value)]


@pytest.mark.torch
@pytest.mark.parametrize(("kind", "x_shape", "w_shape", "options"), TORCH_CASES)
def test_cli_matches_torch(cli, kind: str, x_shape, w_shape, options: dict) -> None:
    torch = require_torch()
    rng = np.random.default_rng(len(kind) * 31 + len(x_shape))
    x = rng.integers(-9, 10, x_shape)
    args = [kind, "-i", json.dumps(x.tolist())]
    bias = None
    if w_shape is not None:
        w = rng.integers(-9, 10, w_shape)
        transposed = kind.startswith("convtranspose")
        out_channels = w_shape[1] * options.get("groups", 1) if transposed else w_shape[0]
        bias = rng.integers(-9, 10, out_channels)
        args += ["-w", json.dumps(w.tolist()), "-b", json.dumps(bias.tolist())]
    for name, value in options.items():
        args += _option(name, value)
    data = run_json(cli, *args)
    name = data["layer"].split("(")[0]
    dims = int(kind[-2])
    module_args = dict(options)
    if w_shape is not None:
        module_args |= dict(in_channels=x_shape[-dims - 1], out_channels=out_channels)
        module_args["kernel_size"] = w_shape[2:]
    layer = getattr(torch.nn, name)(**module_args).double()
    if w_shape is not None:
        with torch.no_grad():
            layer.weight.copy_(torch.tensor(w, dtype=torch.float64))
            layer.bias.copy_(torch.tensor(bias, dtype=torch.float64))
    expected = layer(torch.tensor(x, dtype=torch.float64)).detach().numpy()
    got = np.array(data.get("output"), dtype=np.float64)
    assert got.shape == expected.shape
    # small integers: every float64 partial sum is exact, so torch's answer is exact too
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


# --- properties --------------------------------------------------------------------------------


@st.composite
def small_runs(draw: st.DrawFn) -> list[str]:
    family = draw(
        st.sampled_from(["conv", "convtranspose", "maxpool", "avgpool", "adaptiveavgpool"])
    )
    dims = draw(st.integers(1, 2))
    channels = draw(st.integers(1, 2))
    spatial = [draw(st.integers(3, 6)) for _ in range(dims)]
    x = np.arange(channels * np.prod(spatial)).reshape(channels, *spatial) % 7 - 3
    args = [f"{family}{dims}d", "-i", json.dumps(x.tolist())]
    k = draw(st.integers(1, 3))
    s = draw(st.integers(1, 2))
    if family in ("conv", "convtranspose"):
        out = draw(st.integers(1, 2))
        shape = (out, channels) if family == "conv" else (channels, out)
        w = np.arange(np.prod(shape) * k**dims).reshape(*shape, *([k] * dims)) % 5 - 2
        args += ["-w", json.dumps(w.tolist()), "-s", str(s)]
        args += ["-p", str(draw(st.integers(0, k - 1)))]
    elif family in ("maxpool", "avgpool"):
        args += ["-k", str(k), "-s", str(s), "-p", str(draw(st.integers(0, k // 2)))]
        args += ["--ceil-mode"] if draw(st.booleans()) else []
    else:
        args += ["--output-size", str(draw(st.integers(1, 4)))]
    return args


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(small_runs())
def test_output_shape_and_explanations_agree(cli, args: list[str]) -> None:
    data = run_json(cli, *args, "--explain")
    # the shape is `convcalc shape`'s arithmetic
    shape_args = [args[0], "-i", ",".join(map(str, np.shape(json.loads(args[2]))))]
    rest = args[3:]
    if "-w" in rest:
        w = json.loads(rest[rest.index("-w") + 1])
        transposed = args[0].startswith("convtranspose")
        shape_args += ["-o", str(np.shape(w)[1] if transposed else np.shape(w)[0])]
        shape_args += ["-k", ",".join(map(str, np.shape(w)[2:])), "--no-bias"]
        del rest[rest.index("-w") : rest.index("-w") + 2]
    expected = json.loads(_cli_stdout(cli, "shape", *shape_args, *rest, "--json"))["output_shape"]
    assert data["output_shape"] == expected
    # every explained element's own sum (pure Python) equals the engine's element
    output = np.array(data.get("exact", data["output"]), dtype=object)
    for line in data["explain"]:
        if not line.startswith("out["):
            continue
        index = tuple(int(i) for i in line[4 : line.index("]")].split(","))
        value = line.rsplit(" = ", 1)[1].split()[0]
        cell = output[index]
        assert number_text(Fraction(cell)) == value


def _cli_stdout(cli, *args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


# --- extreme values, a directory, legacy encodings: each once ended in "internal error" -------


def test_json_of_an_int_max_pool_window_in_padding_is_int64_min(cli) -> None:
    # torch: F.max_pool2d(torch.tensor([[[-9, -9]]]), (1, 2), (1, 2), (0, 1), (1, 3)) → INT64_MIN
    result = cli(
        "run",
        "maxpool2d",
        "-i",
        "[[-9,-9]]",
        "-k",
        "1,2",
        "-s",
        "1,2",
        "-p",
        "0,1",
        "-d",
        "1,3",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["output"] == [[-(2**63)]]


def test_json_of_a_rational_beyond_float_range(cli) -> None:
    huge = 2**1024 - 1  # (2h + 1)/2 is past float64's maximum; `exact` keeps the value
    result = cli(
        "run",
        "avgpool2d",
        "-i",
        f"[[{huge}, {huge}, 1]]",
        "-k",
        "1,3",
        "--divisor-override",
        "2",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["output"] == [["inf"]]
    assert data["exact"] == [[f"{2 * huge + 1}/2"]]


def test_a_directory_as_array_file_is_refused_cleanly(cli, tmp_path) -> None:
    result = cli("run", "maxpool1d", "-i", f"@{tmp_path}", "-k", "2")
    assert_clean_error(result, 1, "is not a regular file", one_line=True)


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
@pytest.mark.parametrize(
    "args",
    [
        ["run", "conv1d", "-i", "[1,2,3,4]", "-w", "[1,2,3]", "--explain"],
        ["shape", "conv2d", "-i", "1,3,8,8", "-o", "4", "-k", "3"],
        ["shape", "conv2d", "-i", "1,3,8,8", "-o", "4", "-k", "3", "--json"],
    ],
)
def test_a_legacy_encoding_on_stdout_does_not_crash(encoding: str, args: list[str]) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": encoding}
    done = subprocess.run(
        [sys.executable, "-m", "convcalc", *args], capture_output=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    if "--json" in args:  # escapes keep the JSON lossless
        formula = json.loads(done.stdout)["formulas"][0]
        assert formula.startswith("⌊(8 + 0 + 0")


# --- the Python API: convcalc.runs.run ---------------------------------------------------------

# Seed notes again, through the library: (kind, input, weight, PyTorch arguments, output).
LIBRARY_SEEDS = [
    ("conv1d", [1, 2, 3, 4], [1, 2, 3], {}, [14, 20]),
    # errata: padding 0 gives the 3×3 sum of scaled copies; padding 1 crops it to its centre
    (
        "convtranspose2d",
        [[0, 1], [2, 3]],
        [[4, 1], [2, 3]],
        {"padding": 0},
        [[0, 4, 1], [8, 16, 6], [4, 12, 9]],
    ),
    ("convtranspose2d", [[0, 1], [2, 3]], [[4, 1], [2, 3]], {"padding": 1}, [[16]]),
    (
        "maxpool2d",
        [[1, 0, 3, 5], [3, 4, 2, 2], [1, 3, 3, 9], [5, 7, 8, 4]],
        None,
        {"kernel_size": 2},
        [[4, 5], [7, 9]],
    ),
]


@pytest.mark.parametrize(("kind", "x", "w", "args", "expected"), LIBRARY_SEEDS)
def test_library_seed_examples(kind: str, x: list, w: list | None, args: dict, expected) -> None:
    result = run(kind, x, w, **args)
    assert result.output.tolist() == expected
    assert result.output_shape == np.shape(expected)
    assert result.input_shape == np.shape(x)


def test_library_result_holds_the_layer_and_the_cli_json() -> None:
    # out = 1·x0 + 10·x1 + 5 at positions 0 and 2; position 3 is never read
    result = run("conv1d", [[1, 2, 3, 4], [5, 6, 7, 8]], [[[1], [10]]], [5], stride=2)
    assert result.spec.torch_call() == "Conv1d(2, 1, kernel_size=(1,), stride=2)"
    assert result.shape.output_shape == (1, 2)
    assert (result.input_shape, result.weight_shape, result.lead) == ((2, 4), (1, 2, 1), 1)
    assert result.output.tolist() == [[56, 78]]
    assert result.warnings == ("axis L: stride 2 leaves the last 1 of 4 input elements unused",)
    assert (result.explanation, result.at, result.planes) == (None, None, ())
    data = result.to_json()
    assert list(data) == [
        "kind", "layer", "input_shape", "weight_shape", "output_shape", "dtype", "output",
        "warnings",
    ]  # fmt: skip
    assert data["weight_shape"] == [1, 2, 1]
    # rationals add "exact" before the warnings
    data = run("avgpool1d", [1, 2], kernel_size=2).to_json()
    assert (data["dtype"], data["exact"], list(data)[-2:]) == (
        "rational",
        ["3/2"],
        ["exact", "warnings"],
    )


def test_library_takes_numpy_arrays_and_keeps_engine_warnings() -> None:
    result = run("conv1d", np.array([1.5, 2.5], dtype=np.float32), np.array([2, 2]))
    assert result.output.tolist() == [8.0]
    # beyond int64: exact in Python ints, with the engine's SlowPathWarning as a warning
    big = run("conv1d", [2**62, 2**62], [3, 3])
    assert big.output.tolist() == [6 * 2**62]
    assert any("beyond int64" in w for w in big.warnings)


def test_library_at_and_explain() -> None:
    # two output channels at spatial position 1: one element per channel
    result = run("conv1d", [[1, 2, 3]], [[[1]], [[2]]], at=1)
    assert result.at == ((0, 0, 1), (0, 1, 1))
    assert result.explanation is not None
    assert [e.value for e in result.explanation.elements] == [2, 4]
    # all indexes, negative from the end; an int for one axis
    assert run("conv1d", [[1, 2, 3]], [[[1]], [[2]]], at=(1, -1)).at == ((0, 1, 2),)
    assert run("maxpool1d", [1, 2, 3, 4], kernel_size=2, at=-1).at == ((0, 0, 1),)
    # explain: the first elements; 2-D: the padded input planes around the first window
    result = run("maxpool2d", [[1, 2], [3, 4]], kernel_size=2, padding=1, explain=True)
    assert result.explanation is not None
    assert [e.value for e in result.explanation.elements] == [1, 2, 3, 4]
    assert [p.channel for p in result.planes] == [0]


LIBRARY_ERRORS = [
    # the CLI's messages, as ConvcalcError subclasses (ValueErrors)
    (("conv1d", [[1, 2], [3]], [1]), {}, InputError, "input: ragged nested lists"),
    (("conv1d", [True, 1], [1]), {}, InputError, "input: found a boolean"),
    (("conv1d", [[1, 2, 3]], [[[1], [1]]]), {}, InputError, "expects 2 input channels"),
    (("conv1d", [1, 2, 3], [[[1]], [[1]]]), {}, InputError, "2 output channels cannot fit"),
    (("conv1d", [1, 2], [1, 2, 3]), {}, LayerError, "kernel_size: on axis L"),
    (("conv1d", [1, 2, 3], [1]), {"stride": 0}, LayerError, "stride: must be ≥ 1, got 0"),
    (("maxpool1d", [1, 2, 3]), {"kernel_size": 2, "at": 5}, InputError, "at: index 5 is out"),
    (("conv9d", [1]), {}, LayerError, "unknown layer kind 'conv9d'"),
    # what only Python callers can get wrong
    (("conv1d", [1, 2]), {}, InputError, "weight: Conv1d needs a weight array"),
    (("conv1d", [1, 2], [1]), {"kernel_size": 1}, LayerError, "kernel_size: comes from the"),
    (("conv1d", [1, 2], [1]), {"bias": True}, InputError, "bias: give the bias values"),
    (("conv1d", [1, 2], [1]), {"groups": "2"}, LayerError, "groups: must be an int, got '2'"),
    (("maxpool1d", [1, 2], [1]), {"kernel_size": 1}, InputError, "weight: MaxPool1d has no"),
    (("maxpool1d", [1, 2]), {"kernel_size": 1, "at": "0"}, InputError, "at: expected integer"),
    (("maxpool1d", [1, 2]), {"kernel_size": 1, "groups": 2}, LayerError, "groups"),
]


@pytest.mark.parametrize(("args", "options", "error", "message"), LIBRARY_ERRORS)
def test_library_errors(args: tuple, options: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as caught:
        run(*args, **options)
    assert isinstance(caught.value, ConvcalcError)
    assert "\n" not in str(caught.value)
