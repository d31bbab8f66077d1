"""The `gamelang` command.

Exit codes follow the usual convention: 0 when all is well, 1 when problems were found (invalid
games, failed episodes), 2 for bad usage or a path that cannot be read. Commands import what
they need when they run, so `gamelang validate` never loads torch, transformers or trl.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    name="gamelang",
    help="Dialogue games for language models: validate, play, run, score and export them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class DiagnosticFormat(str, Enum):
    text = "text"
    json = "json"


class GraphFormat(str, Enum):
    mermaid = "mermaid"
    dot = "dot"


def fail(message: str, code: int = EXIT_USAGE) -> "typer.Exit":
    """Print an error for the user (no traceback) and return the exit to raise."""
    typer.echo(f"gamelang: error: {message}", err=True)
    return typer.Exit(code)




@app.command()
def validate(
    paths: list[Path] = typer.Argument(..., help="Game files, or folders to search for *.game and *.game.yaml."),
    format: DiagnosticFormat = typer.Option(DiagnosticFormat.text, "--format", "-f", help="text or json."),
    instances: bool = typer.Option(True, help="Also check every instance against the instance schema."),
) -> None:
    """Check game files and report every problem with its position, code and hint."""
    from .validate import validate_paths

    outcome = validate_paths(paths, check_instances=instances)
    if format is DiagnosticFormat.json:
        typer.echo(outcome.render_json())
    else:
        text = outcome.render_text()
        if text:
            typer.echo(text)
    for problem in outcome.usage_problems:
        typer.echo(f"gamelang: error: {problem}", err=True)
    raise typer.Exit(outcome.exit_code)


@app.command()
def graph(
    game: str = typer.Argument(..., help="A game file or the name of a game under games/."),
    format: GraphFormat = typer.Option(GraphFormat.mermaid, "--format", "-f", help="mermaid or dot."),
) -> None:
    """Print a game's state machine as a Mermaid or Graphviz diagram."""
    from .graph import to_dot, to_mermaid

    machine = load_machine_or_exit(game)
    typer.echo(to_mermaid(machine.spec) if format is GraphFormat.mermaid else to_dot(machine.spec), nl=False)


@app.command()
def schema() -> None:
    """Print the JSON schema of the YAML form of a game (for editors)."""
    import json

    from .lang.spec import GameSpec

    typer.echo(json.dumps(GameSpec.model_json_schema(by_alias=True), indent=2))


@app.command()
def games() -> None:
    """List the games gamelang can find by name."""
    from .registry import list_games

    for name, path in sorted(list_games().items()):
        typer.echo(f"{name:<20} {path}")


def load_machine_or_exit(ref: str):
    """Compile a game by path or name; on failure print why and exit (1 invalid, 2 not found)."""
    from .compiler import compile_file
    from .registry import GameNotFound, resolve_game

    try:
        path = resolve_game(ref)
        result = compile_file(path)
    except GameNotFound as err:
        raise fail(str(err)) from None
    except OSError as err:
        raise fail(f"cannot read {ref}: {err.strerror or err}") from None
    if result.machine is None:
        typer.echo(result.render(), err=True)
        raise fail(f"{path} is not a valid game", EXIT_PROBLEMS)
    return result.machine


def main(argv: Optional[list[str]] = None) -> None:
    """Entry point of the `gamelang` script: no Python traceback reaches the user."""
    try:
        app(args=argv, prog_name="gamelang", standalone_mode=True)
    except KeyboardInterrupt:
        typer.echo("gamelang: interrupted", err=True)
        sys.exit(130)
    except Exception as err:  # a bug in gamelang itself: say so plainly, keep the details available
        if os.environ.get("GAMELANG_DEBUG"):
            raise
        typer.echo(f"gamelang: internal error: {type(err).__name__}: {err} "
                   "(set GAMELANG_DEBUG=1 to see the traceback)", err=True)
        sys.exit(3)
