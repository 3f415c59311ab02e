"""`convcalc net` on real architectures equals what torch recorded (tests/data/net_golden.json,
written by scripts/make_net_golden.py: shapes from a forward pass, parameters and buffers from
the modules, MACs summed from each module's attributes and real tensors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from net_architectures import ARCHITECTURES

from convcalc import network
from convcalc.expressions import parse_calls

GOLDEN = json.loads((Path(__file__).parent / "data" / "net_golden.json").read_text("utf-8"))
RECORDED = GOLDEN["architectures"]


def test_every_architecture_is_recorded() -> None:
    assert set(RECORDED) == set(ARCHITECTURES)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_totals_equal_torch(name: str) -> None:
    shape, source = ARCHITECTURES[name]
    result = network.build(parse_calls(source), shape)
    want = RECORDED[name]
    assert list(result.output_shape) == want["output_shape"]
    assert result.params == want["params"] == want["trainable_params"]
    assert result.buffers == want["buffers"]
    assert result.macs == want["macs"]


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_every_layer_equals_torch(name: str) -> None:
    shape, source = ARCHITECTURES[name]
    result = network.build(parse_calls(source), shape)
    got = [
        {
            "kind": layer.kind,
            "input_shape": list(layer.input_shape),
            "output_shape": list(layer.output_shape),
            "params": layer.effect.params,
            "buffers": layer.effect.buffers,
            "macs": layer.effect.macs,
        }
        for layer in result.layers
    ]
    assert got == RECORDED[name]["layers"]


# torchvision's model cards: AlexNet 61,100,840 params and 0.71 GFLOPS (MACs); VGG-11
# 132,863,336 params and 7.61 GFLOPS
LITERATURE = [("alexnet", 61_100_840, 0.71), ("vgg11", 132_863_336, 7.61)]


@pytest.mark.parametrize(("name", "params", "gmacs"), LITERATURE)
def test_known_totals_from_the_literature(name: str, params: int, gmacs: float) -> None:
    shape, source = ARCHITECTURES[name]
    result = network.summarize(source, shape)
    assert result.params == params == RECORDED[name]["params"]
    assert round(result.macs / 1e9, 2) == gmacs
    assert result.macs == RECORDED[name]["macs"]
