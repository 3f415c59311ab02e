"""`convcalc completions SHELL`: print the shell's completion script (for installs by pip)."""

from __future__ import annotations

import enum
from typing import Annotated

import typer


class Shell(enum.StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


# the generated scripts (scripts/make_completions.py), by shell
SCRIPTS = {Shell.bash: "convcalc.bash", Shell.zsh: "_convcalc", Shell.fish: "convcalc.fish"}

EPILOG = (
    "\b\nInstall once.  bash: source the script from ~/.bashrc, or save it as\n"
    "convcalc in ~/.local/share/bash-completion/completions (bash-completion\n"
    "loads it when needed); zsh reads _convcalc from a directory on $fpath (set\n"
    "before compinit); fish reads ~/.config/fish/completions.\n"
    "\n\b\nExamples:\n"
    "  $ convcalc completions bash > ~/.convcalc.bash  # source it in ~/.bashrc\n"
    "  $ convcalc completions zsh > ~/.zfunc/_convcalc\n"
    "  $ convcalc completions fish > ~/.config/fish/completions/convcalc.fish"
)


def completions(
    shell: Annotated[
        Shell, typer.Argument(metavar="SHELL", help="bash, zsh or fish.", show_default=False)
    ],
) -> None:
    """Print the completion script for SHELL; TAB presses then never start Python."""
    from convcalc.completion_scripts import script_text

    typer.echo(script_text(SCRIPTS[shell]), nl=False)
