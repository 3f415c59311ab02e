"""The checked-in completion scripts, driven through each shell's own completion machinery.

bash: the script is sourced, COMP_WORDS/COMP_CWORD set as readline would split the line (at
spaces and at '=' and '@', which are in bash's default COMP_WORDBREAKS), the registered
completion function called and COMPREPLY read.  zsh: an interactive zsh in a pseudo-terminal
with compinit types the line and presses TAB (tests/shells/capture.zsh).  fish: `complete -C`.

Expected candidates are written from PyTorch's documentation and the CLI's design, not read
from the app: Conv*d takes padding_mode 'zeros', 'reflect', 'replicate' or 'circular' and
padding 'same' or 'valid'; ConvTranspose*d supports only 'zeros' and no padding string; pools
take int paddings only; AvgPool1d has no divisor_override.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import require_shell

pytestmark = pytest.mark.shells

ROOT = Path(__file__).parent.parent
COMPLETIONS = ROOT / "completions"
CAPTURE_ZSH = Path(__file__).parent / "shells" / "capture.zsh"
FILES = ("image.npy", "kernels.json", "model.py")  # made in the working directory
DIRS = ("arrays",)

CONV_KINDS = {f"conv{d}d" for d in (1, 2, 3)} | {f"convtranspose{d}d" for d in (1, 2, 3)}
MODES = {"zeros", "reflect", "replicate", "circular"}
PATHS = {*FILES, *DIRS}

# (command line up to the cursor, the candidates offered)
CASES: list[tuple[str, set[str]]] = [
    ("convcalc sha", {"shape"}),
    ("convcalc shape conv", CONV_KINDS),
    ("convcalc shape adaptivem", {f"adaptivemaxpool{d}d" for d in (1, 2, 3)}),
    ("convcalc shape Conv2d --padding-m", {"--padding-mode"}),  # KINDs in any case
    ("convcalc shape conv2d --padding-mode ", MODES),
    ("convcalc shape conv2d -o 8 --padding-mode re", {"reflect", "replicate"}),
    ("convcalc shape conv3d --padding-mode=", MODES),
    ("convcalc shape convtranspose2d --padding-mode ", {"zeros"}),
    ("convcalc shape conv1d --padding ", {"same", "valid"}),
    ("convcalc shape conv2d -p ", {"same", "valid"}),
    ("convcalc shape convtranspose2d --padding ", set()),
    ("convcalc shape maxpool2d --padding ", set()),
    ("convcalc shape maxpool2d --c", {"--ceil-mode"}),
    ("convcalc shape avgpool2d --d", {"--divisor-override"}),
    ("convcalc shape avgpool1d --d", set()),
    ("convcalc shape conv2d --no", {"--no-bias"}),
    ("convcalc shape adaptiveavgpool2d --o", {"--output-size"}),
    ("convcalc shape conv2d -i 1,3,8,8 -o 4 --k", {"--kernel-size"}),
    ("convcalc run conv2d --input @", {f"@{p}" for p in PATHS}),
    ("convcalc run conv2d -i @image.npy --weight @k", {"@kernels.json"}),
    ("convcalc run conv2d -i @image.npy -w @kernels.json --bias @", {f"@{p}" for p in PATHS}),
    ("convcalc net --file ", PATHS),
    ("convcalc net -f mo", {"model.py"}),
]


def _bash_words(line: str) -> list[str]:
    words = shlex.split(line) + ([""] if line.endswith(" ") else [])
    split = []
    for i, word in enumerate(words):
        parts = [p for p in re.split(r"([=@])", word) if p]
        split += parts or ([""] if i == len(words) - 1 else [])
    return split


def bash(line: str) -> set[str]:
    words = _bash_words(line)
    script = (
        f"source {shlex.quote(str(COMPLETIONS / 'convcalc.bash'))}\n"
        "complete -p convcalc >/dev/null || exit 9\n"
        f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
        f"COMP_CWORD={len(words) - 1}\n"
        f"COMP_LINE={shlex.quote(line)}; COMP_POINT=${{#COMP_LINE}}\n"
        # the function `complete -F` registered for convcalc
        'func=$(complete -p convcalc | sed -E "s/.*-F ([^ ]+).*/\\1/")\n'
        '"$func" convcalc "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"\n'
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    out = _run([require_shell("bash"), "--norc", "--noprofile", "-c", script])
    # bash puts back what readline split off: '@' is its own word, so the file names come bare
    prefix = "@" if len(words) > 1 and words[-2] == "@" else ""
    return {prefix + c.rstrip("/ ") for c in out.splitlines() if c.strip()}


def zsh(line: str) -> set[str]:
    dump = Path(tempfile.gettempdir()) / f"convcalc-test-zcompdump-{os.getuid()}"
    out = _run([require_shell("zsh"), "-f", str(CAPTURE_ZSH), str(COMPLETIONS), str(dump), line])
    return {c.rstrip("/") for c in out.splitlines() if c}


def fish(line: str) -> set[str]:
    script = f"source {COMPLETIONS / 'convcalc.fish'}; complete -C {shlex.quote(line)}"
    out = _run([require_shell("fish"), "--no-config", "-c", script])
    # where nothing starts with the token, fish falls back to fuzzy (substring) matches
    token = "" if line.endswith(" ") else shlex.split(line)[-1]
    found = {c.split("\t")[0] for c in out.splitlines() if c}
    return {c.rstrip("/") for c in found if c.startswith(token)}


def _run(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in FILES:
        (tmp_path / name).write_text("[1]\n")
    for name in DIRS:
        (tmp_path / name).mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _strip_option(line: str, found: set[str]) -> set[str]:
    # after --option=, zsh and fish offer "--option=word", bash offers "word"
    if line.endswith("="):
        option = line.split()[-1]
        return {c.removeprefix(option) for c in found}
    return found


@pytest.mark.usefixtures("files")
@pytest.mark.parametrize(("line", "expected"), CASES)
def test_bash(line: str, expected: set[str]) -> None:
    assert _strip_option(line, bash(line)) == expected


@pytest.mark.usefixtures("files")
@pytest.mark.parametrize(("line", "expected"), CASES)
def test_fish(line: str, expected: set[str]) -> None:
    assert _strip_option(line, fish(line)) == expected


@pytest.mark.usefixtures("files")
@pytest.mark.parametrize(("line", "expected"), CASES)
def test_zsh(line: str, expected: set[str]) -> None:
    assert _strip_option(line, zsh(line)) == expected


@pytest.mark.usefixtures("files")  # in a scratch directory, like every other case
def test_top_level_commands_in_every_shell() -> None:
    wanted = {"shape", "-h", "--help", "--version", "-V"}
    # zsh offers options only after '-' (its prefix-needed style); so ask it for both
    assert wanted - {"shape"} <= zsh("convcalc -")
    assert "shape" in zsh("convcalc ")
    assert wanted <= bash("convcalc -") | bash("convcalc ")
    assert wanted <= fish("convcalc -") | fish("convcalc ")


def test_bash_quotes_file_names_with_spaces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "my model.py").write_text("")
    monkeypatch.chdir(tmp_path)
    assert bash("convcalc net --file my") == {"my model.py"}  # bash quotes it (-o filenames)


# --- a real interactive bash, TAB and all ------------------------------------------------------

BASH_COMPLETION = Path("/usr/share/bash-completion/bash_completion")


def _interactive_bash(setup: list[str], lines: list[str], cwd: Path) -> list[list[str]]:
    """Type each line into an interactive bash in a pseudo-terminal, TAB where the line has
    one, then Enter; `convcalc` is a function that prints its arguments, one per line."""
    import pty
    import select
    import time

    bash_path = require_shell("bash")
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(cwd)
        os.execve(bash_path, [bash_path, "--norc", "--noprofile", "-i"], {"TERM": "dumb"})

    def read_until(mark: bytes, seconds: float = 10.0) -> bytes:
        out, end = b"", time.monotonic() + seconds
        while mark not in out and time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    break
        return out

    try:
        for command in [*setup, 'convcalc() { printf "ARG<%s>\\n" "$@"; }', "PS1='$ '"]:
            os.write(fd, command.encode() + b"\n")
        # $((1 + 1)): the mark is in the output, not in the echo of the typed command
        os.write(fd, b"echo READY$((1 + 1))\n")
        read_until(b"READY2")
        results = []
        for line in lines:
            head, _, tail = line.partition("\t")
            os.write(fd, head.encode() + (b"\t" if tail or line.endswith("\t") else b""))
            time.sleep(0.3)  # let readline finish the completion before Enter
            os.write(fd, tail.encode() + b"\n" + b"echo DONE$((1 + 1))\n")
            out = read_until(b"DONE2").decode(errors="replace")
            results.append(re.findall(r"^ARG<(.*)>\r?$", out, re.MULTILINE))
        os.write(fd, b"exit\n")
    finally:
        os.close(fd)
        os.waitpid(pid, 0)
    return results


# (typed, with TAB; the arguments convcalc then receives)
AT_FILES = [
    ("convcalc run conv2d -i @im\t", ["run", "conv2d", "-i", "@image.npy"]),
    ("convcalc run conv2d --input=@im\t", ["run", "conv2d", "--input=@image.npy"]),
    ("convcalc sha\t", ["shape"]),
]


@pytest.mark.parametrize("with_bash_completion", [False, True])
def test_at_files_in_a_real_bash(files: Path, with_bash_completion: bool) -> None:
    """bash's hostcomplete (on by default; bash-completion turns it off) would complete
    `@im` as a host name and drop the '@': the script turns it off too."""
    setup = []
    if with_bash_completion:
        if not BASH_COMPLETION.exists() and os.environ.get("CI"):
            pytest.fail("bash-completion is required under CI (.ci/run installs it)")
        if not BASH_COMPLETION.exists():
            pytest.skip("bash-completion not installed (the test runs under CI)")
        setup.append(f"source {BASH_COMPLETION}")
    setup.append(f"source {shlex.quote(str(COMPLETIONS / 'convcalc.bash'))}")
    got = _interactive_bash(setup, [typed for typed, _ in AT_FILES], files)
    assert got == [arguments for _, arguments in AT_FILES]


# --- `convcalc completions SHELL`: the same scripts, for installs by pip -------------------


@pytest.mark.parametrize(
    ("shell", "name"), [("bash", "convcalc.bash"), ("zsh", "_convcalc"), ("fish", "convcalc.fish")]
)
def test_completions_command_prints_the_checked_in_script(cli, shell: str, name: str) -> None:
    result = cli("completions", shell)
    assert result.exit_code == 0, result.output
    assert result.stdout == (COMPLETIONS / name).read_text(encoding="utf-8")


def test_printed_scripts_complete_in_their_shells(files: Path, cli) -> None:
    scripts = files / "installed"
    scripts.mkdir()
    for shell, name in (("bash", "convcalc.bash"), ("zsh", "_convcalc"), ("fish", "convcalc.fish")):
        (scripts / name).write_text(cli("completions", shell).stdout, encoding="utf-8")
    # bash: sourced from ~/.bashrc as the install line says
    setup = [f"source {shlex.quote(str(scripts / 'convcalc.bash'))}"]
    assert _interactive_bash(setup, ["convcalc sha\t"], files) == [["shape"]]
    # zsh: the file on $fpath
    dump = Path(tempfile.gettempdir()) / f"convcalc-test-zcompdump-{os.getuid()}-installed"
    argv = [require_shell("zsh"), "-f", str(CAPTURE_ZSH), str(scripts), str(dump), "convcalc sha"]
    assert "shape" in _run(argv).split()
    # fish: in its completions directory (sourced here)
    fish_script = f"source {scripts / 'convcalc.fish'}; complete -C 'convcalc sha'"
    assert "shape" in _run([require_shell("fish"), "--no-config", "-c", fish_script]).split()
