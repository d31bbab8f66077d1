"""`gamelang merge`, `gamelang serve` and `gamelang lsp`: runs over machines, remote play, editors.

gamelang/cli.py registers them from its table of commands when one of them runs. Each command imports
what it needs when it runs (pygls only for `lsp`), so `gamelang --help` stays light. docs/integrations.md and docs/editors.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from .cli_params import Argument, Exit, Option, echo

from .cli_commands import EXIT_OK, EXIT_PROBLEMS, fail
from .safetext import visible as visible_text


def merge(
    runs: list[Path] = Argument(..., help="The shard folders of one run (written by `gamelang run --shard I/N`)."),
    out: Path = Option(..., "--out", "-o", help="The run folder to write (new or empty)."),
    partial: bool = Option(False, "--partial", help="Merge even when some shards are missing (reported)."),
) -> None:
    """Join the shard folders of a run into one run folder; report missing or doubled episodes."""
    from .runtime.runfolder import RunFolderError
    from .shard import ShardError, merge_runs

    try:
        result = merge_runs(runs, out, allow_partial=partial)
    except (ShardError, RunFolderError) as err:
        raise fail(str(err)) from None
    for note in result.notes:
        echo(f"gamelang: note: {visible_text(note)}", err=True)
    for key in result.doubled:
        echo(f"gamelang: note: episode {visible_text(':'.join(map(str, key[:4])))} is in more than one shard; "
                   "kept once", err=True)
    if result.missing_shards:
        echo(f"gamelang: note: missing shards: {', '.join(map(str, result.missing_shards))}", err=True)
    if result.missing:
        echo(f"gamelang: note: {result.missing} planned episodes are in no shard (resume the shards "
                   "that are not complete)", err=True)
    echo(f"merged {result.shards} shards, {result.records} episodes ({result.planned} planned) "
               f"into {visible_text(str(out))}")
    problems = result.missing or result.missing_shards or result.doubled
    raise Exit(EXIT_PROBLEMS if problems else EXIT_OK)


def serve(
    game: str = Argument(..., help="A game file or the name of a game under games/."),
    role: Optional[str] = Option(None, "--role", help="The role the remote client plays (default: the first "
                                                            "role without a --partner)."),
    partner: list[str] = Option([], "--partner", help="A player for another role, as ROLE=SPEC (repeatable)."),
    model: Optional[str] = Option(None, "--model", help="A player for every other role without a --partner "
                                                              "(default: the game's reference players)."),
    experiment: Optional[str] = Option(None, help="Only instances of this experiment."),
    host: str = Option("127.0.0.1", help="Address to bind (loopback by default; another address "
                                               "needs --api-key)."),
    port: int = Option(8000, min=0, max=65535, help="Port (0: a free one, printed)."),
    api_key: Optional[str] = Option(None, "--api-key", envvar="GAMELANG_API_KEY",
                                          help="Require this key (Authorization: Bearer KEY); also read from "
                                               "GAMELANG_API_KEY."),
    max_sessions: int = Option(64, min=1, help="Live episodes kept at once (the least recently used is dropped)."),
    max_episodes: Optional[int] = Option(None, min=1, help="Episodes started in all, then /reset answers 429."),
    max_body: int = Option(1_000_000, min=1024, help="Largest request body in bytes."),
) -> None:
    """Serve one role of a game over HTTP with OpenEnv's reset/step protocol (docs/integrations.md)."""
    import ipaddress

    from .cli_commands import load_machine_or_exit
    from .envs.driver import EnvError
    from .serve import ServeSettings, make_server

    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not api_key:
        raise fail(f"--host {host} is not a loopback address: give an --api-key so that strangers cannot play")
    partners = {}
    for item in partner:
        name, sep, spec = item.partition("=")
        if not sep or not name or not spec:
            raise fail(f"--partner takes ROLE=SPEC, got '{item}'")
        partners[name] = spec
    machine = load_machine_or_exit(game)
    settings = ServeSettings(role=role, partners=partners, default_partner=model, experiment=experiment, host=host,
                             port=port, api_key=api_key, max_body=max_body, max_sessions=max_sessions,
                             max_episodes=max_episodes)
    try:
        server, service = make_server(machine, settings)
    except EnvError as err:
        raise fail(str(err)) from None
    except OSError as err:
        raise fail(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    bound_host, bound_port = server.server_address[:2]
    echo(f"serving role '{service.role}' of {machine.name} on http://{bound_host}:{bound_port} "
               f"(POST /reset, POST /step, GET /state); Ctrl-C stops", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        service.close()


def lsp() -> None:
    """Run the language server for .game files on standard input and output (for editors)."""
    try:
        from .lsp.server import main as serve_lsp
    except ImportError as err:
        raise fail(f"the language server needs the lsp extra: pip install 'gamelang[lsp]' ({err})") from None
    serve_lsp()
