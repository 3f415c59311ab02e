"""Bounded work for `convcalc run` (issue 17): every run is answered quickly or refused, before
it starts, in one line naming the bound and the size, under a 3 GiB address-space limit.

The hostile cases of the issue and a family around each (sizes from 10**3 to 2**63 and
beyond) run in a subprocess whose address space is capped with RLIMIT_AS; answers are
checked against values worked out by hand in the comments (or against torch, where torch can
compute them), refusals against the bound they must name.  In-process tests cover the pieces:
`meet` and the pair lists against brute force, every engine method against torch, the .npy
header checks, the explanation budget, `--at`'s layout and `run`'s pointer from -k to -w.
"""

from __future__ import annotations

import dataclasses
import io
import json
from fractions import Fraction
from itertools import product
from pathlib import Path

import numpy as np
import pytest
from bounded_runs import run_bounded
from conftest import assert_clean_error, require_torch
from hypothesis import given, settings
from hypothesis import strategies as st

from convcalc.arithmetic import analyze
from convcalc.errors import ConvcalcError, InputError
from convcalc.execute import BoundError, bounds, convolution, run_layer
from convcalc.explain import MAX_EXPLAIN_TERMS, _landing
from convcalc.runs import MAX_JSON_ELEMENTS, run
from convcalc.specs import make_spec

SECONDS = 3.0  # "a second or two" (~1 s measured at the bounds), with room for a busy machine


def run_limited(cases: list[list[str]]) -> list[tuple[int, float, str, str]]:
    """(exit code, wall seconds, stdout, stderr) of each command line, under 3 GiB."""
    return [(o.code, o.wall, o.out, o.err) for o in run_bounded(cases)]


def assert_bounded(args: list[str], result: tuple[int, float, str, str]) -> None:
    """Answered, or refused in one `Error:` line; never an internal error; in time."""
    code, seconds, out, err = result
    where = " ".join(args)[:200]
    assert code in (0, 1), f"{where}: exit {code}\n{err}"
    assert seconds < SECONDS, f"{where}: {seconds:.2f} s"
    assert "internal error" not in err, f"{where}: {err}"
    assert "Traceback" not in err, f"{where}: {err}"
    if code == 1:
        assert err.startswith("Error: "), f"{where}: {err}"
        assert err.count("\n") == 1, f"{where}: {err}"
        assert out == "", f"{where}: {out}"


def refused_by(result: tuple[int, float, str, str], name: str) -> bool:
    code, _, _, err = result
    return code == 1 and f"({name})" in err and "at most" in err


def json_output(result: tuple[int, float, str, str]) -> dict:
    code, _, out, err = result
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def arrays(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The issue's array files: a 100×100 image, square weights of ones, an empty batch, a
    200-byte .npy declaring (1, 1, 25000, 25000) float64, and a 484 MB int8 file (sparse)."""
    d = tmp_path_factory.mktemp("arrays")
    np.save(d / "x100.npy", np.arange(10_000).reshape(100, 100))
    np.save(d / "x300.npy", np.ones((300, 300)))
    for k in (100, 300, 400):
        np.save(d / f"ones{k}.npy", np.ones((k, k)))
    np.save(d / "empty.npy", np.zeros((0, 1, 5)))
    _npy_header(d / "lie.npy", "<f8", (1, 1, 25000, 25000), data=b"\0" * 100)
    _npy_header(d / "int8.npy", "|i1", (1, 1, 22000, 22000), sparse=22000 * 22000)
    return d


def _npy_header(
    path: Path, descr: str, shape: tuple[int, ...], *, data: bytes = b"", sparse: int = 0
) -> None:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    with path.open("wb") as handle:
        handle.write(header.getvalue() + data)
        if sparse:
            handle.truncate(len(header.getvalue()) + sparse)


# --- the issue's cases, each a test -------------------------------------------------------------

# (args, expected): a bound's name for a refusal, else the exact --json output.
ISSUE_CASES = [
    # output too large
    (["convtranspose2d", "-i", "@x100.npy", "-w", "[[1]]", "-s", "1000"], "MAX_ELEMENTS"),
    (["conv1d", "-i", "[1,2,3]", "-w", "[1]", "-p", "1000000000"], "MAX_ELEMENTS"),
    (["conv2d", "-i", "[[1,2],[3,4]]", "-w", "[[1]]", "-p", "30000"], "MAX_ELEMENTS"),
    (["conv3d", "-i", "[[[1]]]", "-w", "[[[1]]]", "-p", "1000"], "MAX_ELEMENTS"),
    (["adaptiveavgpool2d", "-i", "[[1,2],[3,4]]", "--output-size", "100000"], "MAX_ELEMENTS"),
    (["adaptiveavgpool1d", "-i", "[1,2,3]", "--output-size", "100000000"], "MAX_ELEMENTS"),
    # work out of proportion: a one-element output, whatever the stride
    (["convtranspose1d", "-i", "[1]", "-w", "[1]", "-s", "10000000000", "--json"], [1]),
    # inputs land at −5·10⁷ and 5·10⁷: nothing reaches output 0
    (
        ["convtranspose1d", "-i", "[1,2]", "-w", "[1]", "-s", "100000000", "-p", "50000000"],
        "answered",
    ),
    (
        ["convtranspose2d", "-i", "[[1,2],[3,4]]", "-w", "[[1]]", "-s", "100000000,1"],
        "MAX_ELEMENTS",
    ),
    # windows [o − 5·10⁷, o + 5·10⁷) for o = 0..3 all hold 1, 2, 3: max 3
    (
        ["maxpool1d", "-i", "[1,2,3]", "-k", "100000000", "-p", "50000000", "-s", "1", "--json"],
        [3, 3, 3, 3],
    ),
    # one window [−5·10⁸, 5·10⁸ + 1) of 10⁹ + 1 elements, padding counted: 6/1000000001
    (["avgpool1d", "-i", "[1,2,3]", "-k", "1000000001", "-p", "500000000"], "answered"),
    # 3·10⁷ exact Fractions
    (["adaptiveavgpool1d", "-i", "[1,2,3]", "--output-size", "30000000"], "MAX_PYTHON_WORK"),
    # one input element: the output is the kernel itself
    (["convtranspose2d", "-i", "[[1]]", "-w", "@ones400.npy"], "answered"),
    (["conv2d", "-i", "@x300.npy", "-w", "@ones300.npy", "-p", "299"], "MAX_MULTIPLY_ADDS"),
    # internal errors before: a stride of 2**63 − 1 gives one output, x[0]
    (["conv1d", "-i", "[1,2,3]", "-w", "[1]", "-s", "9223372036854775807", "--json"], [1]),
    # windows at −10⁹, 0, 10⁹ on each axis: only the centre reads x[0, 0]
    (
        [
            *("conv2d", "-i", "[[1,2],[3,4]]", "-w", "[[1]]"),
            *("-p", "1000000000", "-s", "1000000000", "--json"),
        ],
        [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    ),
    (
        ["adaptiveavgpool1d", "-i", "[1,2,3]", "--output-size", "9223372036854775807"],
        "MAX_ELEMENTS",
    ),
    # 1.5, 2, 3, 4 summed and divided by 2**63 − 1
    (
        [
            *("avgpool2d", "-i", "[[1.5,2],[3,4]]", "-k", "2"),
            *("--divisor-override", "9223372036854775807", "--json"),
        ],
        [[10.5 / (2**63 - 1)]],
    ),
    # an empty batch with a huge axis: nothing to explain
    (["conv1d", "-i", "@empty.npy", "-w", "[1]", "-p", "100000000", "--explain"], "answered"),
    # … but NumPy cannot even hold an empty (0, 1, 2·10¹⁸ + 5)
    (["conv1d", "-i", "@empty.npy", "-w", "[1]", "-p", str(10**18)], "NUMPY_MAX_BYTES"),
    # .npy headers checked before any data is read
    (["conv1d", "-i", "@lie.npy", "-w", "[1]"], "MAX_NPY_BYTES"),
    (["conv2d", "-i", "[[1]]", "-w", "@lie.npy"], "MAX_NPY_BYTES"),
    (["conv2d", "-i", "@int8.npy", "-w", "[[1]]"], "MAX_ELEMENTS"),
    (["maxpool2d", "-i", "@int8.npy", "-k", "1"], "MAX_ELEMENTS"),
]


def test_the_issue_cases_are_answered_or_refused_under_3_gib(arrays: Path) -> None:
    cases = [
        ["run", *(a.replace("@", f"@{arrays}/") if a.startswith("@") else a for a in args)]
        for args, _ in ISSUE_CASES
    ]
    results = run_limited(cases)
    for args, (_, expected), result in zip(cases, ISSUE_CASES, results, strict=True):
        assert_bounded(args, result)
        if expected == "answered":
            assert result[0] == 0, result[3]
        elif isinstance(expected, str):
            assert refused_by(result, expected), (args, result[3])
        else:
            assert json_output(result)["output"] == expected, args


def test_answers_of_the_issue_cases_hold_their_values() -> None:
    # inputs at −5·10⁷ and 5·10⁷ miss the one output
    assert run("convtranspose1d", [1, 2], [1], stride=10**8, padding=5 * 10**7).output.tolist() == [
        0
    ]
    # a window of 10⁹ + 1 elements with padding counted
    avg = run("avgpool1d", [1, 2, 3], kernel_size=10**9 + 1, padding=5 * 10**8)
    assert avg.output.tolist() == [Fraction(6, 10**9 + 1)]
    # one input element under a 400×400 kernel of ones: the output is that kernel
    out = run("convtranspose2d", [[1]], np.ones((400, 400), dtype=np.int64)).output
    assert out.shape == (400, 400)
    assert (out == 1).all()


def test_the_python_int_path_has_a_bound_too(tmp_path: Path) -> None:
    # 200×200 inputs of 2**1023 under a 30×30 kernel: 24 limbs of Python-int work per element
    x = np.full((200, 200), 2**1023, dtype=object)
    with pytest.raises(BoundError) as caught:
        run("conv2d", x, np.ones((30, 30), dtype=np.int64))
    assert caught.value.name == "MAX_PYTHON_WORK"
    # a 20×20 input of the same values is answered, exactly
    small = run("conv2d", np.full((20, 20), 2**1023, dtype=object), np.ones((3, 3), np.int64))
    assert small.output[0, 0] == 9 * 2**1023


def test_a_uint64_file_beyond_int64_is_refused_before_its_python_ints(tmp_path: Path) -> None:
    # 14M values of 2**64 − 1 (the issue's file had 16M): ~5 units each as Python ints
    np.save(tmp_path / "u64.npy", np.full(14_000_000, 2**64 - 1, dtype=np.uint64))
    results = run_limited([["run", "conv1d", "-i", f"@{tmp_path}/u64.npy", "-w", "[1]"]])
    assert refused_by(results[0], "MAX_PYTHON_WORK"), results[0][3]


def test_a_128_mb_input_still_answers(tmp_path: Path) -> None:
    # 4096×4096 float64 = 128 MiB, a 3×3 'same' convolution of ones: interior sums are 9·x
    x = np.full((4096, 4096), 0.5)
    np.save(tmp_path / "big.npy", x)
    args = ["run", "conv2d", "-i", f"@{tmp_path}/big.npy", "-w", "[[1,1,1],[1,1,1],[1,1,1]]"]
    (result,) = run_limited([[*args, "-p", "1"]])
    assert result[0] == 0, result[3]
    assert "input (4096, 4096) → output (4096, 4096)" in result[2]
    assert "4.5" in result[2]  # an interior element: nine halves


# --- families around each case: sizes from 10**3 to 2**63 and beyond --------------------------

SIZES = [10**3, 10**4, 10**5, 10**6, 10**7, 10**9, 10**12, 10**18, 2**63 - 1, 2**63, 10**30]
INT64_MAX = 2**63 - 1


def _family(template: list[str], sizes: list[int] = SIZES) -> list[list[str]]:
    return [[a.format(S=S, H=S // 2, S1=S + 1) for a in template] for S in sizes]


FAMILIES = {
    "outputs": [
        ["convtranspose2d", "-i", "@x100.npy", "-w", "[[1]]", "-s", "{S}"],
        ["convtranspose2d", "-i", "[[1,2],[3,4]]", "-w", "[[1]]", "-s", "{S}"],
        ["conv1d", "-i", "[1,2,3]", "-w", "[1]", "-p", "{S}"],
        ["conv1d", "-i", "[1,2,3]", "-w", "[1]", "-p", "{S}", "--json"],
        ["conv2d", "-i", "[[1,2],[3,4]]", "-w", "[[1]]", "-p", "{S}"],
        ["conv3d", "-i", "[[[1]]]", "-w", "[[[1]]]", "-p", "{S}"],
        ["adaptiveavgpool2d", "-i", "[[1,2],[3,4]]", "--output-size", "{S}"],
        ["adaptiveavgpool1d", "-i", "[1,2,3]", "--output-size", "{S}"],
        ["adaptiveavgpool1d", "-i", "[1.5,2,3]", "--output-size", "{S}"],
        ["adaptivemaxpool1d", "-i", "[1,2,3]", "--output-size", "{S}", "--explain"],
    ],
    "strides": [
        ["convtranspose1d", "-i", "[1]", "-w", "[1]", "-s", "{S}"],
        ["convtranspose1d", "-i", "[1,2]", "-w", "[1]", "-s", "{S}", "-p", "{H}"],
        ["convtranspose2d", "-i", "[[1,2],[3,4]]", "-w", "[[1]]", "-s", "{S},1"],
        ["convtranspose1d", "-i", "[1,2,3]", "-w", "[1,2]", "-s", "3", "-d", "{S}", "-p", "{H}"],
        ["conv1d", "-i", "[1,2,3]", "-w", "[1]", "-s", "{S}"],
        ["conv2d", "-i", "[[1,2],[3,4]]", "-w", "[[1]]", "-p", "{S}", "-s", "{S}"],
        ["conv1d", "-i", "[1,2,3]", "-w", "[1,1]", "-d", "{S}", "-p", "{S}", "-s", "{S}"],
        ["conv1d", "-i", "[1,2,3]", "-w", "[1,1]", "-d", "{S}", "-p", "{S}", "--at", "0"],
        [
            *("conv2d", "-i", "[[1,2],[3,4]]", "-w", "[[1]]", "-p", "{S}", "-s", "{S}"),
            *("--padding-mode", "replicate"),
        ],
    ],
    "pools": [
        ["maxpool1d", "-i", "[1,2,3]", "-k", "{S}", "-p", "{H}", "-s", "1"],
        ["maxpool1d", "-i", "[1,2,3]", "-k", "{S}", "-p", "{H}", "-s", "1", "--explain"],
        ["avgpool1d", "-i", "[1,2,3]", "-k", "{S1}", "-p", "{H}"],
        ["avgpool1d", "-i", "[1,2,3]", "-k", "{S1}", "-p", "{H}", "--ceil-mode", "-s", "2"],
        ["avgpool2d", "-i", "[[1,2],[3,4]]", "-k", "{S1}", "-p", "{H}", "--no-count-include-pad"],
        ["avgpool2d", "-i", "[[1.5,2],[3,4]]", "-k", "2", "--divisor-override", "{S}"],
        ["avgpool2d", "-i", "[[1,2],[3,4]]", "-k", "2", "--divisor-override", "{S}"],
        ["maxpool2d", "-i", "@x100.npy", "-k", "{S}", "-p", "{H}", "-s", "{S}"],
    ],
    "explain": [
        ["conv1d", "-i", "@empty.npy", "-w", "[1]", "-p", "{S}", "--explain"],
        ["convtranspose1d", "-i", "@empty.npy", "-w", "[1]", "-s", "{S}", "--explain"],
        ["maxpool1d", "-i", "@empty.npy", "-k", "{S}", "-p", "{H}", "--explain"],
        ["conv1d", "-i", "[{S}, 1, 2]", "-w", "[3, 4]", "--explain"],
        ["convtranspose1d", "-i", "[1, 2, {S}]", "-w", "[3, 4]", "-s", "2", "--explain"],
        ["maxpool1d", "-i", "[{S}, -{S}, 2]", "-k", "2", "-s", "1", "--json"],
    ],
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_families_are_answered_or_refused_under_3_gib(arrays: Path, family: str) -> None:
    cases = [
        ["run", *(a.replace("@", f"@{arrays}/") if a.startswith("@") else a for a in args)]
        for template in FAMILIES[family]
        for args in _family(template)
    ]
    for args, result in zip(cases, run_limited(cases), strict=True):
        assert_bounded(args, result)


def test_family_answers_hold_their_values() -> None:
    """Answers known for every size S = 10**3 … 10**18: one output under a huge stride, the
    centre of a strided padding, windows holding the whole input, one long average."""
    sizes = [10**k for k in (3, 4, 5, 6, 9, 12, 15, 18)]
    templates = [
        ["convtranspose1d", "-i", "[1]", "-w", "[1]", "-s", "{S}"],
        ["conv1d", "-i", "[1,2,3]", "-w", "[1]", "-s", "{S}"],
        ["conv2d", "-i", "[[1,2],[3,4]]", "-w", "[[1]]", "-p", "{S}", "-s", "{S}"],
        ["maxpool1d", "-i", "[1,2,3]", "-k", "{S}", "-p", "{H}", "-s", "1"],
        ["avgpool1d", "-i", "[1,2,3]", "-k", "{S1}", "-p", "{H}"],
    ]
    cases = [["run", *args, "--json"] for S in sizes for t in templates for args in _family(t, [S])]
    results = iter(run_limited(cases))
    for S in sizes:
        # (1 − 1)·S + 1 = 1 output, x[0]·w[0]
        assert json_output(next(results))["output"] == [1]
        # ⌊(3 − 1)/S⌋ + 1 = 1 output, x[0]
        assert json_output(next(results))["output"] == [1]
        # ⌊(2 + 2S − 1)/S⌋ + 1 = 3 windows at −S, 0, S per axis: only the centre meets x[0, 0]
        assert json_output(next(results))["output"] == [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
        # 3 + S − S + 1 = 4 windows [o − S/2, o + S/2), each holding 1, 2, 3
        assert json_output(next(results))["output"] == [3, 3, 3, 3]
        # one window of S + 1 positions, padding counted (S + 1 is odd and not a multiple of 3)
        assert json_output(next(results))["exact"] == [f"6/{S + 1}"]


# --- the pieces -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (999_999, "999,999"),
        (9_801_198_001, "9.8 billion"),
        (2_000_000_003, "2 billion"),
        (2**63 - 1, "9.22 quintillion"),
        (4 * 10**24, "4e+24"),
    ],
)
def test_amounts_in_messages(value: int, text: str) -> None:
    assert bounds.amount(value) == text


def test_the_issue_message_names_the_shape_the_count_and_the_bound() -> None:
    with pytest.raises(BoundError) as caught:
        run("convtranspose2d", np.arange(10_000).reshape(100, 100), [[1]], stride=1000)
    assert str(caught.value) == (
        "ConvTranspose2d: the output (1, 99001, 99001) has 9.8 billion elements; `run` holds "
        "at most 33,554,432 (MAX_ELEMENTS)"
    )
    assert (caught.value.name, caught.value.size) == ("MAX_ELEMENTS", 99001**2)
    assert isinstance(caught.value, InputError)


def _landing_pairs(sources: int, kernel: int, s: int, d: int, p: int, size: int) -> set:
    return {
        (a, t) for a, t in product(range(sources), range(kernel)) if 0 <= a * s + t * d - p < size
    }


small = st.integers(1, 7)


@settings(max_examples=300, deadline=None)
@given(small, small, small, small, st.integers(0, 25), small)
def test_meet_holds_every_landing_pair(
    sources: int, kernel: int, s: int, d: int, p: int, size: int
) -> None:
    pairs = _landing_pairs(sources, kernel, s, d, p, size)
    m = convolution.meet(sources, kernel, s, d, p, size)
    if m is None:
        assert not pairs
        return
    for a, t in pairs:  # the ranges hold every pair (dilation's holes may leave none)
        assert m.first <= a < m.first + m.count
        assert m.tap <= t < m.tap + m.taps
    listed = convolution._pairs(m, s, d, p, size)
    found = {(int(a), int(t)) for a, t in zip(listed[0], listed[1], strict=True)}
    assert found == pairs
    assert all(int(q) == a * s + t * d - p for a, t, q in zip(*listed, strict=True))


def test_meet_is_exact_for_huge_numbers() -> None:
    # windows at o·10⁹ − 10⁹ on a 2-element axis: only o = 1 reads (x[0])
    assert convolution.meet(3, 1, 10**9, 1, 10**9, 2) == convolution.Meet(1, 1, 0, 1)
    # taps 10¹⁸ apart: a 3-element input meets tap 1 of window 0 and tap 0 of window 1
    m = convolution.meet(2, 2, 10**18, 10**18, 10**18, 3)
    assert m == convolution.Meet(0, 2, 0, 2)
    assert convolution.meet(1, 1, 2**63 - 1, 1, 2**62, 3) is None


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 6), st.integers(1, 4), st.integers(1, 9), st.integers(1, 7), st.integers(0, 9)
)
def test_landing_lists_what_lands_on_an_output(n: int, k: int, s: int, d: int, p: int) -> None:
    spec = make_spec(
        "convtranspose1d",
        in_channels=1,
        out_channels=1,
        kernel_size=k,
        stride=s,
        dilation=d,
        padding=p,
        output_padding=0,
    )
    try:
        shape = analyze(spec, (1, 1, n))
    except ConvcalcError:
        return
    axis = shape.windows[0]
    for o in range(axis.output):
        expected = sorted((i, t) for i, t in product(range(n), range(k)) if i * s + t * d - p == o)
        assert _landing(o, axis, n) == expected


# every engine method of a (transposed) convolution against torch
LAYERS = st.tuples(
    st.sampled_from(["conv", "convtranspose"]),
    st.integers(1, 2),  # dims
    st.integers(1, 2),  # groups
    st.integers(1, 5),  # size
    st.integers(1, 4),  # kernel
    st.sampled_from([1, 2, 3, 7, 20]),  # stride
    st.sampled_from([1, 2, 5, 13]),  # dilation
    st.sampled_from([0, 1, 2, 5, 17]),  # padding
    st.booleans(),  # integer input
)


@settings(max_examples=120, deadline=None)
@given(LAYERS)
def test_every_method_agrees_with_torch(layer: tuple) -> None:
    torch = require_torch()
    family, dims, groups, size, k, s, d, p, integers = layer
    kind = f"{family}{dims}d"
    args = dict(
        in_channels=2 * groups,
        out_channels=2 * groups,
        kernel_size=k,
        stride=s,
        dilation=d,
        padding=p,
        groups=groups,
    )
    try:
        spec = make_spec(kind, **args)
        shape = analyze(spec, (1, 2 * groups, *(size,) * dims))
    except ConvcalcError:
        return
    rng = np.random.default_rng(size * 31 + k)
    x = rng.integers(-9, 10, shape.input_shape)
    w = rng.integers(-9, 10, shape.weight_shape)
    b = rng.integers(-9, 10, shape.bias_shape)
    if not integers:
        x, w, b = (a + rng.uniform(-0.5, 0.5, a.shape) for a in (x, w, b))
    fn = getattr(
        torch.nn.functional,
        f"conv_transpose{dims}d" if family == "convtranspose" else f"conv{dims}d",
    )
    expected = fn(
        *(torch.from_numpy(a.astype(np.float64)) for a in (x, w, b)),
        stride=s,
        padding=p,
        dilation=d,
        groups=groups,
    ).numpy()
    base = convolution.plan(shape)
    methods = (
        ["bias"]
        if base.method == "bias"
        else ["pairs", "phases" if family == "convtranspose" else "grid"]
    )
    for method in methods:
        way = dataclasses.replace(base, method=method, whole=False)
        if family == "conv":
            got = convolution.conv(spec, shape, way, x, w, b, integers)
        else:
            got = convolution.conv_transpose(shape, way, x, w, b, integers)
        np.testing.assert_allclose(got.astype(np.float64), expected, rtol=1e-9, atol=1e-9)
        if integers:
            assert got.dtype == np.int64


@pytest.mark.parametrize(
    ("kind", "kernel", "padding", "stride"),
    [
        ("maxpool1d", 10_000, 5_000, 1),
        ("avgpool1d", 10_001, 5_000, 1),
        ("avgpool1d", 10_001, 5_000, 7),
        ("maxpool1d", 9, 4, 3),
    ],
)
def test_pools_with_huge_kernels_agree_with_torch(
    kind: str, kernel: int, padding: int, stride: int
) -> None:
    torch = require_torch()
    x = np.arange(1.0, 8.0)[None, None]
    spec = make_spec(kind, kernel_size=kernel, padding=padding, stride=stride)
    fn = getattr(torch.nn.functional, "max_pool1d" if kind.startswith("max") else "avg_pool1d")
    expected = fn(torch.from_numpy(x), kernel, stride=stride, padding=padding).numpy()
    np.testing.assert_allclose(run_layer(spec, x), expected)


def test_pool_reads_skip_taps_that_read_only_padding() -> None:
    shape = analyze(make_spec("maxpool1d", kernel_size=10**8, padding=5 * 10**7, stride=1), (1, 3))
    from convcalc.execute import pooling

    # 4 outputs × 6 taps that reach the input (at most), not 10⁸ taps
    assert pooling.reads(shape) < 10**5


def test_a_transposed_conv_lists_only_the_phases_that_receive_a_tap() -> None:
    # stride 10¹⁰: one class of taps, not 10¹⁰ phases
    phases = convolution._transposed_phases(1, 1, 10**10, 1, 0, 1)
    assert [(p.first, p.count) for p in phases] == [(0, 1)]


# --- .npy files ----------------------------------------------------------------------------


def test_npy_header_is_checked_before_reading(arrays: Path) -> None:
    from convcalc.arrays import read_array

    with pytest.raises(InputError, match=r"declares \(1, 1, 25000, 25000\) float64.*MAX_NPY_BYTES"):
        read_array(f"@{arrays}/lie.npy", "input")
    with pytest.raises(BoundError, match=r"484 million elements.*MAX_ELEMENTS"):
        read_array(f"@{arrays}/int8.npy", "input")


def test_npy_files_still_read_as_before(tmp_path: Path) -> None:
    from convcalc.arrays import read_array

    a = np.arange(12, dtype=np.int8).reshape(3, 4)
    np.save(tmp_path / "c.npy", a)
    np.save(tmp_path / "f.npy", np.asfortranarray(a.astype(np.float32)))
    assert read_array(f"@{tmp_path}/c.npy", "x").tolist() == a.tolist()
    fortran = read_array(f"@{tmp_path}/f.npy", "x")
    assert fortran.dtype == np.float64
    assert fortran.tolist() == a.tolist()
    # version 2.0 headers, and stdin
    with (tmp_path / "v2.npy").open("wb") as handle:
        np.lib.format.write_array(handle, a, version=(2, 0))
    assert read_array(f"@{tmp_path}/v2.npy", "x").tolist() == a.tolist()
    stdin = io.BytesIO((tmp_path / "c.npy").read_bytes())
    assert read_array("-", "x", stdin=stdin).tolist() == a.tolist()


def test_a_truncated_npy_says_so(tmp_path: Path) -> None:
    from convcalc.arrays import read_array

    _npy_header(tmp_path / "t.npy", "<i8", (4,), data=b"\0" * 8)
    with pytest.raises(InputError, match="declares 32 bytes of data, it holds 8"):
        read_array(f"@{tmp_path}/t.npy", "x")


# --- explanations, JSON ------------------------------------------------------------------------


def test_explanations_fit_their_budget() -> None:
    # 90,000 terms per element (a 300×300 kernel): fewer elements, never more terms
    w = np.ones((300, 300), dtype=np.int64)
    result = run("conv2d", np.ones((301, 300), dtype=np.int64), w, explain=True)
    assert result.explanation is not None
    assert len(result.explanation.elements) == 1
    assert result.explanation.more == 1
    assert result.explanation.elements[0].value == 90_000
    with pytest.raises(BoundError) as caught:
        run("maxpool1d", [1, 2, 3], kernel_size=10**6, padding=5 * 10**5, stride=1, at=0)
    assert caught.value.name == "MAX_EXPLAIN_TERMS"
    assert caught.value.bound == MAX_EXPLAIN_TERMS


def test_a_large_transposed_kernel_is_explained_by_element() -> None:
    w = np.arange(36).reshape(6, 6)
    result = run("convtranspose2d", [[2]], w, explain=True)
    assert result.explanation is not None
    assert not result.explanation.scatter
    assert [e.value for e in result.explanation.elements[:3]] == [0, 2, 4]


def test_at_on_every_channel_of_a_huge_batch_stays_lazy() -> None:
    # 2**20 batch items × 1 channel: `at` names all of them, explain makes 12
    x = np.zeros((2**20, 1, 2), dtype=np.int64)
    result = run("maxpool1d", x, kernel_size=1, at=(1,))
    assert result.explanation is not None
    assert len(result.explanation.elements) == 12
    assert result.explanation.more == 2**20 - 12


def test_json_has_a_bound() -> None:
    result = run("conv1d", np.zeros(MAX_JSON_ELEMENTS + 1, dtype=np.int64), [1])
    with pytest.raises(BoundError, match="MAX_JSON_ELEMENTS"):
        result.to_json()


# --- issue 15: `--at` shows its element first; -k points to -w ------------------------------


def test_at_shows_the_explanation_and_only_a_preview_around_the_element(cli) -> None:
    x = json.dumps(np.arange(8 * 36).reshape(8, 6, 6).tolist())
    result = cli("run", "maxpool2d", "-i", x, "-k", "1", "--at", "0,3,4")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # the header, then the element's line: no table of the 8 channels first
    assert lines[3:5] == ["window values", "out[0, 3, 4] = max(22) = 22"]
    assert "channel 1" not in result.stdout
    near = lines[lines.index("output near out[0, 3, 4]") :]
    # rows 1–5 and columns 2–5 of channel 0 (3 ± 2, 4 ± 2 within 6), the element marked
    assert near[1].split() == ["2", "3", "4", "5"]
    assert [row.split()[0] for row in near[3:]] == ["1", "2", "3", "4", "5"]
    assert near[5].split() == ["3", "20", "21", "[22]", "23"]


def test_run_conv_points_from_k_to_the_weight(cli) -> None:
    result = cli("run", "conv2d", "-i", "[[1,2],[3,4]]", "-k", "[[1,0],[0,1]]")
    assert_clean_error(result, 2, "-w / --weight / --kernel (-w '[[1,0],[0,1]]')")
    # pools keep -k as their kernel size
    assert cli("run", "maxpool2d", "-i", "[[1,2],[3,4]]", "-k", "2").exit_code == 0
