"""Comparing runs (models) game by game: the clembench figures, how far apart they are, and
whether the games tell the models apart.

Two views of the same runs:

- :func:`compare_runs`: per game, one row per run with the figures of :mod:`gamelang.scoring`
  (win rate with a 95 % Wilson interval, quality, % played, reward) and each figure's difference
  to the first run (the baseline). The Wilson interval behaves well for small samples and rates
  near 0 or 100 %; rows whose interval does not overlap the baseline's are marked.
- :func:`clembench_comparison`: per game and over games, each run's % played, quality and
  clemscore (as clembench computes them) with a 95 % bootstrap interval, the spread between the
  runs, and for every pair of runs whether their difference is beyond bootstrap noise. The
  bootstrap resamples a game's instances (with replacement, all episodes of an instance together,
  the same draw for every run: a paired bootstrap over the instances the runs share), with a fixed
  seed, so the same runs always give the same figures. A pair is *separated* when the 95 %
  interval of its clemscore difference excludes 0; a game's *separation* is the share of pairs
  it separates. :func:`render_svg` and :func:`render_html` draw it for a report.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict, dataclass, field
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



# ---------------------------------------------------------------------------------------------
# clembench figures per model, bootstrap intervals and separation

OVERALL = "(all games)"


@dataclass
class ModelScore:
    """One run's clembench figures on one game (or over all games), with 95 % bootstrap intervals."""

    game: str
    run: str
    episodes: int
    played_pct: float | None
    quality: float | None
    quality_std: float | None
    clemscore: float | None
    clemscore_low: float | None = None
    clemscore_high: float | None = None
    quality_low: float | None = None
    quality_high: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PairTest:
    """The clemscore difference of two runs on one game (or over games), with its 95 % interval."""

    game: str
    a: str
    b: str
    diff: float | None  # a - b
    low: float | None
    high: float | None
    separated: bool  # the interval excludes 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class GameSummary:
    """How far apart the runs are on one game, and how many pairs of runs it separates."""

    game: str
    instances: int  # instances every run played (the bootstrap's units)
    spread: float | None  # largest minus smallest clemscore
    pairs: int
    separated: int

    @property
    def share(self) -> float | None:
        return self.separated / self.pairs if self.pairs else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "share": self.share}


@dataclass
class Comparison:
    """Everything :func:`clembench_comparison` finds; ``runs`` in the given order."""

    runs: list[str]
    games: list[str]
    scores: list[ModelScore]
    pairs: list[PairTest]
    summaries: list[GameSummary]
    bootstrap: int
    seed: int
    notes: list[str]
    players: dict[str, str] = field(default_factory=dict)  # run -> its players, from run.json

    def score(self, game: str, run: str) -> ModelScore | None:
        return next((s for s in self.scores if s.game == game and s.run == run), None)

    def as_dict(self) -> dict[str, Any]:
        return {"runs": self.runs, "players": self.players, "games": self.games, "bootstrap": self.bootstrap,
                "seed": self.seed,
                "scores": [s.as_dict() for s in self.scores], "pairs": [p.as_dict() for p in self.pairs],
                "summaries": [g.as_dict() for g in self.summaries], "notes": self.notes}


def _percentiles(values: list[float], level: float = 0.95) -> tuple[float, float] | None:
    if not values:
        return None
    xs = sorted(values)
    n = len(xs)
    lo = xs[max(0, int(math.floor((1 - level) / 2 * n)))]
    hi = xs[min(n - 1, int(math.ceil((1 + level) / 2 * n)) - 1)]
    return lo, hi


def _units(records: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[int, int, float]]:
    """Per instance: (valid episodes, played episodes, sum of the main scores of played episodes)."""
    out: dict[tuple[str, str], list] = {}
    for r in records:
        if r.get("outcome") not in ("win", "lose", "abort"):
            continue
        unit = out.setdefault((str(r["experiment"]), str(r["instance"])), [0, 0, 0.0, 0])
        unit[0] += 1
        if r["outcome"] != "abort":
            main = (r.get("scores") or {}).get("main")
            if isinstance(main, (int, float)) and not isinstance(main, bool) and not math.isnan(main):
                unit[1] += 1
                unit[2] += float(main)
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def _figures(valid: int, played: int, total: float) -> tuple[float | None, float | None, float | None]:
    """(% played, quality, clemscore) of summed counts."""
    if not valid:
        return None, None, None
    played_pct = 100.0 * played / valid
    quality = total / played if played else None
    return played_pct, quality, played_pct / 100 * (quality or 0.0)


def _overall(per_game: list[tuple[float | None, float | None]]) -> tuple[float | None, float | None, float | None]:
    """clembench's figures over games from each game's (% played, quality)."""
    played = [p for p, _ in per_game if p is not None]
    qualities = [q for _, q in per_game if q is not None]
    if not played:
        return None, None, None
    p = sum(played) / len(played)
    q = sum(qualities) / len(qualities) if qualities else None
    return p, q, p / 100 * (q or 0.0)


def clembench_comparison(runs: list[tuple[str, RunData]], bootstrap: int = 1000, seed: int = 0) -> Comparison:
    """clembench figures of each run per game and over games, with paired bootstrap intervals."""
    import random
    from itertools import combinations

    from .scoring import overall_row

    names = [name for name, _ in runs]
    by_run = {name: _latest(data) for name, data in runs}
    games = sorted({r["game"] for records in by_run.values() for r in records})
    rng = random.Random(seed)
    scores: list[ModelScore] = []
    pairs: list[PairTest] = []
    summaries: list[GameSummary] = []
    notes: list[str] = []
    # replicate figures: run -> game -> list of (played_pct, quality, clemscore) per replicate
    reps: dict[str, dict[str, list[tuple]]] = {n: {} for n in names}
    game_rows: dict[str, list] = {n: [] for n in names}
    for game in games:
        of_game = {n: [r for r in by_run[n] if r["game"] == game] for n in names}
        present = [n for n in names if of_game[n]]
        units = {n: _units(of_game[n]) for n in present}
        shared = sorted(set.intersection(*(set(u) for u in units.values()))) if units else []
        if len(present) < len(names):
            notes.append(f"{game}: only {', '.join(present)} played it")
        if units and any(len(u) != len(shared) for u in units.values()):
            notes.append(f"{game}: the intervals are over the {len(shared)} instances every run played")
        draws = [[rng.randrange(len(shared)) for _ in shared] for _ in range(bootstrap)] if shared else []
        for n in present:
            row = score_records(of_game[n], n, game)
            game_rows[n].append(row)
            table = [units[n][k] for k in shared]
            replicate = []
            for draw in draws:
                v = p = 0
                t = 0.0
                for i in draw:
                    a, b, c = table[i]
                    v += a
                    p += b
                    t += c
                replicate.append(_figures(v, p, t))
            reps[n][game] = replicate
            clem = _percentiles([c for _, _, c in replicate if c is not None])
            qual = _percentiles([q for _, q, _ in replicate if q is not None])
            scores.append(ModelScore(game, n, row.episodes, row.played_pct, row.quality, row.quality_std,
                                     row.clemscore, *(clem or (None, None)), *(qual or (None, None))))
        game_pairs = []
        for a, b in combinations(present, 2):
            game_pairs.append(_pair(game, a, b, _score_of(scores, game, a), _score_of(scores, game, b),
                                    reps[a][game], reps[b][game]))
        pairs += game_pairs
        summaries.append(_summary(game, len(shared), [s for s in scores if s.game == game], game_pairs))
    # over games: each replicate draws every game's instances; runs that lack a game are compared
    # over the games they have, as clembench's table does
    for n in names:
        overall = overall_row(game_rows[n], n)
        replicate = [_overall([(rep[i][0], rep[i][1]) for rep in reps[n].values() if rep]) for i in range(bootstrap)]
        clem = _percentiles([c for _, _, c in replicate if c is not None])
        qual = _percentiles([q for _, q, _ in replicate if q is not None])
        scores.append(ModelScore(OVERALL, n, overall.episodes, overall.played_pct, overall.quality, None,
                                 overall.clemscore, *(clem or (None, None)), *(qual or (None, None))))
    overall_pairs = []
    for a, b in combinations(names, 2):
        ra = [_overall([(rep[i][0], rep[i][1]) for rep in reps[a].values() if rep]) for i in range(bootstrap)]
        rb = [_overall([(rep[i][0], rep[i][1]) for rep in reps[b].values() if rep]) for i in range(bootstrap)]
        overall_pairs.append(_pair(OVERALL, a, b, _score_of(scores, OVERALL, a), _score_of(scores, OVERALL, b),
                                   ra, rb))
    pairs += overall_pairs
    summaries.append(_summary(OVERALL, sum(g.instances for g in summaries),
                              [s for s in scores if s.game == OVERALL], overall_pairs))
    return Comparison(names, games, scores, pairs, summaries, bootstrap, seed, notes,
                      {name: describe_players(data.meta) for name, data in runs})


def describe_players(meta: dict[str, Any]) -> str:
    """A run's players in words, from its run.json: the default and each role's own."""
    players = meta.get("players") if isinstance(meta.get("players"), dict) else {}
    parts = [str(players.get("default") or "scripted")]
    roles = players.get("roles") if isinstance(players.get("roles"), dict) else {}
    parts += [f"{role}={spec}" for role, spec in roles.items()]
    return ", ".join(parts)


def _score_of(scores: list[ModelScore], game: str, run: str) -> ModelScore:
    return next(s for s in scores if s.game == game and s.run == run)


def _pair(game: str, a: str, b: str, sa: ModelScore, sb: ModelScore, ra: list[tuple], rb: list[tuple]) -> PairTest:
    diffs = [x[2] - y[2] for x, y in zip(ra, rb) if x[2] is not None and y[2] is not None]
    interval = _percentiles(diffs)
    diff = None if sa.clemscore is None or sb.clemscore is None else sa.clemscore - sb.clemscore
    separated = interval is not None and (interval[0] > 0 or interval[1] < 0)
    return PairTest(game, a, b, diff, *(interval or (None, None)), separated)


def _summary(game: str, instances: int, scores: list[ModelScore], pairs: list[PairTest]) -> GameSummary:
    clems = [s.clemscore for s in scores if s.clemscore is not None]
    spread = max(clems) - min(clems) if len(clems) > 1 else None
    return GameSummary(game, instances, spread, len(pairs), sum(p.separated for p in pairs))


def render_clembench(comparison: Comparison, console) -> None:
    """The clembench table (a row per game, a column group per run) and the separated pairs."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"clembench, per game and run: 95 % bootstrap intervals ({comparison.bootstrap} "
                        f"resamples of the instances, seed {comparison.seed})")
    for header in ("game", "run", "% played", "quality", "clemscore", "95 % interval", "spread",
                   "separated pairs"):
        table.add_column(header, justify="left" if header in ("game", "run") else "right")
    for summary in comparison.summaries:
        share = "-" if summary.share is None else f"{summary.separated}/{summary.pairs} ({100 * summary.share:.0f} %)"
        first = True
        for run in comparison.runs:
            s = comparison.score(summary.game, run)
            if s is None:
                continue
            interval = "-" if s.clemscore_low is None else f"{s.clemscore_low:.1f}–{s.clemscore_high:.1f}"
            table.add_row(Text(summary.game if first else ""), Text(run), _fmt(s.played_pct, 1), _fmt(s.quality, 1),
                          _fmt(s.clemscore, 1), interval, _fmt(summary.spread, 1) if first else "",
                          share if first else "", style="bold" if summary.game == OVERALL else None,
                          end_section=run == comparison.runs[-1])
            first = False
    console.print(table)
    if comparison.pairs:
        pairs = Table(title="clemscore differences between runs")
        for header in ("game", "pair", "Δ clemscore", "95 % interval", "beyond noise"):
            pairs.add_column(header, justify="right" if header.startswith(("Δ", "95")) else "left")
        for p in comparison.pairs:
            interval = "-" if p.low is None else f"{p.low:+.1f} … {p.high:+.1f}"
            pairs.add_row(Text(p.game), Text(f"{p.a} − {p.b}"), _signed(p.diff), interval,
                          "yes" if p.separated else "no")
        console.print(pairs)


PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac"]


def render_svg(comparison: Comparison, title: str = "clemscore by game") -> str:
    """A grouped bar chart of the clemscores, a group per game and the overall one, with the 95 %
    bootstrap intervals as error bars: one self-contained SVG, no script, no external file."""
    from html import escape

    groups = [s.game for s in comparison.summaries]
    runs = comparison.runs
    bar, gap, left, top, height = 14, 18, 56, 40, 240
    group_w = bar * max(1, len(runs)) + gap
    width = max(left + group_w * len(groups) + 20, left + 30 + 7 * max((len(r) for r in runs), default=0))
    legend_h = 18 * len(runs) + 10
    total_h = top + height + 110 + legend_h

    def y(v: float) -> float:
        return top + height - height * max(0.0, min(100.0, v)) / 100

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total_h}" '
           f'viewBox="0 0 {width} {total_h}" font-family="sans-serif" font-size="11">',
           f'<title>{escape(title)}</title>',
           f'<text x="{left}" y="20" font-size="14" font-weight="bold">{escape(title)}</text>']
    for tick in range(0, 101, 20):
        out.append(f'<line x1="{left}" x2="{width - 20}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>')
    out.append(f'<text x="14" y="{top + height / 2:.0f}" transform="rotate(-90 14 {top + height / 2:.0f})" '
               f'text-anchor="middle">clemscore</text>')
    for g, game in enumerate(groups):
        x0 = left + g * group_w + gap / 2
        for i, run in enumerate(runs):
            s = comparison.score(game, run)
            if s is None or s.clemscore is None:
                continue
            x = x0 + i * bar
            colour = PALETTE[i % len(PALETTE)]
            out.append(f'<rect x="{x:.1f}" y="{y(s.clemscore):.1f}" width="{bar - 2}" '
                       f'height="{y(0) - y(s.clemscore):.1f}" fill="{colour}">'
                       f'<title>{escape(run)} · {escape(game)}: {s.clemscore:.1f}'
                       + ("" if s.clemscore_low is None else f" [{s.clemscore_low:.1f}–{s.clemscore_high:.1f}]")
                       + '</title></rect>')
            if s.clemscore_low is not None:
                cx = x + (bar - 2) / 2
                out.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(s.clemscore_low):.1f}" '
                           f'y2="{y(s.clemscore_high):.1f}" stroke="#222"/>')
                for v in (s.clemscore_low, s.clemscore_high):
                    out.append(f'<line x1="{cx - 3:.1f}" x2="{cx + 3:.1f}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                               f'stroke="#222"/>')
        lx = x0 + (group_w - gap) / 2
        out.append(f'<text x="{lx:.1f}" y="{y(0) + 12:.1f}" text-anchor="end" '
                   f'transform="rotate(-40 {lx:.1f} {y(0) + 12:.1f})">{escape(game)}</text>')
    ly = top + height + 100
    for i, run in enumerate(runs):
        out.append(f'<rect x="{left}" y="{ly + 18 * i}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>')
        out.append(f'<text x="{left + 18}" y="{ly + 18 * i + 10}">{escape(run)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def render_html(comparison: Comparison, rows: list[CompareRow], title: str = "gamelang compare") -> str:
    """One self-contained HTML page: the chart, the clembench table, the pairs, the per-game rows."""
    from html import escape

    def num(v: float | None, digits: int = 1) -> str:
        return "–" if v is None else f"{v:.{digits}f}"

    head = "".join(f"<th colspan=3>{escape(r)}</th>" for r in comparison.runs)
    sub = "".join("<th>% played</th><th>quality</th><th>clemscore [95 %]</th>" for _ in comparison.runs)
    body = []
    for summary in comparison.summaries:
        cells = []
        for run in comparison.runs:
            s = comparison.score(summary.game, run)
            if s is None:
                cells.append("<td></td><td></td><td></td>")
                continue
            interval = "" if s.clemscore_low is None else f" [{num(s.clemscore_low)}–{num(s.clemscore_high)}]"
            cells.append(f"<td>{num(s.played_pct)}</td><td>{num(s.quality)}</td><td>{num(s.clemscore)}{interval}</td>")
        share = "–" if summary.share is None else f"{summary.separated}/{summary.pairs} ({100 * summary.share:.0f} %)"
        cls = ' class="all"' if summary.game == OVERALL else ""
        body.append(f"<tr{cls}><th>{escape(summary.game)}</th>{''.join(cells)}<td>{num(summary.spread)}</td>"
                    f"<td>{share}</td></tr>")
    def signed(v: float | None) -> str:
        return "–" if v is None else f"{v:+.1f}"

    pair_rows = "".join(
        f"<tr><td>{escape(p.game)}</td><td>{escape(p.a)} − {escape(p.b)}</td><td>{signed(p.diff)}</td>"
        f"<td>{'–' if p.low is None else f'{signed(p.low)} … {signed(p.high)}'}</td>"
        f"<td>{'yes' if p.separated else 'no'}</td></tr>"
        for p in comparison.pairs)
    run_rows = "".join(
        f"<tr><td>{escape(r.game)}</td><td>{escape(r.run)}</td><td>{r.episodes}</td><td>{r.errors}</td>"
        f"<td>{num(r.win_pct)}</td><td>{'–' if r.win_low is None else f'{r.win_low:.1f}–{r.win_high:.1f}'}</td>"
        f"<td>{num(r.quality)}</td><td>{num(r.played_pct)}</td><td>{num(r.mean_reward, 3)}</td></tr>" for r in rows)
    notes = "".join(f"<li>{escape(n)}</li>" for n in comparison.notes)
    who = "".join(f"<li><b>{escape(run)}</b>: {escape(comparison.players.get(run, ''))}</li>"
                  for run in comparison.runs)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #ccc; padding: 3px 8px; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
tr.all {{ font-weight: bold; background: #f4f4f4; }}
p.note {{ color: #555; max-width: 60em; }}
</style></head><body>
<h1>{escape(title)}</h1>
<ul>{who}</ul>
<p class="note">clembench's figures: % played = share of episodes not aborted; quality = mean main score of
played episodes; clemscore = % played / 100 × quality; over games, clembench's macro means. Intervals:
95 % paired bootstrap over the instances ({comparison.bootstrap} resamples, seed {comparison.seed}). A pair of
runs is separated when the interval of its clemscore difference excludes 0.</p>
{render_svg(comparison)}
<h2>clembench</h2>
<table><tr><th rowspan=2>game</th>{head}<th rowspan=2>spread</th><th rowspan=2>separated pairs</th></tr>
<tr>{sub}</tr>
{''.join(body)}</table>
<h2>Differences between runs</h2>
<table><tr><th>game</th><th>pair</th><th>Δ clemscore</th><th>95 % interval</th><th>beyond noise</th></tr>
{pair_rows}</table>
<h2>Per game and run</h2>
<table><tr><th>game</th><th>run</th><th>episodes</th><th>errors</th><th>win %</th><th>95 % Wilson</th>
<th>quality</th><th>% played</th><th>reward</th></tr>
{run_rows}</table>
{f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""}
</body></html>
"""
