"""Scores of runs: per game and experiment, from the episode records alone.

Following clembench: an episode is *played* unless it was aborted; ``% played`` is the share of
played episodes, ``quality`` the mean main score of played episodes, and the clemscore of a game
is ``% played / 100 * quality``; the overall clemscore is the mean over games. Episodes that
ended in ``error`` (a backend or the game failed) and episodes the run planned but never recorded
are counted and shown apart, and left out of these figures: they say nothing about the players.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict, dataclass
from statistics import mean
from typing import Any, Iterable

from .runtime.runfolder import RunData


@dataclass
class ScoreRow:
    """The figures of one group of episodes (a game and experiment, a game, or all games)."""

    run: str
    game: str
    experiment: str
    episodes: int
    errors: int
    missing: int
    played_pct: float | None
    quality: float | None
    win_pct: float | None
    mean_reward: float | None
    clemscore: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pct(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def score_records(records: Iterable[dict[str, Any]], run: str = "", game: str = "", experiment: str = "",
                  planned: int | None = None) -> ScoreRow:
    """Figures of one group of records."""
    rs = list(records)
    valid = [r for r in rs if r.get("outcome") in ("win", "lose", "abort")]
    errors = len(rs) - len(valid)
    played = [r for r in valid if r["outcome"] != "abort"]
    mains = [r["scores"]["main"] for r in played if (r.get("scores") or {}).get("main") is not None]
    rewards = [r["scores"]["reward"] for r in valid if (r.get("scores") or {}).get("reward") is not None]
    wins = sum(r["outcome"] == "win" for r in valid)
    played_pct = _pct(len(played), len(valid))
    quality = mean(mains) if mains else None
    clemscore = played_pct / 100 * (quality or 0.0) if played_pct is not None else None
    missing = max(0, planned - len(rs)) if planned is not None else 0
    return ScoreRow(run, game, experiment, len(rs), errors, missing, played_pct, quality, _pct(wins, len(valid)),
                    mean(rewards) if rewards else None, clemscore)


def score_run(data: RunData) -> list[ScoreRow]:
    """Rows per game and experiment, a row per game, and an overall row (macro mean over games)."""
    latest = list(data.latest().values())
    planned = {g: info.get("planned_by_experiment", {}) for g, info in data.meta.get("games", {}).items()}
    run = data.path.name
    rows: list[ScoreRow] = []
    games = sorted({r["game"] for r in latest} | set(planned))
    game_rows: list[ScoreRow] = []
    for game in games:
        of_game = [r for r in latest if r["game"] == game]
        experiments = sorted({r["experiment"] for r in of_game} | set(planned.get(game, {})))
        for exp in experiments:
            rows.append(score_records([r for r in of_game if r["experiment"] == exp], run, game, exp,
                                      planned.get(game, {}).get(exp)))
        total_planned = sum(planned[game].values()) if planned.get(game) else None
        game_row = score_records(of_game, run, game, "(all)", total_planned)
        rows.append(game_row)
        game_rows.append(game_row)
    scored = [g.clemscore for g in game_rows if g.clemscore is not None]
    overall = ScoreRow(run, "(all games)", "", sum(g.episodes for g in game_rows), sum(g.errors for g in game_rows),
                       sum(g.missing for g in game_rows), None, None, None, None, mean(scored) if scored else None)
    rows.append(overall)
    return rows


COLUMNS = [("game", "game"), ("experiment", "experiment"), ("episodes", "episodes"), ("errors", "errors"),
           ("missing", "missing"), ("played_pct", "% played"), ("quality", "quality"), ("win_pct", "win %"),
           ("mean_reward", "reward"), ("clemscore", "clemscore")]


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render_table(rows: list[ScoreRow], console=None, title: str | None = None) -> None:
    """Print rows as a rich table."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from .safetext import visible

    def cell(value: str) -> Text:  # run folders and names from a log are text, never rich markup
        return Text(visible(str(value)))

    console = console or Console()
    table = Table(title=cell(title) if title is not None else None, show_lines=False)
    multi_run = len({r.run for r in rows}) > 1
    if multi_run:
        table.add_column("run")
    for _, header in COLUMNS:
        table.add_column(header, justify="left" if header in ("game", "experiment") else "right")
    for r in rows:
        style = "bold" if r.experiment in ("(all)", "") else None
        cells = [_fmt(getattr(r, attr), 3 if attr == "mean_reward" else 2) for attr, _ in COLUMNS]
        table.add_row(*([cell(r.run)] if multi_run else []), *map(cell, cells), style=style)
    console.print(table)


def render_csv(rows: list[ScoreRow]) -> str:
    """Rows as CSV (empty cells for missing values)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["run"] + [attr for attr, _ in COLUMNS])
    for r in rows:
        writer.writerow([r.run] + ["" if getattr(r, a) is None else getattr(r, a) for a, _ in COLUMNS])
    return out.getvalue()


def render_json(rows: list[ScoreRow]) -> str:
    """Rows as a JSON list."""
    return json.dumps([r.as_dict() for r in rows], indent=2)



