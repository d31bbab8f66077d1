"""Scores of runs: per game and experiment, from the episode records alone.

Following clembench (clemcore's ``clemeval``): an episode is *played* unless it was aborted;
``% played`` is the share of played episodes, ``quality`` the mean main score of played episodes
(with its sample standard deviation, clembench's "Quality Score (std)"), and a game's clemscore
is ``% played / 100 * quality``. Over games, clembench averages ``% played`` and ``quality``
separately (a macro mean; a game with no played episode has no quality and is left out of that
mean) and the clemscore is ``average % played / 100 * average quality``: that is the overall
row. Episodes that ended in ``error`` (a backend or the game failed) and episodes the run planned
but never recorded are counted and shown apart, and left out of these figures: they say nothing
about the players.

Each record also carries clembench's episode flags and counts (:func:`clembench_scores`), under
the names clembench's scorers log them, so that an export and clembench's own evaluation scripts
read the same numbers.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:  # the interpreter imports this module: keep it free of the runtime
    from .runtime.runfolder import RunData

#: clembench's names of the episode scores every game logs (clemcore.clemgame.metrics).
ABORTED, LOSE, SUCCESS = "Aborted", "Lose", "Success"
REQUESTS, PARSED, VIOLATED = "Request Count", "Parsed Request Count", "Violated Request Count"
SUCCESS_RATIO, MAIN_SCORE = "Request Success Ratio", "Main Score"


#: The kinds of events :func:`violated_requests` reads.
_COUNTED = frozenset(("ask", "parse", "check", "reprompt", "end"))


def violated_requests(events: Iterable[dict[str, Any]]) -> list[bool]:
    """For each request of an episode (an ``ask``, re-prompts included), in order: whether it was
    violated, as clembench counts them.

    A request is violated when its reply could not be parsed (a parse of it failed and none
    succeeded: a game that tries one move and then another, ``parse a else goto b``, violates
    nothing when the second parse succeeds), or when its reply ended the episode as aborted by
    breaking a rule. A reply that a rule re-prompts (wordle's unknown word) counts as parsed, also
    the last one, after which the game gives up: clembench counts those as parsed requests too.
    """
    flags: list[bool] = []
    parsed = failed = aborted = False
    failed_check: str | None = None
    reprompted: set[str] = set()
    counted = _COUNTED
    for event in events:
        kind = event.get("type")
        try:
            if kind not in counted:  # most events (state, set, tell, reply) say nothing about requests
                continue
        except TypeError:  # an unhashable type, in a hand-edited record: none of those kinds
            continue
        if kind == "ask":
            if flags:  # close the previous request
                flags[-1] = (failed and not parsed) or aborted
            flags.append(False)
            parsed = failed = aborted = False
            failed_check = None
        elif not flags:
            continue
        elif kind == "parse":
            if event.get("ok"):
                parsed = True
            else:
                failed = True
        elif kind == "check":
            if not event.get("ok"):
                failed_check = f"check failed: {event.get('expr')}"
        elif kind == "reprompt":
            reprompted.add(str(event.get("reason")))
        elif (event.get("outcome") == "abort" and event.get("role") is not None
              and (failed_check is None or failed_check not in reprompted)):  # kind == "end"
            aborted = True
    if flags:
        flags[-1] = (failed and not parsed) or aborted
    return flags


def request_counts(events: Iterable[dict[str, Any]]) -> tuple[int, int, int]:
    """(requests, parsed, violated) of an episode's events, counted as clembench counts them
    (:func:`violated_requests`)."""
    flags = violated_requests(events)
    violated = sum(flags)
    return len(flags), len(flags) - violated, violated


def clembench_scores(outcome: str | None, main: float | None,
                     events: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """clembench's episode scores of an episode: the flags, the request counts and the main score.

    ``Aborted``, ``Lose`` and ``Success`` are 0 or 1 (an aborted episode is neither lost nor
    won, as clemcore's metrics define them); ``Main Score`` is the game's main score, ``None``
    (clembench's NaN) for an aborted episode. An episode that ended in ``error`` has none (None).
    """
    if outcome not in ("win", "lose", "abort"):
        return None
    requests, parsed, violated = request_counts(events)
    return {
        ABORTED: int(outcome == "abort"), LOSE: int(outcome == "lose"), SUCCESS: int(outcome == "win"),
        REQUESTS: requests, PARSED: parsed, VIOLATED: violated,
        SUCCESS_RATIO: round(parsed / requests, 4) if requests else None,
        MAIN_SCORE: None if outcome == "abort" else main,
    }


def record_clembench(record: dict[str, Any]) -> dict[str, Any] | None:
    """The clembench scores of a record: those it carries, or computed from it (older records)."""
    logged = record.get("clembench")
    if isinstance(logged, dict):
        return logged
    return clembench_scores(record.get("outcome"), (record.get("scores") or {}).get("main"),
                            record.get("events") or [])


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
    quality_std: float | None = None  # sample standard deviation of the main score of played episodes

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def mean(values: Iterable[float]) -> float:
    """The mean of a non-empty sequence (statistics.mean, without importing statistics on start-up)."""
    xs = list(values)
    return math.fsum(xs) / len(xs)


def stdev(xs: list[float]) -> float:
    """The sample standard deviation (n - 1), as pandas' std that clembench uses."""
    m = mean(xs)
    return math.sqrt(math.fsum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def _pct(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)


def score_records(records: Iterable[dict[str, Any]], run: str = "", game: str = "", experiment: str = "",
                  planned: int | None = None) -> ScoreRow:
    """Figures of one group of records."""
    rs = list(records)
    valid = [r for r in rs if r.get("outcome") in ("win", "lose", "abort")]
    errors = len(rs) - len(valid)
    played = [r for r in valid if r["outcome"] != "abort"]
    mains = [float(m) for m in ((r.get("scores") or {}).get("main") for r in played) if _number(m)]
    rewards = [r["scores"]["reward"] for r in valid if (r.get("scores") or {}).get("reward") is not None]
    wins = sum(r["outcome"] == "win" for r in valid)
    played_pct = _pct(len(played), len(valid))
    quality = mean(mains) if mains else None
    clemscore = played_pct / 100 * (quality or 0.0) if played_pct is not None else None
    missing = max(0, planned - len(rs)) if planned is not None else 0
    return ScoreRow(run, game, experiment, len(rs), errors, missing, played_pct, quality, _pct(wins, len(valid)),
                    mean(rewards) if rewards else None, clemscore, stdev(mains) if len(mains) > 1 else None)


def overall_row(game_rows: list[ScoreRow], run: str = "") -> ScoreRow:
    """The row over games, as clembench computes it: the mean of the games' % played, the mean of
    their quality (games with a quality), and clemscore = mean % played / 100 * mean quality."""
    played = [g.played_pct for g in game_rows if g.played_pct is not None]
    qualities = [g.quality for g in game_rows if g.quality is not None]
    played_pct = mean(played) if played else None
    quality = mean(qualities) if qualities else None
    clemscore = played_pct / 100 * (quality or 0.0) if played_pct is not None else None
    return ScoreRow(run, "(all games)", "", sum(g.episodes for g in game_rows), sum(g.errors for g in game_rows),
                    sum(g.missing for g in game_rows), played_pct, quality, None, None, clemscore)


def score_run(data: "RunData") -> list[ScoreRow]:
    """Rows per game and experiment, a row per game, and an overall row (clembench's macro means)."""
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
    rows.append(overall_row(game_rows, run))
    return rows


COLUMNS = [("game", "game"), ("experiment", "experiment"), ("episodes", "episodes"), ("errors", "errors"),
           ("missing", "missing"), ("played_pct", "% played"), ("quality", "quality"), ("quality_std", "sd"),
           ("win_pct", "win %"), ("mean_reward", "reward"), ("clemscore", "clemscore")]


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render_table(rows: list[ScoreRow], console=None, title: str | None = None) -> None:
    """Print rows as a rich table, then clembench's table (one line per run: clemscore, and per
    game % played and quality with its standard deviation)."""
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
    render_clembench_table(rows, console)


def render_clembench_table(rows: list[ScoreRow], console) -> None:
    """clembench's results table: per game % played and quality (with its sd), and over games the
    clemscore, from the macro means of % played and quality (clemcore's clemeval)."""
    from rich.table import Table
    from rich.text import Text

    from .safetext import visible

    chosen = [r for r in rows if r.experiment == "(all)" or r.game == "(all games)"]
    if not any(r.experiment == "(all)" for r in chosen):
        return
    multi_run = len({r.run for r in chosen}) > 1
    table = Table(title="clembench: clemscore = mean % played / 100 × mean quality, over games")
    for header in (["run"] if multi_run else []) + ["game", "% played", "quality", "sd", "clemscore"]:
        table.add_column(header, justify="left" if header in ("run", "game") else "right")
    for r in chosen:
        cells = [r.game, _fmt(r.played_pct), _fmt(r.quality), _fmt(r.quality_std), _fmt(r.clemscore)]
        table.add_row(*[Text(visible(str(c))) for c in ([r.run] if multi_run else []) + cells],
                      style="bold" if r.game == "(all games)" else None)
    console.print(table)


def render_csv(rows: list[ScoreRow]) -> str:
    """Rows as CSV (empty cells for missing values)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["run"] + [attr for attr, _ in COLUMNS])
    for r in rows:
        writer.writerow([r.run] + ["" if getattr(r, a) is None else getattr(r, a) for a, _ in COLUMNS])
    return out.getvalue()


def render_json(rows: list[ScoreRow]) -> str:
    """Rows as a JSON list."""
    return json.dumps([r.as_dict() for r in rows], indent=2)
