"""Start-up cost of convcalc, and of a TAB press, as ratios to `python -c pass` side by side.

Every call to convcalc starts Python afresh, so what matters is the cost of a call relative to
the cheapest possible Python process on the same machine at the same moment.  Each round runs
the baseline and every target once, interleaved, so that load on the machine hits both alike;
the ratio is the median over the rounds of (target / the baseline run just before it): each
pair is measured within a fraction of a second, so a machine whose speed drifts over minutes
(this VM's does, by up to 10%) moves both sides of a pair alike.  The ratio of the medians
over the whole run, which such drift does move, is shown beside it.  CPU time (user +
system), paired the same way, is shown too.

    python benchmarks/bench_startup.py                 # 21 rounds, table of ratios
    python benchmarks/bench_startup.py --rounds 41 --check   # exit 1 if a limit is exceeded

The targets run the installed `convcalc` console script (as a user's shell does), falling back
to `python -m convcalc`.  Byte-code caching is switched on for the children (some machines set
PYTHONDONTWRITEBYTECODE) so that, as after `pip install`, no module is compiled per call.

"floor" rows import only the dependencies a call cannot avoid: they bound what any change to
convcalc itself can reach.  The last three do it as a call ends (collector off, no teardown):
the floors of a `--json` call, of `shape --json` with typer parsing its options into a
command that does nothing, and of a table call.

TAB: the completion scripts are static, so a TAB press starts no Python.  Two measures:
"new shell" rows start a shell that sources the script and answers one request (an upper
bound: a TAB in a running shell pays no shell start-up); "in shell" rows time the request
alone inside a running shell (bash: the completion function in a loop; fish: `complete -C`
in a loop; zsh: from compprefuncs to comppostfuncs around a real TAB in a pseudo-terminal).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPLETIONS = ROOT / "completions"
SHAPE = ["shape", "conv2d", "-i", "1,3,224,224", "--out-channels", "64", "-k", "7", "-s", "2"]
SHAPE += ["-p", "3"]
PARAMS = ["params", "conv2d", "--in-channels", "3", "--out-channels", "256", "-k", "5"]
SOLVE = ["solve", "padding", "conv2d", "-i", "224", "-k", "3", "-s", "2", "-t", "112"]
# a LeNet-like chain of 12 layers
NET = ["net", "-i", "1,1,32,32", "Conv2d(1, 6, 5)", "ReLU()", "MaxPool2d(2)", "Conv2d(6, 16, 5)"]
NET += ["ReLU()", "MaxPool2d(2)", "Flatten()", "Linear(400, 120)", "ReLU()", "Linear(120, 84)"]
NET += ["ReLU()", "Linear(84, 10)"]
TAB_LINE = "convcalc shape conv2d --padding-mode "
FLOOR_DEPS = "import typer, rich.console; from pydantic import BaseModel"
FLOOR_SPEC = (
    "from convcalc.specs import Conv; Conv(dims=2, in_channels=3, out_channels=6, kernel_size=7)"
)
# The floors of a call as the console script makes it (collector off first, no teardown at the
# end): what any `--json` call imports and does (typer, pydantic, typer 0.29's pydantic
# adapters for its parameters, one spec validated), and a table call (rich's console besides:
# a table that fits is written as text, without rich.table)
FLOOR_CALL = (
    "import gc, os; gc.disable(); import typer; from pydantic import BaseModel\n"
    "try: import typer._adapters\nexcept ImportError: pass\n"
    f"{FLOOR_SPEC}\n"
)

# ... and typer parsing the `shape` row's arguments into a command with the same options
# (under typer 0.29, a pydantic adapter per option) that does nothing: what a `--json` call
# costs before convcalc does any work (a parse error exits 2, which the warm-up refuses)
FLOOR_PARSE = (
    "O = typer.Option\n"
    "def shape(input: str = O(None, '--input', '-i'), in_channels: int = O(None),\n"
    "    out_channels: int = O(None, '--out-channels', '-o'),\n"
    "    kernel_size: str = O(None, '--kernel-size', '-k'),\n"
    "    stride: str = O(None, '--stride', '-s'), padding: str = O(None, '--padding', '-p'),\n"
    "    dilation: str = O(None, '--dilation', '-d'), groups: int = O(None, '--groups', '-g'),\n"
    "    bias: bool = O(None, '--bias/--no-bias'), padding_mode: str = O(None),\n"
    "    json_output: bool = O(False, '--json')) -> None: print('{}')\n"
    "try: typer.run(shape)\nexcept SystemExit as exc:\n    if exc.code: os._exit(exc.code)\n"
)


@dataclass
class Target:
    label: str
    argv: list[str]
    limit: float | None  # highest ratio allowed, None: for information


@dataclass
class Samples:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)

    def paired(self, before: Samples) -> tuple[float, float]:
        """Median wall and CPU ratios to `before`, the baseline runs made just before these."""
        return (
            statistics.median(t / b for t, b in zip(self.wall, before.wall, strict=True)),
            statistics.median(t / b for t, b in zip(self.cpu, before.cpu, strict=True)),
        )


def convcalc_argv() -> list[str]:
    script = Path(sys.executable).parent / "convcalc"
    return [str(script)] if script.exists() else [sys.executable, "-m", "convcalc"]


def subcommands() -> list[str]:
    """The top-level commands of the live app (their --help rows are for information)."""
    import typer

    from convcalc.cli import app

    group = typer.main.get_command(app)
    return sorted(getattr(group, "commands", {}))


def cli_targets() -> list[Target]:
    cli = convcalc_argv()
    py = sys.executable
    # limits: issue 16's targets (shape/params/solve 15× as tables, 12.5× as JSON, 5.5×
    # for --help; net on a 12-layer chain 16×)
    found = [
        Target("convcalc " + " ".join(SHAPE), [*cli, *SHAPE], 15.0),
        Target("  ... --json", [*cli, *SHAPE, "--json"], 12.5),
        Target("convcalc " + " ".join(PARAMS), [*cli, *PARAMS], 15.0),
        Target("  ... --json", [*cli, *PARAMS, "--json"], 12.5),
        Target("convcalc " + " ".join(SOLVE), [*cli, *SOLVE], 15.0),
        Target("  ... --json", [*cli, *SOLVE, "--json"], 12.5),
        Target("convcalc net (12 layers)", [*cli, *NET], 16.0),
        Target("  ... --json", [*cli, *NET, "--json"], None),
        Target("convcalc --help", [*cli, "--help"], 5.5),
        Target("convcalc --version", [*cli, "--version"], None),
    ]
    found += [
        Target(
            f"convcalc {name} --help",
            [*cli, name, "--help"],
            5.5 if name in ("shape", "params", "solve") else None,
        )
        for name in subcommands()
    ]
    found += [
        Target("convcalc shape conv2d --help", [*cli, "shape", "conv2d", "--help"], None),
        Target("floor: import typer", [py, "-c", "import typer"], None),
        Target("floor: typer+rich+pydantic imports", [py, "-c", FLOOR_DEPS], None),
        Target("floor: ... + one spec validated", [py, "-c", f"{FLOOR_DEPS}; {FLOOR_SPEC}"], None),
        Target("floor, as a call ends: --json", [py, "-c", f"{FLOOR_CALL}os._exit(0)"], None),
        Target(
            "  ... + typer parsing shape's options",
            [py, "-c", f"{FLOOR_CALL}{FLOOR_PARSE}os._exit(0)", *SHAPE[2:], "--json"],
            None,
        ),
        Target(
            "floor, as a call ends: table",
            [py, "-c", f"{FLOOR_CALL}import rich.console\nos._exit(0)"],
            None,
        ),
    ]
    return found


def new_shell_targets() -> list[Target]:
    """A shell that sources the script and answers one request (zsh needs zle: see in-shell)."""
    found: list[Target] = []
    if bash := shutil.which("bash"):
        script = (
            f"source {COMPLETIONS / 'convcalc.bash'}; COMP_WORDS=({TAB_LINE}''); "
            "COMP_CWORD=4; _convcalc_completion; echo ${COMPREPLY[@]}"
        )
        found.append(
            Target("TAB bash, new shell", [bash, "--norc", "--noprofile", "-c", script], 2.0)
        )
    if fish := shutil.which("fish"):
        script = f"source {COMPLETIONS / 'convcalc.fish'}; complete -C '{TAB_LINE}'"
        found.append(Target("TAB fish, new shell", [fish, "--no-config", "-c", script], 2.0))
    return found


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(COLUMNS="80", NO_COLOR="1")
    return env


def measure(found: list[Target], rounds: int) -> tuple[list[Samples], list[Samples]]:
    """Per target: the baseline runs made just before its runs, and its runs."""
    env = child_env()
    baseline_argv = [sys.executable, "-c", "pass"]
    for target in found:  # warm-up: byte-code caches, page cache
        done = subprocess.run(target.argv, capture_output=True, text=True, env=env, check=False)
        if done.returncode:  # it would time an error message
            sys.exit(f"{target.label}: exit {done.returncode}: {done.stderr.strip()[-300:]}")
    befores = [Samples() for _ in found]
    samples = [Samples() for _ in found]
    for _ in range(rounds):
        for i, target in enumerate(found):
            befores[i].add(*run_once(baseline_argv, env))
            samples[i].add(*run_once(target.argv, env))
    return befores, samples


# --- a TAB press inside a running shell --------------------------------------------------------

BASH_LOOP = """
source {script}
COMP_WORDS=({line}'') COMP_CWORD=4
start=$EPOCHREALTIME
for ((i = 0; i < {n}; i++)); do _convcalc_completion; done
echo "$start $EPOCHREALTIME"
"""

ZSH_TAB = r"""
zmodload zsh/zpty zsh/datetime
zpty t zsh -f -i
zpty -w t "fpath=(${(q)1} \$fpath); PROMPT=; autoload -Uz compinit; compinit -C -d ${(q)2}"
zpty -w t 'zmodload zsh/datetime; bindkey "^I" complete-word'
zpty -w t '_t0() { t0=$EPOCHREALTIME }; _t1() { print "TAB:$(( EPOCHREALTIME - t0 ))" }'
zpty -w t 'compprefuncs=(_t0); comppostfuncs=(_t1 exit); print READY'
local line
while zpty -r t line; do [[ $line == READY* ]] && break; done
zpty -w -n t "$3"$'\t'
while zpty -r t line; do [[ $line == *TAB:* ]] && print -r -- "${${line#*TAB:}%%$'\r'*}"; done
"""


def in_shell_times(rounds: int) -> dict[str, float]:
    """Seconds per completion request inside a running shell, per shell found."""
    times: dict[str, float] = {}
    n = 200
    if bash := shutil.which("bash"):
        script = BASH_LOOP.format(script=COMPLETIONS / "convcalc.bash", line=TAB_LINE, n=n)
        argv = [bash, "--norc", "-c", script]
        out = subprocess.run(argv, capture_output=True, text=True, check=False).stdout
        if out.strip() and "$" not in out:
            start, end = map(float, out.split())
            times["bash"] = (end - start) / n
    if fish := shutil.which("fish"):
        script = (
            f"source {COMPLETIONS / 'convcalc.fish'}; "
            f"time for i in (seq {n}); complete -C '{TAB_LINE}' >/dev/null; end"
        )
        argv = [fish, "--no-config", "-c", script]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        match = re.search(r"Executed in\s+([\d.]+) (micros|millis|secs)", done.stderr)
        if match:
            unit = {"micros": 1e-6, "millis": 1e-3, "secs": 1.0}[match.group(2)]
            times["fish"] = float(match.group(1)) * unit / n
    if zsh := shutil.which("zsh"):
        with tempfile.TemporaryDirectory() as tmp:
            dump = Path(tmp) / "zcompdump"
            init = f"fpath=({COMPLETIONS} $fpath); autoload -Uz compinit; compinit -u -d {dump}"
            subprocess.run([zsh, "-f", "-c", init], check=False)
            tab_script = Path(tmp) / "tab.zsh"
            tab_script.write_text(ZSH_TAB)
            samples = []
            for _ in range(max(5, rounds // 2)):
                out = subprocess.run(
                    [zsh, "-f", str(tab_script), str(COMPLETIONS), str(dump), TAB_LINE],
                    capture_output=True,
                    text=True,
                    timeout=30,
                    check=False,
                ).stdout
                samples += [float(v) for v in out.split()]
            if samples:
                times["zsh"] = statistics.median(samples)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=21, help="rounds (≥ 20 for the report)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a limit is exceeded")
    parser.add_argument("--no-tab", action="store_true", help="skip the completion (TAB) rows")
    args = parser.parse_args()

    found = cli_targets() + ([] if args.no_tab else new_shell_targets())
    befores, samples = measure(found, args.rounds)
    base_wall = statistics.median(w for before in befores for w in before.wall)
    base_cpu = statistics.median(c for before in befores for c in before.cpu)
    print(
        f"python -c pass: median {base_wall * 1000:.1f} ms wall, {base_cpu * 1000:.1f} ms CPU "
        f"({args.rounds * len(found)} runs, one before each run of a target, "
        f"{args.rounds} rounds)"
    )
    print(f"{'target':<44} {'wall':>8} {'ratio':>6} {'CPU':>6} {'unpaired':>8} {'limit':>6}")
    failed = []

    def row(label: str, wall: float, ratio: float, cpu: float | None, limit: float | None) -> None:
        verdict = "" if limit is None else ("ok" if ratio <= limit else "OVER")
        if verdict == "OVER":
            failed.append(label)
        label = label if len(label) <= 44 else label[:41] + "..."
        cpu_text = "" if cpu is None else f"{cpu:5.2f}×"
        limit_text = "" if limit is None else f"{limit:g}×"
        print(
            f"{label:<44} {wall * 1000:5.1f} ms {ratio:5.2f}× {cpu_text:>6} "
            f"{wall / base_wall:7.2f}× {limit_text:>6} {verdict}"
        )

    for target, sample, before in zip(found, samples, befores, strict=True):
        row(target.label, statistics.median(sample.wall), *sample.paired(before), target.limit)
    if not args.no_tab:
        for shell, seconds in in_shell_times(args.rounds).items():
            row(f"TAB {shell}, in a running shell", seconds, seconds / base_wall, None, 2.0)
    print(
        "ratio: median over the rounds of (wall time / the baseline run just before); CPU: the "
        "same for user + system CPU time; unpaired: median wall time / all baseline runs' median"
    )
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
