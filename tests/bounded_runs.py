"""Command lines through convcalc's real entry point, in one child process under an
address-space limit (issue 17: 3 GiB), each with its exit code, output and time."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

MEMORY = 3 * 2**30  # bytes of address space

_RUNNER = """
import contextlib, io, json, resource, sys, time
memory, preload, lines = json.loads(sys.stdin.read())
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
from convcalc.cli import main
for module in preload:  # imported before the clock starts
    __import__(module)
results = []
for args in lines:
    out, err = io.StringIO(), io.StringIO()
    wall, cpu = time.perf_counter(), time.process_time()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    results.append([code, out.getvalue(), err.getvalue(), wall, cpu])
print(json.dumps(results))
"""


@dataclass(frozen=True)
class Outcome:
    args: list[str]
    code: int
    out: str
    err: str
    wall: float  # seconds
    cpu: float  # seconds of the process's CPU time


def run_bounded(
    lines: list[list[str]], *, memory: int = MEMORY, preload: tuple[str, ...] = ()
) -> list[Outcome]:
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER],
        input=json.dumps([memory, list(preload), lines]),
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "80", "NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [
        Outcome(args, *result) for args, result in zip(lines, json.loads(done.stdout), strict=True)
    ]
