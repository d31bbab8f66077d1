"""`gamelang merge`, `gamelang serve` and `gamelang lsp`: runs over machines, remote play, editors.

Registered on the `app` of gamelang/cli.py when it is imported. Each command imports what it
needs when it runs (pygls only for `lsp`), so `gamelang --help` stays light. docs/ecosystem.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .cli import EXIT_OK, EXIT_PROBLEMS, app, fail
from .safetext import visible as visible_text


@app.command()
def merge(
    runs: list[Path] = typer.Argument(..., help="The shard folders of one run (written by `gamelang run --shard I/N`)."),
    out: Path = typer.Option(..., "--out", "-o", help="The run folder to write (new or empty)."),
    partial: bool = typer.Option(False, "--partial", help="Merge even when some shards are missing (reported)."),
) -> None:
    """Join the shard folders of a run into one run folder; report missing or doubled episodes."""
    from .runtime.runfolder import RunFolderError
    from .shard import ShardError, merge_runs

    try:
        result = merge_runs(runs, out, allow_partial=partial)
    except (ShardError, RunFolderError) as err:
        raise fail(str(err)) from None
    for note in result.notes:
        typer.echo(f"gamelang: note: {visible_text(note)}", err=True)
    for key in result.doubled:
        typer.echo(f"gamelang: note: episode {visible_text(':'.join(map(str, key[:4])))} is in more than one shard; "
                   "kept once", err=True)
    if result.missing_shards:
        typer.echo(f"gamelang: note: missing shards: {', '.join(map(str, result.missing_shards))}", err=True)
    if result.missing:
        typer.echo(f"gamelang: note: {result.missing} planned episodes are in no shard (resume the shards "
                   "that are not complete)", err=True)
    typer.echo(f"merged {result.shards} shards, {result.records} episodes ({result.planned} planned) "
               f"into {visible_text(str(out))}")
    problems = result.missing or result.missing_shards or result.doubled
    raise typer.Exit(EXIT_PROBLEMS if problems else EXIT_OK)
