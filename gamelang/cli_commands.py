"""The core commands of `gamelang` (validate, graph, schema, games, play, run, score, transcript)
and the helpers every command module shares (``fail``, loading games and runs).

The commands are plain functions; gamelang/cli.py registers them on a typer app, from its table
of commands, only when one of them runs. Exit codes follow the usual convention: 0 when all is
well, 1 when problems were found (invalid games, failed episodes), 2 for bad usage or a path that
cannot be read. Commands import what they need when they run, so `gamelang validate` never loads
torch, transformers or trl.
"""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import Optional

from . import cli as _cli
from .cli import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from .cli_params import Argument, Exit, Option, echo
from .safetext import visible as visible_text



class DiagnosticFormat(str, Enum):
    text = "text"
    json = "json"


class GraphFormat(str, Enum):
    mermaid = "mermaid"
    dot = "dot"


class ScoreFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


MODEL_HELP = "A player for every role that has no other player: hf:PATH, openai:MODEL@URL, scripted, replay:FILE."
ROLE_HELP = "A player for one role, as ROLE=SPEC (repeatable)."
HUMAN_HELP = "Play ROLE yourself at the terminal (repeatable)."
SPLIT_HELP = "Only the instances of this side of the train/test split: train or test."
TEST_SHARE_HELP = "With --split: the share of instances in the test split."
SPLIT_SEED_HELP = "With --split: the seed that draws the split (the same seed gives the same split)."


def fail(message: str, code: int = EXIT_USAGE) -> Exit:
    """Print an error for the user (no traceback) and return the exit to raise."""
    echo(f"gamelang: error: {visible_text(message)}", err=True)  # messages echo paths and names
    return Exit(code)


def validate(
    paths: list[Path] = Argument(..., help="Game files, or folders to search for *.game and *.game.yaml."),
    format: DiagnosticFormat = Option(DiagnosticFormat.text, "--format", "-f", help="text or json."),
    instances: bool = Option(True, help="Also check every instance against the instance schema."),
    cache: bool = Option(True, help="Report a game whose files are all unchanged since a clean "
                                          "validation from the cache instead of checking it again."),
) -> None:
    """Check game files and report every problem with its position, code and hint."""
    from .validate import validate_paths

    outcome = validate_paths(paths, check_instances=instances, use_cache=cache)
    if format is DiagnosticFormat.json:
        echo(outcome.render_json())
    else:
        text = outcome.render_text()
        if text:
            echo(visible_text(text))  # source lines of a game file may hold escape sequences
    for problem in outcome.usage_problems:
        echo(f"gamelang: error: {visible_text(problem)}", err=True)
    raise Exit(outcome.exit_code)


def graph(
    game: str = Argument(..., help="A game file, the name of a game under games/, or a folder of games."),
    format: GraphFormat = Option(GraphFormat.mermaid, "--format", "-f", help="mermaid or dot."),
) -> None:
    """Print a game's state machine as a Mermaid or Graphviz diagram (of every game under a folder)."""
    from .graph import to_dot, to_mermaid

    for i, machine in enumerate(load_machines_or_exit(game)):
        if i:
            echo("")
        echo(to_mermaid(machine.spec) if format is GraphFormat.mermaid else to_dot(machine.spec), nl=False)


def schema() -> None:
    """Print the JSON schema of the YAML form of a game (for editors)."""
    import json

    from .lang.spec import GameSpec

    echo(json.dumps(GameSpec.model_json_schema(by_alias=True), indent=2))


def games() -> None:
    """List the games gamelang can find by name."""
    from .registry import list_games

    for name, path in sorted(list_games().items()):
        echo(visible_text(f"{name:<20} {path}"))


def _assignment_specs(model: Optional[str], roles: list[str], humans: list[str]):
    """(role specs, default spec) from the command line; bad specs exit with code 2."""
    from .players import PlayerSpecError, parse_spec

    try:
        role_specs = {}
        for item in roles:
            role, sep, spec = item.partition("=")
            if not sep or not role or not spec:
                raise PlayerSpecError(f"--role takes ROLE=SPEC, got '{item}'")
            role_specs[role] = parse_spec(spec)
        for role in humans:
            role_specs[role] = parse_spec("human")
        return role_specs, (parse_spec(model) if model else None)
    except PlayerSpecError as err:
        raise fail(str(err)) from None


def _check_reference_players(machines, assignment) -> None:
    """Every role left to a scripted player needs a reference player in its game: say which has none."""
    for machine in machines:
        for role in machine.roles:
            spec = assignment.spec_for(role)
            if spec.kind == "scripted" and machine.reference_player(role, spec.target or None) is None:
                named = f" named '{spec.target}'" if spec.target else ""
                raise fail(f"game '{machine.name}' has no reference player{named} for role '{role}': declare "
                           f"`player NAME for {role} {{ reply \"...\" }}` or choose its player with "
                           f"--role {role}=SPEC, --model SPEC or --human {role}")


def _check_roles(machines, role_specs: dict) -> None:
    known = {r for m in machines for r in m.roles}
    for role in role_specs:
        if role not in known:
            from .lang.diagnostics import did_you_mean

            hint = did_you_mean(role, known)
            raise fail(f"no game here has a role '{role}'" + (f"; {hint}" if hint else f" (roles: {', '.join(sorted(known))})"))


def play(
    game: str = Argument(..., help="A game file, the name of a game under games/, or a folder of games."),
    human: list[str] = Option([], "--human", help=HUMAN_HELP),
    model: Optional[str] = Option(None, "--model", help=MODEL_HELP),
    role: list[str] = Option([], "--role", help=ROLE_HELP),
    experiment: Optional[str] = Option(None, help="Play an instance of this experiment."),
    instance: Optional[str] = Option(None, help="Play the instance with this id (default: the first)."),
    seed: int = Option(0, help="Seed of the episode (sampling players use it)."),
    save: Optional[Path] = Option(None, help="Append the episode's record to this JSONL file."),
    split: Optional[str] = Option(None, "--split", help=SPLIT_HELP),
    test_share: float = Option(0.2, "--test-share", help=TEST_SHARE_HELP),
    split_seed: int = Option(0, "--split-seed", help=SPLIT_SEED_HELP),
) -> None:
    """Play one episode with a live transcript (scripted players by default)."""
    import json

    from rich.console import Console
    from rich.text import Text

    from .instances import InstanceError
    from .live import LiveTranscript, plain
    from .players import PlayerSpecError
    from .runtime.run import RunSettings, select_instances
    from .runtime.runfolder import RunFolderError
    from .runtime.scheduler import Assignment, EpisodeJob, run_jobs

    machines = load_machines_or_exit(game)
    if len(machines) > 1:  # a folder of games: one episode of each, one after another
        codes = []
        for m in machines:
            try:
                play(str(m.path), human, model, role, experiment, instance, seed, save, split, test_share, split_seed)
            except Exit as done:
                codes.append(done.exit_code)
        raise Exit(max(codes))
    machine = machines[0]
    role_specs, default = _assignment_specs(model, role, human)
    _check_roles([machine], role_specs)
    if save is not None:
        _check_save(save)  # before playing: a --save that cannot be written must not cost the episode
    from .cli_data import split_or_exit

    settings = RunSettings(out=Path("."), experiments=[experiment] if experiment else None,
                           instance_ids=[instance] if instance else None,
                           split=split_or_exit(split, test_share, split_seed))
    try:
        instances = select_instances(machine, settings)
    except InstanceError as err:
        raise fail(str(err), EXIT_PROBLEMS) from None
    except RunFolderError as err:  # an --experiment the instances do not have: a usage error, as in `run`
        raise fail(str(err)) from None
    if not instances:
        raise fail(f"no instance of {machine.name} matches" + (f" id '{instance}'" if instance else ""))
    assignment = Assignment(role_specs, default)
    _check_reference_players([machine], assignment)
    try:
        assignment.prepare([machine])
    except PlayerSpecError as err:
        raise fail(str(err)) from None
    console = Console(highlight=False)
    humans = {r for r, s in role_specs.items() if s.kind == "human"}
    live = LiveTranscript(console, humans or None)
    inst = instances[0]
    console.rule(plain(f"{machine.name} · {inst.experiment} · instance {inst.id}"))
    players = assignment.describe(machine)
    console.print(plain("players: " + ", ".join(f"{r} = {p}" for r, p in players.items()), "dim"))
    records: list[dict] = []
    _cli.setup_done()  # the game compiled and the instance chosen: the episode from here
    try:
        run_jobs([EpisodeJob(machine, inst, 0, seed)], assignment, 1, records.append,
                 on_event=lambda env, event: live.on_event(event))
    finally:
        assignment.close()
    record = records[0]
    scores = record["scores"] or {}
    style = {"win": "bold green", "lose": "bold yellow", "abort": "bold", "error": "bold red"}[record["outcome"]]
    reason = f" ({record['reason']})" if record["reason"] else ""
    console.print(Text.assemble("outcome: ", (record["outcome"], style), plain(reason)))
    console.print(plain(f"main score: {scores.get('main')}  reward: {scores.get('reward')}  "
                        f"metrics: {json.dumps(scores.get('metrics') or {})}"))
    if save is not None:
        from .runtime.runfolder import encode_record

        line, _ = encode_record(record)  # never fails on what a player wrote (lone surrogates, ...)
        try:
            with open(save, "ab") as fh:
                fh.write(line)
        except OSError as err:  # the file was fine before playing: keep the episode on standard output
            echo(line.decode("utf-8"), nl=False)
            raise fail(f"cannot append to {save}: {err.strerror or err}; the episode's record is printed above")
    raise Exit(EXIT_PROBLEMS if record["outcome"] == "error" else EXIT_OK)


def run(
    games: Optional[list[str]] = Argument(
        None, help="Games to run (files, names or folders of games); with --resume, by default those of the run."),
    out: Optional[Path] = Option(None, "--out", "-o", help="Run folder (default: runs/GAMES-TIME)."),
    model: Optional[str] = Option(None, "--model", help=MODEL_HELP),
    role: list[str] = Option([], "--role", help=ROLE_HELP),
    human: list[str] = Option([], "--human", help=HUMAN_HELP),
    episodes: Optional[int] = Option(None, min=1, help="Episodes per instance (default 1)."),
    limit: Optional[int] = Option(None, min=1, help="Play only the first N instances of each game."),
    experiment: list[str] = Option([], "--experiment", help="Only these experiments (repeatable)."),
    concurrency: int = Option(8, min=1, help="Episodes played at once (requests to one model are batched)."),
    seed: Optional[int] = Option(None, help="Run seed; every episode's seed derives from it (default 0)."),
    resume: bool = Option(False, help="Continue an interrupted run in --out, skipping finished episodes; "
                                            "the plan, games and players not given are those of the run."),
    retry_errors: bool = Option(False, help="With --resume, play again the episodes that ended in error."),
    split: Optional[str] = Option(None, "--split", help=SPLIT_HELP),
    test_share: float = Option(0.2, "--test-share", help=TEST_SHARE_HELP),
    split_seed: int = Option(0, "--split-seed", help=SPLIT_SEED_HELP),
    fsync: str = Option("group", "--fsync", help="When records are synced to disk: episode (each), group "
                                                       "(every 64 records or 0.5 s; the default), group:N:MS, or "
                                                       "end. A killed process loses no finished episode with any "
                                                       "of them; a power loss can lose the unsynced ones."),
    shard: Optional[str] = Option(None, "--shard", help="Play only share I of N of the plan (I/N, 1 <= I <= N; "
                                                              "by a hash of each episode's key); join the shard "
                                                              "folders with `gamelang merge`."),
) -> None:
    """Play every instance of one or more games, log every episode, and print the scores."""
    import time

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    from .instances import InstanceError
    from .players import PlayerSpecError
    from .runtime.run import RunSettings, execute
    from .runtime.runfolder import RunFolderError, SyncPolicy, read_run
    from .cli_data import split_or_exit
    from .scoring import render_table, score_run

    try:
        sync = SyncPolicy.parse(fsync)
    except ValueError as err:
        raise fail(str(err)) from None
    games = list(games or [])
    run_split = split_or_exit(split, test_share, split_seed)
    from .shard import Shard, ShardError

    try:
        run_shard = Shard.parse(shard) if shard is not None else None
    except ShardError as err:
        raise fail(str(err)) from None
    previous: dict = {}
    if resume:
        if out is None:
            raise fail("--resume needs the run folder: --out FOLDER")
        previous = _previous_run(out)
        if previous:  # what the command line leaves out is taken from run.json: the run's own plan
            games = games or _previous_games(previous, out)
            episodes = episodes if episodes is not None else previous.get("episodes_per_instance", 1)
            limit = limit if limit is not None else previous.get("limit")
            seed = seed if seed is not None else previous.get("seed", 0)
            experiment = experiment or list(previous.get("experiments") or [])
            if split is None:
                from .splits import Split

                run_split = Split.from_meta(previous.get("split"))
            if not (model or role or human):
                model, role, human = _previous_players(previous)
            if shard is None:
                run_shard = Shard.from_meta(previous.get("shard"))
            _check_plan_types(out, episodes, limit, seed, experiment)
    if not games:
        raise fail("name at least one game to run" + (f" ({out} holds no run to resume)" if resume else ""))
    episodes = 1 if episodes is None else episodes
    seed = 0 if seed is None else seed
    machines = [m for g in games for m in load_machines_or_exit(g)]
    names = [m.name for m in machines]
    if len(set(names)) != len(names):
        raise fail("a game is named twice")
    if resume and previous and isinstance(previous.get("games"), dict) and previous["games"]:
        before = sorted(previous["games"])
        if before != sorted(names):  # checked first: the plan of other games cannot even be drawn
            raise fail(f"this run was started with another plan: games: {', '.join(before)} when the run started, "
                       f"{', '.join(sorted(names))} now; resume it with its own games (leave them out to take them "
                       "from run.json), or use a new --out folder")
    role_specs, default = _assignment_specs(model, role, human)
    _check_roles(machines, role_specs)
    from .runtime.scheduler import Assignment as _Assignment

    _check_reference_players(machines, _Assignment(role_specs, default))
    out = out or Path("runs") / f"{'-'.join(names)}-{time.strftime('%Y%m%d-%H%M%S')}"
    _check_folder_out(out)
    settings = RunSettings(out=out, episodes=episodes, limit=limit, experiments=experiment or None,
                           concurrency=concurrency, seed=seed, resume=resume, retry_errors=retry_errors,
                           role_specs=role_specs, default_spec=default, split=run_split, sync=sync,
                           shard=run_shard)
    console = Console(highlight=False, width=None if Console().is_terminal else 140)
    counts = {"win": 0, "lose": 0, "abort": 0, "error": 0}
    progress = Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("{task.fields[outcomes]}", markup=False), console=console,
                        transient=False)
    task = None

    def on_start(total: int, skipped: int) -> None:
        nonlocal task
        _cli.setup_done()  # games compiled, instances read, the plan made: episodes from here
        if skipped:
            console.print(Text(f"resuming {out}: {skipped} of {total} episodes already done"))
        task = progress.add_task(visible_text(f"run {out.name}"), total=total, completed=skipped, outcomes="")

    def on_record(record: dict) -> None:
        counts[record["outcome"]] = counts.get(record["outcome"], 0) + 1
        progress.update(task, advance=1, outcomes=" ".join(f"{k} {v}" for k, v in counts.items() if v))

    interrupted = False
    try:
        with progress:
            result = execute(machines, settings, on_record=on_record, on_start=on_start)
    except (RunFolderError, InstanceError) as err:
        raise fail(str(err)) from None
    except PlayerSpecError as err:
        raise fail(str(err)) from None
    except KeyboardInterrupt:
        interrupted = True
    data = read_run(out)
    for problem in data.problems:
        console.print(Text(f"note: {visible_text(problem)}", style="yellow"))
    render_table(score_run(data), console, title=visible_text(str(out)))
    if interrupted:
        command = resume_command(games, settings, model, role, human)
        console.print(Text(f"interrupted: the finished episodes are saved in {visible_text(str(out))}; "
                           f"continue with: {visible_text(command)}", style="yellow"))
        raise Exit(130)
    console.print(Text(f"{result.played} episodes played, {result.skipped} already done; "
                       f"logs in {visible_text(str(out))}"))
    raise Exit(EXIT_PROBLEMS if counts.get("error") else EXIT_OK)


def _check_save(save: Path) -> None:
    """--save must name a file that can be appended to (not a folder, in a folder that exists)."""
    if save.is_dir():
        raise fail(f"--save {save} is a folder; give a file to append the episode's record to")
    try:
        with open(save, "ab"):
            pass
    except OSError as err:
        raise fail(f"cannot write --save {save}: {err.strerror or err}") from None


def _check_folder_out(out: Path) -> None:
    """--out must be a folder gamelang can create and write: anything else is bad usage (exit 2),
    found before a single episode is played."""
    if out.exists() and not out.is_dir():
        raise fail(f"--out {out} is not a folder (a file or a device); choose a folder for the run")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise fail(f"cannot create the run folder {out}: {err.strerror or err}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise fail(f"cannot write into the run folder {out}")


def _previous_run(out: Path) -> dict:
    """The run.json of the run in ``out`` that --resume continues ({} when there is none yet)."""
    import json

    from .runtime.runfolder import RUN_FILE

    file = out / RUN_FILE
    if not file.is_file():
        return {}
    try:
        meta = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise fail(f"cannot resume: {file} is not readable JSON ({err}); use a new --out folder") from None
    if not isinstance(meta, dict):
        raise fail(f"cannot resume: {file} does not hold a run's metadata; use a new --out folder")
    return meta


def _previous_games(meta: dict, out: Path) -> list[str]:
    """The game files of a run, as recorded in its run.json."""
    games = meta.get("games")
    if not isinstance(games, dict) or not games:
        return []
    paths = [info.get("path") if isinstance(info, dict) else None for info in games.values()]
    if not all(isinstance(p, str) and p for p in paths):
        raise fail(f"{out / 'run.json'} does not say where the run's games are: name them on the command line")
    return paths


def _previous_players(meta: dict) -> tuple[Optional[str], list[str], list[str]]:
    """(--model, --role, --human) of a run, as recorded in its run.json."""
    players = meta.get("players") if isinstance(meta.get("players"), dict) else {}
    default = players.get("default")
    model = default if isinstance(default, str) and default != "scripted" else None
    roles, humans = [], []
    for name, spec in (players.get("roles") or {}).items():
        if spec == "human":
            humans.append(str(name))
        elif isinstance(spec, str):
            roles.append(f"{name}={spec}")
    return model, roles, humans


def _check_plan_types(out: Path, episodes, limit, seed, experiments) -> None:
    """A plan read from a run.json that was edited by hand may hold anything: refuse what is not a plan."""
    def whole(v, low: int) -> bool:
        return type(v) is int and v >= low

    if not (whole(episodes, 1) and (limit is None or whole(limit, 1)) and type(seed) is int
            and all(isinstance(e, str) for e in experiments)):
        raise fail(f"cannot resume: the plan in {out / 'run.json'} is malformed "
                   f"(episodes {episodes!r}, limit {limit!r}, seed {seed!r}, experiments {experiments!r})")


def resume_command(games: list[str], settings, model: Optional[str], roles: list[str], humans: list[str]) -> str:
    """The whole command line that continues a run: its games, folder, plan and players."""
    import shlex

    args = ["gamelang", "run", *games, "--out", str(settings.out), "--resume", "--episodes", str(settings.episodes),
            "--seed", str(settings.seed)]
    if settings.limit is not None:
        args += ["--limit", str(settings.limit)]
    for name in settings.experiments or []:
        args += ["--experiment", name]
    if settings.split is not None:
        args += ["--split", settings.split.name, "--test-share", f"{settings.split.test_share:g}",
                 "--split-seed", str(settings.split.seed)]
    if model:
        args += ["--model", model]
    for item in roles:
        args += ["--role", item]
    for name in humans:
        args += ["--human", name]
    if getattr(settings, "shard", None) is not None:
        args += ["--shard", settings.shard.describe()]
    if settings.concurrency != 8:
        args += ["--concurrency", str(settings.concurrency)]
    if settings.retry_errors:
        args.append("--retry-errors")
    from .runtime.runfolder import SyncPolicy

    if getattr(settings, "sync", SyncPolicy()) != SyncPolicy():
        args += ["--fsync", settings.sync.describe()]
    return " ".join(shlex.quote(a) for a in args)


def score(
    runs: list[Path] = Argument(..., help="Run folders."),
    format: ScoreFormat = Option(ScoreFormat.table, "--format", "-f", help="table, csv or json."),
) -> None:
    """Score runs from their episode logs alone."""
    from rich.console import Console

    from .scoring import render_csv, render_json, render_table, score_run

    rows = [row for _, data in read_runs_or_exit(runs) for row in score_run(data)]
    if format is ScoreFormat.csv:
        echo(render_csv(rows), nl=False)
    elif format is ScoreFormat.json:
        echo(render_json(rows))
    else:
        render_table(rows, Console(highlight=False, width=None if Console().is_terminal else 140))


def transcript(
    run_dir: Path = Argument(..., help="A run folder."),
    out: Path = Option(..., "--out", "-o", help="The HTML file to write."),
    game: Optional[str] = Option(None, help="Only episodes of this game."),
    outcome: Optional[str] = Option(None, help="Only episodes with this outcome (win, lose, abort, error)."),
    limit: Optional[int] = Option(None, min=1, help="At most this many episodes."),
) -> None:
    """Write a run's transcripts as one self-contained HTML page."""
    from .runtime.runfolder import RunFolderError, read_run
    from .transcript import render_html

    try:
        data = read_run(run_dir)
    except RunFolderError as err:
        raise fail(str(err)) from None
    records = [r for r in data.latest().values()
               if (game is None or r["game"] == game) and (outcome is None or r["outcome"] == outcome)]
    if limit is not None:
        records = records[:limit]
    try:
        out.write_text(render_html(records, f"gamelang run {run_dir.name}"), encoding="utf-8")
    except OSError as err:
        raise fail(f"cannot write {out}: {err.strerror or err}") from None
    echo(f"wrote {len(records)} episodes to {visible_text(str(out))}")


def load_machines_or_exit(ref: str) -> list:
    """The games ``ref`` names: one game (a file, a game's folder, a name), or every game under a folder."""
    from .registry import game_files_under, is_game_folder

    path = Path(ref)
    if path.is_dir() and not is_game_folder(path):
        files = game_files_under(path)
        if not files:
            raise fail(f"no game files (*.game, *.game.yaml) under {ref}")
        return [load_machine_or_exit(str(f)) for f in files]
    return [load_machine_or_exit(ref)]


def read_runs_or_exit(paths: list[Path]) -> list:
    """(path, RunData) of each run folder; an unreadable one exits (2); problems found are noted on stderr."""
    from .runtime.runfolder import RunFolderError, read_run

    loaded = []
    for path in paths:
        try:
            data = read_run(path)
        except RunFolderError as err:
            raise fail(str(err)) from None
        for problem in data.problems:
            echo(f"gamelang: note: {visible_text(problem)}", err=True)
        loaded.append((str(path), data))
    return loaded


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
        echo(visible_text(result.render()), err=True)
        raise fail(f"{path} is not a valid game", EXIT_PROBLEMS)
    return result.machine
