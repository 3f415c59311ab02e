"""Figures as data and as SVG text: every figure parses as XML and is the same bytes every time;
what the cells say (values, sums) is checked against sums worked out by hand; the command
line's `draw` and `params --save` write files, stdout and one-line errors as promised.
tests/test_figures_browser.py looks at the pictures in Chromium."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import assert_clean_error

from convcalc.arithmetic import analyze
from convcalc.figures import (
    Figure,
    draw_channels,
    draw_layer,
    draw_network,
    draw_run,
    draw_variants,
)
from convcalc.network import summarize
from convcalc.specs import make_spec
from convcalc.variants import compare

NS = "{http://www.w3.org/2000/svg}"

# (name, command line after `convcalc draw`): one per kind of figure
DRAWN = [
    ("conv1d", "conv1d -i 1,1,7 -o 1 -k 3 -s 2 -p 1"),
    ("conv2d-strided", "conv2d -i 1,1,5,5 -o 1 -k 3 -s 2 -p 1"),
    ("conv2d-dilated", "conv2d -i 1,1,9,9 -o 1 -k 3 -d 2 --at 2,3"),
    ("conv2d-reflect", "conv2d -i 1,1,4,4 -o 1 -k 3 -p 1 --padding-mode replicate"),
    (
        "conv2d-circular-animated",
        "conv2d -i 1,1,4,4 -o 1 -k 3 -p 1 --padding-mode circular --animate",
    ),
    ("conv2d-large", "conv2d -i 1,3,224,224 -o 64 -k 7 -s 2 -p 3"),
    ("conv2d-grouped", "conv2d -i 1,8,6,6 -o 4 -k 3 -g 2 --at 0,3,1,1"),
    ("conv3d", "conv3d -i 1,1,5,5,5 -o 1 -k 3 -s 2 -p 1 --at 1,1,1"),
    ("convtranspose1d", "convtranspose1d -i 1,1,4 -o 1 -k 3 -s 2 -p 1 --output-padding 1"),
    ("convtranspose2d", "convtranspose2d -i 1,1,3,3 -o 1 -k 3 -s 2 -p 1 --animate"),
    ("convtranspose2d-no-direct", "convtranspose2d -i 1,1,4,4 -o 1 -k 2 -p 2"),
    ("maxpool1d-ceil", "maxpool1d -i 1,1,6 -k 3 -s 2 --ceil-mode"),
    ("maxpool2d-large-animated", "maxpool2d -i 1,64,112,112 -k 3 -s 2 -p 1 --animate"),
    ("avgpool2d", "avgpool2d -i 1,1,5,5 -k 3 -s 2 -p 1 --ceil-mode"),
    ("avgpool3d", "avgpool3d -i 1,1,4,6,6 -k 2"),
    ("adaptive1d", "adaptiveavgpool1d -i 1,1,7 --output-size 3 --animate"),
    ("adaptive2d", "adaptivemaxpool2d -i 1,1,7,5 --output-size 3,2 --at 1,1"),
    ("adaptive-large", "adaptiveavgpool2d -i 1,512,13,13 --output-size 7"),
    ("values-conv1d", "conv1d -i [1,2,3,4] -w [1,2,3]"),
    ("values-transposed", "convtranspose2d -i [[0,1],[2,3]] -w [[4,1],[2,3]] --animate"),
    ("values-transposed-padded", "convtranspose2d -i [[0,1],[2,3]] -w [[4,1],[2,3]] -p 1"),
    ("values-avgpool", "avgpool2d -i [[1,2],[3,4]] -k 2 -p 1 --count-include-pad"),
    ("values-maxpool3d", "maxpool3d -i [[[1,2],[3,4]],[[5,6],[7,8]]] -k 2"),
    ("channels-depthwise", "conv2d -i 1,32,8,8 -o 64 -k 3 -g 32 --channels"),
    ("channels-transposed", "convtranspose3d -i 1,16,4,8,8 -o 8 -k 3 -g 2 --channels"),
]


def _svg(cli, command: str) -> str:  # type: ignore[no-untyped-def]
    result = cli("draw", *command.split(), "--save", "-")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg.encode())
    assert root.tag == f"{NS}svg"
    return root


@pytest.mark.parametrize(("name", "command"), DRAWN, ids=[n for n, _ in DRAWN])
def test_every_figure_is_xml_deterministic_and_readable(cli, name: str, command: str) -> None:
    svg = _svg(cli, command)
    assert _svg(cli, command) == svg  # the same bytes every time
    root = _parse(svg)
    # a solid background first, then nothing smaller than 10 px
    first = root.find(f"{NS}rect")
    assert first is not None
    assert first.get("fill") == "#FFFFFF"
    assert first.get("width") == root.get("width")
    sizes = [float(t.get("font-size", root.get("font-size", "0"))) for t in root.iter(f"{NS}text")]
    assert sizes
    assert min(sizes) >= 10
    # never tens of thousands of cells
    assert len(list(root.iter(f"{NS}rect"))) < 3000
    assert not any("script" in element.tag for element in root.iter())


def _cells(root: ET.Element) -> dict[str, str]:
    """Tooltip → the text drawn in that cell (a cell is a rect with a <title>, then its text)."""
    found: dict[str, str] = {}
    elements = list(root.iter())
    for i, element in enumerate(elements):
        title = element.find(f"{NS}title")
        if element.tag != f"{NS}rect" or title is None:
            continue
        following = [e for e in elements[i + 1 : i + 3] if e.tag == f"{NS}text"]
        if following and title.text and title.text not in found:
            found[title.text] = following[0].text or ""
    return found


def test_conv1d_values_and_sum(cli) -> None:
    # [1, 2, 3, 4] * [1, 2, 3]: out[0] = 1 + 4 + 9 = 14, out[1] = 2 + 6 + 12 = 20
    svg = _svg(cli, "conv1d -i [1,2,3,4] -w [1,2,3]")
    root = _parse(svg)
    cells = _cells(root)
    assert cells["out[0]"] == "14"
    assert cells["out[1]"] == "20"
    assert [cells[f"x[{i}]"] for i in range(4)] == ["1", "2", "3", "4"]
    assert "out[0] = 1·1 + 2·2 + 3·3 = 14" in svg


def test_conv1d_at_marks_the_second_output(cli) -> None:
    svg = _svg(cli, "conv1d -i [1,2,3,4] -w [1,2,3] --at 1")
    assert "out[1] = 1·2 + 2·3 + 3·4 = 20" in svg


def test_transposed_values_are_the_scatter_sums(cli) -> None:
    # x = [[0,1],[2,3]] stamps w = [[4,1],[2,3]] scaled by each input one apart (stride 1):
    # 1·w at (0,1), 2·w at (1,0), 3·w at (1,1); summed: [[0,4,1],[8,16,6],[4,12,9]]
    root = _parse(_svg(cli, "convtranspose2d -i [[0,1],[2,3]] -w [[4,1],[2,3]]"))
    cells = _cells(root)
    expected = [[0, 4, 1], [8, 16, 6], [4, 12, 9]]
    for i in range(3):
        for j in range(3):
            assert cells[f"full[{i}, {j}]"] == str(expected[i][j])


def test_transposed_padding_crops_the_full_output(cli) -> None:
    # padding 1 keeps full[1:2, 1:2] = 16; the scatter still shows the full 3×3
    svg = _svg(cli, "convtranspose2d -i [[0,1],[2,3]] -w [[4,1],[2,3]] -p 1")
    cells = _cells(_parse(svg))
    assert cells["full[0, 1] (cropped)"] == "4"  # cropped, but drawn with its sum
    assert cells["out[0, 0]"] == "16"
    assert "= 16" in svg


def test_transposed_sum_lists_the_landing_copies(cli) -> None:
    # out[1, 1] of the scatter above: 2 (w[1][0]·x[0][1]) + 2 (w[0][1]·x[1][0]) + 12 = 16
    svg = _svg(cli, "convtranspose2d -i [[0,1],[2,3]] -w [[4,1],[2,3]] --at 1,1")
    assert "= 16" in svg
    assert svg.count('stroke="#CC79A7"') >= 3  # x[0, 0] lands there too, with weight 3


def test_avgpool_sum_names_its_divisor(cli) -> None:
    # AvgPool2d k2 p1 on [[1,2],[3,4]]: out[0, 0] = (0 + 0 + 0 + 1) / 4
    svg = _svg(cli, "avgpool2d -i [[1,2],[3,4]] -k 2 -p 1")
    assert "/ 4 = 0.25" in svg


def _frames(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if g.find(f"{NS}animate") is not None]


def test_animation_has_one_looping_frame_per_output(cli) -> None:
    # k3 s2 p1 on 5×5: 3×3 outputs, frames 0.8 s apart in a 7.2 s loop, no script
    root = _parse(_svg(cli, "conv2d -i 1,1,5,5 -o 1 -k 3 -s 2 -p 1 --animate"))
    frames = [g for g in _frames(root) if g.find(f"{NS}rect") is not None]
    animations = [g.find(f"{NS}animate") for g in frames]
    begins = sorted({a.get("begin") for a in animations if a is not None})
    assert len(begins) == 9
    assert all(a is not None and a.get("repeatCount") == "indefinite" for a in animations)
    assert {a.get("dur") for a in animations if a is not None} == {"7.2s"}
    visible = [g for g in frames if g.get("visibility") == "visible"]
    assert {g.find(f"{NS}animate").get("begin") for g in visible} == {"0s"}  # type: ignore[union-attr]


def test_large_animation_steps_through_the_visible_outputs_only(cli) -> None:
    # 112×112 → 56×56: rows and columns 0, 1, 2, 54, 55 are drawn, so 5 × 5 frames
    root = _parse(_svg(cli, "maxpool2d -i 1,64,112,112 -k 3 -s 2 -p 1 --animate"))
    begins = {g.find(f"{NS}animate").get("begin") for g in _frames(root)}  # type: ignore[union-attr]
    assert len(begins) == 25
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "⋯" in texts
    assert "⋮" in texts


def test_large_layer_is_elided() -> None:
    # 224×224 with padding 3 would be 230² = 52,900 cells; drawn: the windows of the first
    # and last outputs
    figure = draw_layer(
        "conv2d", (1, 3, 224, 224), out_channels=64, kernel_size=7, stride=2, padding=3
    )
    tips = [r.tip for r in figure.layout.items if getattr(r, "tip", None)]
    inputs = [t for t in tips if t and (t.startswith("x[") or t.startswith("padding"))]
    assert 100 < len(inputs) <= 36 * 36
    assert "x[223, 223]" in tips
    assert "x[0, 0]" in tips
    assert "out[0, 0, 111, 111]" in tips


def test_api_figure_object(tmp_path: Path) -> None:
    figure = draw_layer("conv2d", (1, 1, 5, 5), out_channels=1, kernel_size=3)
    assert isinstance(figure, Figure)
    assert figure._repr_svg_() == figure.svg == str(figure)
    path = tmp_path / "f.svg"
    figure.save(path)
    assert path.read_text(encoding="utf-8") == figure.svg
    # from an analysed layer, the same figure
    shape = analyze(make_spec("conv2d", in_channels=1, out_channels=1, kernel_size=3), (1, 1, 5, 5))
    assert draw_layer(shape).svg == figure.svg
    with pytest.raises(OSError, match="No such file"):
        figure.save(tmp_path / "missing" / "f.svg")


def test_api_draw_run_matches_the_cli(cli) -> None:
    figure = draw_run("conv1d", [1, 2, 3, 4], [1, 2, 3])
    assert figure.svg == _svg(cli, "conv1d -i [1,2,3,4] -w [1,2,3]")


def _edges(root: ET.Element) -> int:
    return sum(
        1
        for line in root.iter(f"{NS}line")
        if line.get("stroke") == "#4D4D4D" and line.get("stroke-width") == "1"
    )


@pytest.mark.parametrize(
    ("args", "edges"),
    [
        # standard 2 → 3: every input feeds every output
        (dict(in_channels=2, out_channels=3, kernel_size=3), 6),
        # grouped 8 → 16, groups 4: 4 groups of 2 inputs × 4 outputs
        (dict(in_channels=8, out_channels=16, kernel_size=3, groups=4), 32),
        # depthwise 4 → 4: channel i feeds output i only
        (dict(in_channels=4, out_channels=4, kernel_size=3, groups=4), 4),
        # depthwise with multiplier 2, 3 → 6: input i feeds outputs 2i and 2i + 1
        (dict(in_channels=3, out_channels=6, kernel_size=3, groups=3), 6),
    ],
)
def test_channel_panel_joins_what_groups_join(args: dict[str, int], edges: int) -> None:
    root = _parse(draw_channels("conv2d", **args).svg)
    assert _edges(root) == edges


def test_channel_panel_refuses_a_pool() -> None:
    from convcalc.errors import ConvcalcError

    with pytest.raises(ConvcalcError, match="no channel groups"):
        draw_channels("maxpool2d", (1, 1, 4, 4), kernel_size=2)


def test_variants_side_by_side() -> None:
    comparison = compare(
        make_spec("conv2d", in_channels=4, out_channels=8, kernel_size=3, groups=2)
    )
    root = _parse(draw_variants(comparison).svg)
    texts = {t.text for t in root.iter(f"{NS}text")}
    for name in ("standard", "grouped", "depthwise", "depthwise separable", "bottleneck"):
        assert name in texts
    # standard 4 → 8 joins 32 pairs; grouped (2 groups) 16; depthwise 4 → 4: 4; separable
    # 4 + 32; spatial separable 4·4 + 4·8; bottleneck (width 2) 8 + 4 + 16; inverted
    # (expansion 6, 24 channels drawn as 6) ...: at least the first four
    assert _edges(root) >= 32 + 16 + 4 + 36


def test_network_diagram_of_a_chain() -> None:
    network = summarize(
        [
            "Conv2d(3, 64, 7, stride=2, padding=3)",
            "BatchNorm2d(64)",
            "ReLU()",
            "MaxPool2d(3, 2, 1)",
            "Conv2d(64, 128, 3, padding=1)",
            "AdaptiveAvgPool2d(1)",
            "Flatten()",
            "Linear(128, 10)",
        ],
        (1, 3, 224, 224),
    )
    root = _parse(draw_network(network).svg)
    texts = [t.text for t in root.iter(f"{NS}text")]
    # one block per map: 224 → 112 (conv /2) → 56 (pool /2) → 56 (conv 3×3) → 1 → 128 → 10
    for label in ("3×224×224", "64×112×112", "64×56×56", "128×56×56", "128×1×1", "128", "10"):
        assert label in texts
    assert "Conv2d 7×7/2" in texts
    assert "MaxPool2d 3×3/2" in texts
    assert "Conv2d 3×3" in texts
    assert "Linear 10" in texts
    assert "+ BatchNorm2d" in texts
    assert "+ ReLU" in texts
    # feature maps are drawn as boxes (3 faces), vectors as bars: the 128 and 10 of the end
    polygons = list(root.iter(f"{NS}polygon"))
    assert len(polygons) == 2 * 5  # top and side of each of the 5 spatial maps
    assert _parse(draw_network(network).svg) is not None


def test_network_block_sizes_are_log_scaled() -> None:
    from convcalc.figures.network import _spatial, _thickness

    # doubling a size adds a constant: log scale
    assert _spatial(224) - _spatial(112) == pytest.approx(_spatial(14) - _spatial(7))
    assert _thickness(512) - _thickness(256) == pytest.approx(_thickness(2) - _thickness(1))


# --- the command line --------------------------------------------------------------------------


def test_save_writes_a_file_and_says_so(cli, tmp_path: Path) -> None:
    path = tmp_path / "conv.svg"
    result = cli("draw", "conv2d", "-i", "1,1,5,5", "-o", "1", "-k", "3", "--save", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote {path} (")
    _parse(path.read_text(encoding="utf-8"))


def test_save_to_stdout_is_only_the_svg(cli) -> None:
    svg = _svg(cli, "maxpool2d -i 1,1,4,4 -k 2")
    assert svg.startswith("<?xml")
    assert svg.rstrip().endswith("</svg>")


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (
            ["conv2d", "-i", "1,1,5,5", "-o", "1", "-k", "3", "--save", "/nonexistent/dir/x.svg"],
            1,
            "save: cannot write",
        ),
        (
            ["conv2d", "-i", "1,1,5,5", "-o", "1", "-k", "3", "--at", "3,0", "--save", "-"],
            1,
            "at: index 3 is out of range",
        ),
        (
            ["conv2d", "-i", "1,1,5,5", "-o", "1", "-k", "3", "--at", "1,2,3", "--save", "-"],
            1,
            "at: the output",
        ),
        (["conv2d", "-i", "1,1,2,2", "-o", "1", "-k", "3", "--save", "-"], 1, "kernel_size"),
        (
            ["convtranspose3d", "-i", "1,1,3,3,3", "-o", "1", "-k", "2", "--save", "-"],
            1,
            "3-D transposed",
        ),
        (["conv2d", "-i", "0,1,5,5", "-o", "1", "-k", "3", "--save", "-"], 1, "nothing to draw"),
        (["conv1d", "-i", "[1,2,3]", "--save", "-"], 1, "weight"),
        (["conv1d", "-i", "[1,2", "-w", "[1]", "--save", "-"], 1, "input"),
        (["conv2d", "-i", "1,1,5,5", "-k", "3", "--save", "-"], 2, "--out-channels"),
        (
            ["conv2d", "-i", "1,1,5,5", "-o", "1", "-k", "3", "-w", "[1]", "--save", "-"],
            2,
            "--weight",
        ),
        (["conv1d", "-i", "[1,2,3]", "-w", "[1]", "-k", "1", "--save", "-"], 2, "--kernel-size"),
        (
            [
                "conv2d",
                "-i",
                "1,1,5,5",
                "-o",
                "1",
                "-k",
                "3",
                "--channels",
                "--animate",
                "--save",
                "-",
            ],
            2,
            "--channels",
        ),
        (["conv2d", "-i", "1,1,5,5", "-o", "1", "-k", "3"], 2, "--save"),
        (
            ["maxpool2d", "-i", "1,1,4,4", "-k", "2", "--channels", "--save", "-"],
            1,
            "no channel groups",
        ),
    ],
)
def test_refusals_are_one_clean_line(cli, args: list[str], code: int, needle: str) -> None:
    result = cli("draw", *args)
    assert_clean_error(result, code, needle, one_line=code == 1)


def test_params_save(cli, tmp_path: Path) -> None:
    path = tmp_path / "variants.svg"
    result = cli(
        "params", "conv2d", "--in-channels", "4", "-o", "8", "-k", "3", "--save", str(path)
    )
    assert result.exit_code == 0, result.output
    assert "depthwise" in result.stdout  # the report is still printed
    assert result.stdout.rstrip().endswith(
        f"wrote {path} (" + result.stdout.rstrip().split(" (")[-1]
    )
    _parse(path.read_text(encoding="utf-8"))
    alone = cli("params", "conv2d", "--in-channels", "4", "-o", "8", "-k", "3", "--save", "-")
    assert alone.exit_code == 0
    assert alone.stdout == path.read_text(encoding="utf-8")
    json_too = cli(
        "params",
        "conv2d",
        "--in-channels",
        "4",
        "-o",
        "8",
        "-k",
        "3",
        "--save",
        str(path),
        "--json",
    )
    import json

    assert json.loads(json_too.stdout)["kind"] == "conv2d"
    bad = cli(
        "params",
        "conv2d",
        "--in-channels",
        "4",
        "-o",
        "8",
        "-k",
        "3",
        "--save",
        "/nonexistent/x.svg",
    )
    assert_clean_error(bad, 1, "save: cannot write", one_line=True)


def test_other_commands_do_not_load_figures() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "convcalc",
            "shape",
            "conv2d",
            "-i",
            "1,3,8,8",
            "-o",
            "4",
            "-k",
            "3",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "convcalc.figures" not in done.stderr
    assert "xml.etree" not in done.stderr


RESIDUAL = """
import torch.nn as nn
class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.relu = nn.ReLU()
    def forward(self, x):
        return self.relu(x + self.conv(x))
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.blocks = nn.Sequential(Block(8), Block(8))
    def forward(self, x):
        return self.blocks(self.stem(x))
"""


def _skip_lines(root: ET.Element) -> int:
    # the skip role's colour (Okabe–Ito vermillion), dashed
    return sum(
        1
        for line in root.iter(f"{NS}line")
        if line.get("stroke") == "#D55E00" and line.get("stroke-dasharray")
    )


def test_network_diagram_of_a_module_draws_its_skip_connections() -> None:
    """Each Block adds its input back (x + conv(x)): two skips, each drawn as three segments
    and an arrow head on one row; the Sequential holding the blocks is no map of its own."""
    network = summarize(RESIDUAL, inputs=[(1, 3, 16, 16)])
    root = _parse(draw_network(network).svg)
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "Sequential" not in texts  # containers are not maps
    assert "Block" not in texts
    assert texts.count("Conv2d 3×3") == 2
    assert _skip_lines(root) == 2 * (3 + 2)
    chain = summarize(["Conv2d(3, 8, 3)", "ReLU()"], (1, 3, 16, 16))
    assert _skip_lines(_parse(draw_network(chain).svg)) == 0


def test_net_save(cli, tmp_path: Path) -> None:
    args = ["net", "-i", "1,1,32,32", "Conv2d(1, 6, 5)", "ReLU()", "MaxPool2d(2)"]
    path = tmp_path / "net.svg"
    result = cli(*args, "--save", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().splitlines()[-1].startswith(f"wrote {path} (")
    assert _parse(path.read_text(encoding="utf-8")) is not None
    alone = cli(*args, "--save", "-")
    assert alone.stdout == path.read_text(encoding="utf-8")
    assert json.loads(cli(*args, "--json", "--save", str(path)).stdout)["output_shape"] == [
        1,
        6,
        14,
        14,
    ]
    assert_clean_error(cli(*args, "--save", str(tmp_path / "no" / "x.svg")), 1, "save:")
