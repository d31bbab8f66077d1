"""An export from start to end: read runs, select views, build rows of one format, summarise.

The command line (gamelang/cli_data.py) only parses options and prints; everything an export
decides is here, so that scripts can call :func:`export` directly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .dpo import DEFAULT_MAX_PAIRS, dpo_rows
from .episodes import EXIT_PROBLEMS, ExportError, LoadedRuns, load_runs
from .kto import kto_rows
from .rows import Built
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
    if loaded.malformed:
        built.counts["malformed records skipped"] = loaded.malformed
    return ExportResult(built.rows, loaded, selection, built.counts,
                        split_warnings(loaded, built.rows, options.criteria))
