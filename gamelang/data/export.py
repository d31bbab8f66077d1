"""An export from start to end: read runs, select views, build rows of one format, summarise.

The command line (gamelang/cli_data.py) only parses options and prints; everything an export
decides is here, so that scripts can call :func:`export` directly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .divergences import (divergence_dpo_rows, divergence_kto_rows, find_divergences, learner_of,
                          read_trees)
from .dpo import DEFAULT_MAX_PAIRS, dpo_rows
from .episodes import EXIT_PROBLEMS, ExportError, LoadedRuns, load_runs
from .kto import kto_rows
from .probes import probe_kto_rows, probe_sft_rows
from .rows import Built, append_new
from .select import Criteria, Selection, select_views
from .sft import sft_rows

FORMATS = ("sft", "dpo", "kto")


@dataclass
class ExportOptions:
    """How to build the rows of one format."""

    format: str
    criteria: Criteria = field(default_factory=Criteria)
    level: str = "turn"  # dpo
    max_pairs: int = DEFAULT_MAX_PAIRS  # dpo, per game, experiment, instance and role
    # kto, dpo: rows of the sibling divergences of search trees (trees.jsonl); None: wherever a
    # run folder has one (a search folder's dropped siblings are otherwise lost to training)
    divergences: bool | None = None
    probes: bool = False  # sft, kto: rows of the probe exchanges too (records' messages leave them out)


@dataclass
class ExportResult:
    """The rows and what the summary reports."""

    rows: list[dict[str, Any]]
    loaded: LoadedRuns
    selection: Selection
    counts: Counter
    warnings: list[str]

    def rows_by_game_and_role(self) -> Counter:
        return Counter((r["game"], r["role"]) for r in self.rows)


def selection_criteria(options: ExportOptions) -> Criteria:
    """The criteria that pick views; ``min_score`` means something else for dpo and kto.

    sft: episodes below ``min_score`` are left out; with neither ``--outcome`` nor ``--min-score``
    only won episodes are kept (SFT imitates success). dpo: ``min_score`` is the least score of a
    chosen episode. kto: ``min_score`` makes an episode a success.
    """
    c = options.criteria
    if options.format == "sft":
        if not c.outcomes and c.min_score is None:
            return replace(c, outcomes=("win",))
        return c
    return replace(c, min_score=None)


def build(options: ExportOptions, views) -> Built:
    """The rows of the chosen format from the selected views."""
    if options.format == "sft":
        return sft_rows(views)
    if options.format == "dpo":
        return dpo_rows(views, options.level, options.max_pairs, options.criteria.min_score)
    if options.format == "kto":
        return kto_rows(views, options.criteria.min_score)
    raise ValueError(f"unknown format {options.format!r}")


def add_divergences(built: Built, options: ExportOptions, loaded: LoadedRuns, views) -> None:
    """Add the rows of the search trees' sibling divergences (kto; dpo at the turn level) that the
    episodes' rows do not hold yet; only trees whose won golden leaf is a chosen view count."""
    if options.format not in ("kto", "dpo") or options.divergences is False:
        return
    trees = {str(data.path): read_trees(data.path) for data in loaded.runs}
    if not any(trees.values()):
        return
    if options.format == "dpo" and options.level != "turn":
        built.counts["divergence pairs left out: --level episode"] += 1
        return
    learners = {str(data.path): learner_of(data.meta) for data in loaded.runs}
    found = find_divergences(views, trees, learners, built.counts)
    if options.format == "kto":
        append_new(built, divergence_kto_rows(found), ("prompt", "completion", "label"), "divergence rows")
        return
    least = options.criteria.min_score  # the least score of a chosen episode
    found = [d for d in found if least is None or (d.view.episode.main is not None
                                                   and d.view.episode.main >= least)]
    append_new(built, divergence_dpo_rows(found), ("prompt", "chosen", "rejected"), "divergence pairs")


def add_probes(built: Built, options: ExportOptions, views) -> None:
    """Add a row of every probe exchange (sft) or probe reply (kto) of the chosen views."""
    if not options.probes:
        return
    if options.format == "sft":
        append_new(built, probe_sft_rows(views), ("messages",), "probe rows")
    elif options.format == "kto":
        append_new(built, probe_kto_rows(views, options.criteria.min_score), ("prompt", "completion", "label"),
                   "probe rows")
    else:
        raise ValueError(f"probe rows are made for sft and kto, not {options.format!r}")


def split_warnings(loaded: LoadedRuns, rows: list[dict[str, Any]], criteria: Criteria) -> list[str]:
    """Warn about training data drawn from test instances."""
    warnings = []
    used = Counter(r["run"] for r in rows)
    for run, count in sorted(used.items()):
        split = loaded.split_of(run)
        if split is not None and split.name == "test":
            warnings.append(f"{count} rows come from {run}, a run on the test split ({split.describe()}): "
                            "training on them leaks the test instances")
        elif split is None and criteria.split is None:
            warnings.append(f"{run} was run on every instance (no --split): its rows may include test "
                            "instances; add --split train to keep only training instances")
    return warnings


def export(paths: list[Path], options: ExportOptions) -> ExportResult:
    """Read the runs and build the rows; nothing usable raises :class:`ExportError` (exit 1)."""
    loaded = load_runs(paths)
    if not loaded.episodes:
        raise ExportError(f"no usable episode in {', '.join(map(str, paths))}"
                          + (f" ({loaded.malformed} malformed records)" if loaded.malformed else ""), EXIT_PROBLEMS)
    selection = select_views(loaded.episodes, selection_criteria(options))
    built = build(options, selection.views)
    add_divergences(built, options, loaded, selection.views)
    add_probes(built, options, selection.views)
    if loaded.malformed:
        built.counts["malformed records skipped"] = loaded.malformed
    return ExportResult(built.rows, loaded, selection, built.counts,
                        split_warnings(loaded, built.rows, options.criteria))
