"""`convcalc solve` in bounded time and memory: every question answered, or refused in one
`Error:` line, within a second, under a 3 GiB address-space limit — whatever the sizes.

The families run the real CLI in a subprocess with RLIMIT_AS at 3 GiB (as the hostile-input
run of issue 17 did), one process per family, timing each command line by its CPU time.
"""

from __future__ import annotations

import json

import pytest
from bounded_runs import MEMORY, run_bounded
from conftest import assert_clean_error

# CPU seconds one command line may take, start-up and imports excluded (issue 17: "within a
# second or two"; the worst measured is 0.4 s, on a shared 2-core machine)
SECONDS = 1.5

# sizes around every bound: small, huge, int64's edges, beyond int64, beyond any float
SIZES = [10**3, 10**9, 2**62, 2**63 - 1, 2**63, 10**30]


def _run_family(lines: list[list[str]]) -> list[dict[str, object]]:
    """Run each command line in one child under the memory limit: exit code, output, CPU time."""
    return [
        {"args": o.args, "code": o.code, "out": o.out, "err": o.err, "seconds": o.cpu}
        for o in run_bounded(
            lines, memory=MEMORY, preload=("convcalc.render.solve", "convcalc.solve")
        )
    ]


def _check(results: list[dict[str, object]]) -> None:
    for result in results:
        where = " ".join(map(str, result["args"]))  # type: ignore[call-overload]
        err, out = str(result["err"]), str(result["out"])
        assert result["seconds"] < SECONDS, (where, result["seconds"])  # type: ignore[operator]
        assert "internal error" not in err + out, (where, err)
        assert "Traceback" not in err + out, (where, err)
        if result["code"] == 0:
            assert out, where
        elif result["code"] == 1:
            # a refusal or no answer: one Error: line (--json prints the object instead)
            if "--json" not in where:
                assert err.startswith("Error: "), (where, err)
                assert err.count("\n") == 1, (where, err)
        else:  # 2: a malformed command line (a value click cannot read as an int)
            assert result["code"] == 2, (where, result["code"], err)
            assert "Error:" in err, (where, err)


def _sizes(template: list[str]) -> list[list[str]]:
    """The template with N (and N2 = N // 2, N3 = 3·N) for every size of SIZES."""
    lines = []
    for n in SIZES:
        names = {"N": n, "N2": n // 2, "N3": 3 * n}
        lines.append([part.format(**names) for part in template])
    return lines


FAMILIES = {
    "padding": [
        ["solve", "padding", "conv2d", "-i", "224", "-k", "3", "-s", "{N}", "-t", "2"],
        ["solve", "padding", "conv2d", "-i", "224", "-k", "3", "-d", "{N}", "-t", "2"],
        ["solve", "padding", "conv1d", "-i", "224", "-k", "{N}", "-t", "5", "--json"],
        ["solve", "padding", "conv3d", "-i", "{N}", "-k", "3", "-s", "2", "-t", "5"],
        ["solve", "padding", "conv1d", "-i", "10", "-k", "3", "-t", "{N}"],
        ["solve", "padding", "conv2d", "-i", "{N}", "-k", "3", "-t", "{N}"],
        ["solve", "padding", "convtranspose2d", "-i", "28", "-k", "3", "-s", "{N}", "-t", "56"],
        ["solve", "padding", "convtranspose1d", "-i", "{N}", "-k", "4", "-s", "2", "-t", "57"],
        ["solve", "padding", "convtranspose1d", "-i", "3", "-k", "{N}", "-d", "{N}", "-t", "9"],
        ["solve", "padding", "maxpool2d", "-i", "{N}", "-k", "3", "-s", "2", "-t", "56"],
        ["solve", "padding", "maxpool1d", "-i", "9", "-k", "{N}", "-s", "1", "-t", "9"],
        ["solve", "padding", "avgpool3d", "-i", "224", "-k", "{N}", "-t", "2", "--ceil-mode"],
    ],
    "inputs": [
        ["solve", "inputs", "conv2d", "-k", "3", "-s", "{N}", "-t", "2"],
        ["solve", "inputs", "conv1d", "-k", "{N}", "-t", "5", "--json"],
        ["solve", "inputs", "conv3d", "-k", "3", "-d", "{N}", "-t", "5"],
        ["solve", "inputs", "conv1d", "-k", "3", "-p", "{N}", "-t", "5"],
        ["solve", "inputs", "convtranspose1d", "-k", "3", "-s", "{N}", "-p", "1", "-t", "56"],
        ["solve", "inputs", "convtranspose1d", "-k", "3", "-s", "2", "-p", "{N}", "-t", "56"],
        ["solve", "inputs", "convtranspose2d", "-k", "3", "-s", "2", "-t", "{N}"],
        ["solve", "inputs", "maxpool1d", "-k", "{N}", "-p", "{N2}", "-s", "1", "-t", "3"],
        ["solve", "inputs", "avgpool3d", "-k", "3", "-t", "{N}"],
        ["solve", "inputs", "avgpool1d", "-k", "{N}", "-p", "{N2}", "-t", "3"],
    ],
    "transpose": [
        ["solve", "transpose", "-f", "Conv1d(3, 16, {N}, padding='same')", "-i", "3,56"],
        [
            "solve",
            "transpose",
            "-f",
            "Conv1d(1, 1, 3, padding=-{N}, padding_mode='replicate')",
            "-i",
            "1,1,{N3}",
        ],
        ["solve", "transpose", "-f", "Conv1d(1, 1, 3, stride={N})", "-i", "1,1,{N}"],
        ["solve", "transpose", "-f", "Conv2d(1, 1, 3, stride={N})", "-i", "{N},{N}"],
        ["solve", "transpose", "-f", "Conv1d(1, 1, 3, dilation={N}, padding={N})", "-i", "1,56"],
        ["solve", "transpose", "-f", "MaxPool1d({N}, padding={N2})", "-i", "1,56", "--json"],
        ["solve", "transpose", "-f", "Conv3d(1, 1, {N}, padding='same')", "-i", "2"],
    ],
    "layer": [
        ["solve", "layer", "-i", "{N}", "-t", "2"],
        ["solve", "layer", "-i", "{N}", "-t", "3", "--max-kernel", "64", "--max-dilation", "16"],
        ["solve", "layer", "-i", "{N}", "-t", "{N2}", "--limit", "1000"],
        ["solve", "layer", "-i", "8", "-t", "{N}", "--max-kernel", "64", "--max-dilation", "16"],
        ["solve", "layer", "-i", "{N}", "-t", "7", "--kind", "avgpool3d"],
    ],
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_size_is_answered_or_refused_in_bounded_time(family) -> None:
    lines = [line for template in FAMILIES[family] for line in _sizes(template)]
    _check(_run_family(lines))


def test_the_bound_holds_the_issues_own_lines() -> None:
    results = _run_family(
        [
            ["solve", "transpose", "-f", "Conv1d(3, 16, 100000000, padding='same')", "-i", "3,56"],
            ["solve", "transpose", "-f", "Conv1d(3, 16, 10**12, padding='same')", "-i", "3,56"],
            [
                "solve",
                "transpose",
                "-f",
                "Conv1d(1,1,3,padding=-10000000, padding_mode='replicate')",
                "-i",
                "1,1,30000000",
            ],
            [
                "solve",
                "padding",
                "conv2d",
                "-i",
                "224",
                "-k",
                "3",
                "-s",
                "1000000000000",
                "-t",
                "2",
            ],
            [
                "solve",
                "padding",
                "conv2d",
                "-i",
                "224",
                "-k",
                "3",
                "-d",
                "1000000000000",
                "-t",
                "2",
            ],
        ]
    )
    _check(results)
    assert [r["code"] for r in results] == [0, 1, 0, 0, 0]  # 10**12: not a literal (refused)


# --- the issue's lines: the right answers, by hand -----------------------------------------------


def test_same_with_a_huge_kernel_is_mirrored_with_the_kernel_next_to_it(cli) -> None:
    # 'same', k = 10⁸: pads 49,999,999 + 50,000,000, output 56.  The mirror with k: (56−1) +
    # (10⁸ − 1) + 1 = 10⁸ + 55, an odd distance from 56, and output_padding must be 0 (stride
    # and dilation 1): no.  k − 1: 10⁸ + 54 − 2p = 56 at p = 49,999,999.
    result = cli(
        "solve", "transpose", "-f", "Conv1d(3, 16, 100000000, padding='same')", "-i", "3,56"
    )
    assert result.exit_code == 0, result.output
    assert "ConvTranspose1d(16, 3, kernel_size=99999999, padding=49999999)" in result.stdout


def test_a_cropping_conv_is_mirrored_with_a_larger_kernel(cli) -> None:
    # replicate padding −10⁷ crops 3·10⁷ to 10⁷, and k = 3 gives 10⁷ − 2 = 9,999,998.  Back:
    # (9,999,998 − 1) + (k − 1) + 1 − 2p = 3·10⁷ with output_padding 0: k = 20,000,003, p = 0.
    result = cli(
        "solve",
        "transpose",
        "-f",
        "Conv1d(1,1,3,padding=-10000000, padding_mode='replicate')",
        "-i",
        "1,1,30000000",
    )
    assert result.exit_code == 0, result.output
    assert "(1, 1, 30000000) → (1, 1, 9999998)" in result.stdout
    assert "ConvTranspose: ConvTranspose1d(1, 1, kernel_size=20000003)" in result.stdout


def test_a_huge_stride_names_the_real_target(cli) -> None:
    # ⌊(P − 3)/10¹²⌋ + 1 = 2 ⇔ P = 224 + total ∈ 10¹² + 3 … 2·10¹² + 2: totals 999,999,999,779
    # … 1,999,999,999,778, half of them even (padding=p, p from 499,999,999,890), half odd
    # (two splits each): 5·10¹¹ + 2 · 5·10¹¹ options
    result = cli(
        "solve", "padding", "conv2d", "-i", "224", "-k", "3", "-s", "1000000000000", "-t", "2"
    )
    assert result.exit_code == 0, result.output
    assert "target: 3" not in result.output
    assert "499999999890+499999999890" in result.stdout
    data = json.loads(
        cli(
            "solve",
            "padding",
            "conv2d",
            "-i",
            "224",
            "-k",
            "3",
            "-s",
            "1000000000000",
            "-t",
            "2",
            "--json",
        ).stdout
    )
    assert data["axes"][0]["count"] == 1_500_000_000_000
    assert data["axes"][0]["options"][0]["padding"] == [499_999_999_890, 499_999_999_890]


def test_a_huge_dilation_reports_no_internal_size(cli) -> None:
    # span 2·10¹² + 1; stride 1: 224 + 2p − span + 1 = 2 ⇔ p = 10¹² − 111
    result = cli(
        "solve", "padding", "conv2d", "-i", "224", "-k", "3", "-d", "1000000000000", "-t", "2"
    )
    assert result.exit_code == 0, result.output
    assert "1099511627776" not in result.output
    assert "padding=999999999889" in result.stdout


def test_a_size_beyond_int64_names_the_bound(cli) -> None:
    result = cli("solve", "padding", "conv1d", "-i", str(2**63), "-k", "3", "-t", "5")
    assert_clean_error(
        result, 1, "input: sizes must be at most 9,223,372,036,854,775,807", one_line=True
    )
    result = cli("solve", "layer", "-i", str(2**63), "-t", "5")
    assert_clean_error(result, 1, "input: must be between 1 and 9,223,372,036,854,775,807")
    # no int64 input reaches an output the window cannot give: the largest size is named
    result = cli("solve", "inputs", "conv1d", "-k", "3", "-s", str(2**62), "-t", "4")
    assert_clean_error(result, 1, "no input size gives 4", one_line=True)
    assert "2 (from input 4611686018427387907)" in result.stderr
