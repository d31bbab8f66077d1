"""Comparing runs game by game: win rate (with a 95 % Wilson interval), quality, % played, reward.

The figures are those of :mod:`gamelang.scoring` for each run and game; the first run is the
baseline and every other run's row shows its difference to it. The spread of the win rate is
the Wilson score interval at 95 %, which behaves well for small samples and rates near 0 or 100 %
(where the plain normal interval collapses); rows whose interval does not overlap the baseline's
are marked, a conservative sign that the difference is not noise.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict, dataclass
from typing import Any

from .runtime.runfolder import RunData
from .scoring import score_records

Z95 = 1.959963984540054


def wilson_interval(wins: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a rate, in percent (None without episodes)."""
    if n <= 0:
        return None
    p = wins / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


@dataclass
class CompareRow:
    """One run's figures for one game, and their difference to the baseline (the first run)."""

    game: str
    run: str
    episodes: int
    errors: int
    win_pct: float | None
    win_low: float | None
    win_high: float | None
    quality: float | None
    played_pct: float | None
    mean_reward: float | None
    d_win_pct: float | None = None
    d_quality: float | None = None
    d_played_pct: float | None = None
    d_reward: float | None = None
    apart: bool = False  # the win-rate intervals of this run and the baseline do not overlap

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _latest(data: RunData) -> list[dict[str, Any]]:
    return list(data.latest().values())


def compare_runs(runs: list[tuple[str, RunData]]) -> tuple[list[CompareRow], list[str]]:
    """Rows per game (in game order, runs in the given order) and notes on what is not comparable."""
    by_run = {name: _latest(data) for name, data in runs}
    games = sorted({r["game"] for records in by_run.values() for r in records})
    rows: list[CompareRow] = []
    notes: list[str] = []
    for game in games:
        base: CompareRow | None = None
        base_instances: set | None = None
        for name, _ in runs:
            records = [r for r in by_run[name] if r["game"] == game]
            if not records:
                notes.append(f"{name} has no episode of {game}")
                continue
            score = score_records(records, name, game)
            valid = [r for r in records if r.get("outcome") in ("win", "lose", "abort")]
            wins = sum(r["outcome"] == "win" for r in valid)
            interval = wilson_interval(wins, len(valid))
            row = CompareRow(game, name, score.episodes, score.errors, score.win_pct,
                             interval[0] if interval else None, interval[1] if interval else None,
                             score.quality, score.played_pct, score.mean_reward)
            instances = {(r["experiment"], str(r["instance"])) for r in records}
            if base is None:
                base, base_instances = row, instances
            else:
                row.d_win_pct = _diff(row.win_pct, base.win_pct)
                row.d_quality = _diff(row.quality, base.quality)
                row.d_played_pct = _diff(row.played_pct, base.played_pct)
                row.d_reward = _diff(row.mean_reward, base.mean_reward)
                row.apart = (None not in (row.win_low, base.win_low)
                             and (row.win_low > base.win_high or row.win_high < base.win_low))
                if instances != base_instances:
                    shared = len(instances & base_instances)
                    notes.append(f"{game}: {name} played {len(instances)} instances, {base.run} "
                                 f"{len(base_instances)}, {shared} of them the same")
            rows.append(row)
    for name, data in runs:
        split = data.meta.get("split")
        if isinstance(split, dict):
            notes.append(f"{name}: {split.get('name')} split (test share {split.get('test_share')}, "
                         f"split seed {split.get('seed')})")
    return rows, notes


CSV_FIELDS = ["game", "run", "episodes", "errors", "win_pct", "win_low", "win_high", "quality", "played_pct",
              "mean_reward", "d_win_pct", "d_quality", "d_played_pct", "d_reward", "apart"]


def render_csv(rows: list[CompareRow]) -> str:
    """Rows as CSV (empty cells for missing values)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for r in rows:
        writer.writerow(["" if getattr(r, f) is None else getattr(r, f) for f in CSV_FIELDS])
    return out.getvalue()


def render_json(rows: list[CompareRow]) -> str:
    """Rows as a JSON list."""
    return json.dumps([r.as_dict() for r in rows], indent=2)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _signed(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:+.{digits}f}"


def render_tables(rows: list[CompareRow], console) -> None:
    """One rich table per game; the baseline is the first row of each."""
    from rich.table import Table
    from rich.text import Text

    for game in dict.fromkeys(r.game for r in rows):
        table = Table(title=Text(str(game)))  # names and run folders are text, never rich markup
        for header in ("run", "episodes", "errors", "win %", "95 % interval", "Δ win", "quality", "Δ quality",
                       "% played", "Δ played", "reward", "Δ reward"):
            table.add_column(header, justify="left" if header == "run" else "right")
        for i, r in enumerate(r for r in rows if r.game == game):
            interval = "-" if r.win_low is None else f"{r.win_low:.1f}–{r.win_high:.1f}"
            d_win = "" if i == 0 else _signed(r.d_win_pct) + (" *" if r.apart else "")
            table.add_row(Text(str(r.run)), str(r.episodes), str(r.errors), _fmt(r.win_pct, 1), interval, d_win,
                          _fmt(r.quality), "" if i == 0 else _signed(r.d_quality, 2), _fmt(r.played_pct, 1),
                          "" if i == 0 else _signed(r.d_played_pct), _fmt(r.mean_reward, 3),
                          "" if i == 0 else _signed(r.d_reward, 3))
        console.print(table)
    if any(r.apart for r in rows):
        console.print("* the 95 % intervals of the win rate do not overlap the first run's", style="dim")
