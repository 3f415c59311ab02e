"""Typer commands: each parses its options, calls the library, hands the result to render.

The tables below name each top-level command's module and the first paragraph of its help:
the CLI imports only the module of the command that runs, and lists the others from here
(tests/test_terminal.py checks that the listing reads as the whole app's).
"""

# sub-apps with one command per KIND (or question): name → (module, help)
GROUPS: dict[str, tuple[str, str]] = {
    "shape": (
        "convcalc.commands.shape",
        "Output shape, parameters, MACs and receptive field of one layer.",
    ),
    "solve": (
        "convcalc.commands.solve",
        "The inverse questions: which padding, transposed conv, input sizes or layer give "
        "the size you want.  Every answer is checked with the forward arithmetic of `shape`.",
    ),
    "params": (
        "convcalc.commands.params",
        "Parameters (and MACs) of a conv layer beside its grouped, depthwise and separable "
        "variants.",
    ),
    "run": (
        "convcalc.commands.run",
        "Execute one layer on arrays: exact for integers, with the sums shown on request.",
    ),
    "draw": (
        "convcalc.commands.draw",
        "Draw one layer as an SVG figure: padding, windows, stride, the output; with values.",
    ),
}

# single commands: name → module (the function of that name, its EPILOG), and the first
# paragraph of the function's docstring
COMMANDS: dict[str, tuple[str, str]] = {
    "net": (
        "convcalc.commands.net",
        "Summarise a model without PyTorch: a chain of layers (per layer the output shape, "
        "parameters, MACs, cumulative receptive field and jump), or nn.Module classes (the "
        "forward as a tree of module calls and tensor ops); then the totals and memory.",
    ),
    "completions": (
        "convcalc.commands.completions",
        "Print the completion script for SHELL; TAB presses then never start Python.",
    ),
}
