"""The `gamelang export` and `gamelang compare` commands, and the --split options of run and play.

gamelang/cli.py registers them from its table of commands when one of them runs. Like every command
they import what they need when they run; JSONL export needs neither torch nor datasets.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

from .cli_params import Argument, Exit, Option, echo

from .cli_commands import EXIT_OK, EXIT_PROBLEMS, ScoreFormat, fail, read_runs_or_exit

#: Pairs per game, experiment, instance and role in a DPO export (kept in step with data.dpo, which
#: is not imported here so that `gamelang --help` stays light).
DEFAULT_MAX_PAIRS = 16


class ExportFormat(str, Enum):
    sft = "sft"
    dpo = "dpo"
    kto = "kto"
    clembench = "clembench"


class PairLevel(str, Enum):
    turn = "turn"
    episode = "episode"


def split_or_exit(name: Optional[str], test_share: float, seed: int):
    """The split named on the command line (None without --split); a bad one exits with code 2."""
    from .splits import DEFAULT_SPLIT_SEED, DEFAULT_TEST_SHARE, Split, SplitError

    if name is None:
        if test_share != DEFAULT_TEST_SHARE or seed != DEFAULT_SPLIT_SEED:
            raise fail("--test-share and --split-seed choose a split: give --split train or --split test too")
        return None
    try:
        return Split(name, test_share, seed)
    except SplitError as err:
        raise fail(str(err)) from None


def export_command(
    format: ExportFormat = Argument(..., help="sft, dpo, kto or clembench."),
    runs: list[Path] = Argument(..., help="Run folders."),
    out: Path = Option(..., "--out", "-o",
                             help="The dataset file: .jsonl, or .parquet (needs datasets); clembench: a folder."),
    role: list[str] = Option([], "--role", help="Only this role (repeatable; simulated roles too)."),
    model: list[str] = Option([], "--model", help="Only roles played by this player spec (repeatable)."),
    game: list[str] = Option([], "--game", help="Only this game (repeatable)."),
    outcome: list[str] = Option([], "--outcome", help="Only episodes with this outcome (repeatable)."),
    min_score: Optional[float] = Option(
        None, "--min-score",
        help="sft: leave out episodes below it; dpo: the least score of a chosen episode; kto: a success."),
    level: Optional[PairLevel] = Option(None, "--level",
                                              help="dpo: pairs of turns (the default) or of whole episodes."),
    max_pairs: Optional[int] = Option(
        None, "--max-pairs-per-instance", min=1,
        help=f"dpo: at most this many pairs per game, experiment, instance and role (default {DEFAULT_MAX_PAIRS})."),
    split: Optional[str] = Option(None, "--split", help="Only instances of this side of the split."),
    test_share: float = Option(0.2, "--test-share", help="With --split: the test share."),
    split_seed: int = Option(0, "--split-seed", help="With --split: the split seed."),
    golden: bool = Option(False, "--golden", help="Only the golden paths of search trees (gamelang search)."),
    divergences: Optional[bool] = Option(
        None, "--divergences/--no-divergences",
        help="kto, dpo: add the sibling divergences of search trees (trees.jsonl): the golden reply desirable "
             "(chosen), a dropped sibling's reply undesirable (rejected). Default: on for search folders."),
    probes: bool = Option(False, "--probes",
                                help="sft, kto: add rows of the probe exchanges (left out of records' messages)."),
    players_name: list[str] = Option(
        [], "--players-name",
        help="clembench: the players' folder of each run, once per run (default: the player specs joined by --)."),
) -> None:
    """Turn the episodes of runs into an SFT, DPO or KTO dataset that TRL's trainers take, or write
    them as clembench results (export clembench RUN... --out FOLDER)."""
    if format is ExportFormat.clembench:
        if (role or model or outcome or min_score is not None or level or max_pairs or split or golden
                or divergences is not None or probes):
            raise fail("export clembench takes --out FOLDER, --game and --players-name only")
        _export_clembench(runs, out, players_name, tuple(game))
    if players_name:
        raise fail("--players-name is an option of 'export clembench'")
    from rich.console import Console

    from .data.divergences import TREES_FILE
    from .data.episodes import ExportError
    from .data.export import ExportOptions, export
    from .data.select import Criteria
    from .data.writer import check_output, write_rows

    if format is not ExportFormat.dpo and (level is not None or max_pairs is not None):
        raise fail("--level and --max-pairs-per-instance are options of 'export dpo'")
    if format is ExportFormat.sft and divergences is not None:
        raise fail("--divergences and --no-divergences are options of 'export kto' and 'export dpo'")
    if format is ExportFormat.dpo and probes:
        raise fail("--probes is an option of 'export sft' and 'export kto'")
    if divergences and not any((run / TREES_FILE).is_file() for run in runs):
        raise fail(f"--divergences: none of these runs is a search folder (no {TREES_FILE})")
    criteria = Criteria(tuple(game), tuple(role), tuple(model), tuple(outcome), min_score,
                        split_or_exit(split, test_share, split_seed), golden)
    options = ExportOptions(format.value, criteria, (level or PairLevel.turn).value, max_pairs or DEFAULT_MAX_PAIRS,
                            divergences, probes)
    console = Console(highlight=False, width=None if Console().is_terminal else 120)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        check_output(out)
        result = export(runs, options)
        for note in result.loaded.notes:
            errors.print(f"note: {note}", style="yellow", markup=False)
        _print_summary(console, result, format.value)
        if not result.rows:
            why = ("no episode and role met the criteria" if not result.selection.views
                   else f"the {len(result.selection.views)} chosen episode views make no pair" if format.value == "dpo"
                   else "the chosen episodes hold no reply")
            raise ExportError(f"nothing to export: {why} (see the summary above)", EXIT_PROBLEMS)
        write_rows(result.rows, out)
    except ExportError as err:
        raise fail(str(err), err.code) from None
    for warning in result.warnings:
        errors.print(f"warning: {warning}", style="yellow", markup=False)
    console.print(f"wrote {len(result.rows)} {format.value} rows to {out}", markup=False)  # a path is not markup
    raise Exit(EXIT_OK)


def _export_clembench(runs: list[Path], out: Path, players_name: list[str], games: tuple[str, ...]) -> None:
    """Write runs as clembench results under the folder ``out`` (docs/clembench.md)."""
    from .cli_commands import visible_text
    from .data.clembench import export_clembench

    if out.exists() and not out.is_dir():
        raise fail(f"--out {out} is not a folder: export clembench writes a results folder")
    loaded = read_runs_or_exit(runs)
    try:
        result = export_clembench(loaded, out, players_name or None, games)
    except ValueError as err:
        raise fail(str(err)) from None
    except OSError as err:
        raise fail(f"cannot write under {out}: {err.strerror or err}") from None
    for reason, n in result.skipped.most_common():
        echo(f"left out {n} episodes: {reason}", err=True)
    if not result.episodes:
        raise fail("nothing to export: no episode that ended in win, lose or abort", EXIT_PROBLEMS)
    echo(visible_text(f"wrote {result.episodes} episodes as clembench results under {out}: "
                            + ", ".join(sorted(result.folders))))
    raise Exit(EXIT_OK)


def _print_summary(console, result, format: str) -> None:
    """Rows per game and role, counts of the builder, and what was left out and why."""
    from rich.table import Table

    by = result.rows_by_game_and_role()
    if by:
        from rich.text import Text

        table = Table(title=f"{format} rows")
        for header in ("game", "role", "rows"):
            table.add_column(header, justify="right" if header == "rows" else "left")
        for (game, role), n in sorted(by.items()):  # names read from run logs: text, not markup
            table.add_row(Text(str(game)), Text(str(role)), str(n))
        console.print(table)
    views = result.selection.views
    episodes = len({(v.episode.run, v.episode.sort_key) for v in views})
    console.print(f"chosen: {episodes} episodes, {len(views)} learner views", markup=False)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()) if v)
    if counts:
        console.print(counts, markup=False)
    for what, counter in (("episodes", result.selection.skipped_episodes),
                          ("roles", result.selection.skipped_views)):
        if counter:
            console.print(f"left out {what}: " + ", ".join(f"{reason} {n}" for reason, n in counter.most_common()),
                          markup=False)


def compare(
    runs: list[Path] = Argument(..., help="Run folders (one per model); the first is the baseline."),
    format: ScoreFormat = Option(ScoreFormat.table, "--format", "-f", help="table, csv or json."),
    report: Optional[Path] = Option(
        None, "--report", help="Also write FOLDER/compare.svg (a bar chart), compare.html and compare.json."),
    bootstrap: int = Option(1000, "--bootstrap", min=0, help="Bootstrap resamples of the instances."),
    seed: int = Option(0, "--seed", help="Seed of the bootstrap (the same seed gives the same intervals)."),
) -> None:
    """Compare runs game by game: clembench's % played, quality and clemscore with bootstrap intervals,
    which pairs of runs each game separates, and win rate, quality and reward against the first run."""
    from rich.console import Console

    from .compare import clembench_comparison, compare_runs, render_clembench, render_csv, render_json, render_tables
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    loaded = read_runs_or_exit(runs)
    rows, notes = compare_runs(loaded)
    if not rows:
        raise fail("no episodes in these runs", EXIT_PROBLEMS)
    comparison = clembench_comparison(loaded, bootstrap, seed)
    if format is ScoreFormat.csv:
        echo(render_csv(rows), nl=False)
    elif format is ScoreFormat.json:
        echo(render_json(rows))
    else:
        console = Console(highlight=False, width=None if Console().is_terminal else 160)
        render_tables(rows, console)
        render_clembench(comparison, console)
    if report is not None:
        _write_report(report, comparison, rows)
    for note in notes + comparison.notes:
        errors.print(f"note: {note}", style="dim", markup=False)


def _write_report(folder: Path, comparison, rows) -> None:
    """compare.svg, compare.html and compare.json in ``folder`` (created if needed)."""
    import json

    from .compare import render_html, render_svg

    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "compare.svg").write_text(render_svg(comparison), encoding="utf-8")
        (folder / "compare.html").write_text(render_html(comparison, rows), encoding="utf-8")
        (folder / "compare.json").write_text(json.dumps({**comparison.as_dict(), "rows": [r.as_dict() for r in rows]},
                                                        indent=2), encoding="utf-8")
    except OSError as err:
        raise fail(f"cannot write the report to {folder}: {err.strerror or err}") from None
    echo(f"wrote {folder / 'compare.svg'}, compare.html and compare.json", err=True)


def split_command(
    game: str = Argument(..., help="A game file or the name of a game under games/."),
    test_share: float = Option(0.2, "--test-share", help="The share of instances in the test split."),
    split_seed: int = Option(0, "--split-seed", help="The seed that draws the split."),
    ids: bool = Option(False, "--ids", help="Also list the ids of the test instances."),
) -> None:
    """Show how a game's instances fall into the train and test splits."""
    from .cli_commands import load_machine_or_exit
    from .instances import InstanceError, load_instances
    from .splits import Split, SplitError

    machine = load_machine_or_exit(game)
    try:
        test = Split("test", test_share, split_seed)
        instances = load_instances(machine)
    except SplitError as err:
        raise fail(str(err)) from None
    except InstanceError as err:
        raise fail(str(err), EXIT_PROBLEMS) from None
    echo(f"{machine.name}: test share {test.test_share:g}, split seed {test.seed}")
    for experiment in dict.fromkeys(i.experiment for i in instances):
        of_exp = [i for i in instances if i.experiment == experiment]
        held = [i.id for i in of_exp if test.contains(machine.name, experiment, i.id)]
        echo(f"  {experiment:<20} train {len(of_exp) - len(held):>5}  test {len(held):>5}"
                   + (f"  test ids: {' '.join(held)}" if ids and held else ""))
