"""A run as clembench results: the folders and files that clembench's own evaluation reads.

clembench (clemcore) keeps one folder per episode,
``RESULTS/PLAYERS/GAME/EXPERIMENT/EPISODE/`` (``PLAYERS`` names the models, as
``model-a--model-b``), holding ``instance.json`` (the instance), ``interactions.json`` (what
happened, turn by turn) and ``scores.json`` (``turn scores`` and ``episode scores``);
``clemeval`` reads every ``scores.json`` under a results folder, takes ``PLAYERS``, ``GAME``,
``EXPERIMENT`` and ``EPISODE`` from its path, and builds the results table from the episode
scores ``Aborted`` and ``Main Score``. :func:`export_clembench` writes a run in that layout, so
gamelang episodes can lie next to clembench results and be evaluated with them. What is filled is
listed in docs/clembench.md.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..scoring import (
    ABORTED,
    LOSE,
    MAIN_SCORE,
    PARSED,
    REQUESTS,
    SUCCESS,
    SUCCESS_RATIO,
    VIOLATED,
    record_clembench,
    violated_requests,
)

_UNSAFE = re.compile(r"[^A-Za-z0-9._+=-]+")


def folder_name(text: str) -> str:
    """A name that is one safe path component (never empty, never . or ..)."""
    name = _UNSAFE.sub("_", text).strip("_") or "_"
    return "_" + name if name in (".", "..") else name[:120]


def players_folder(records: list[dict[str, Any]]) -> str:
    """clembench's folder of a run's players: the distinct player specs of its episodes, in the
    order the roles name them, joined by -- (clembench names it after the models, ``a--b``)."""
    specs: dict[str, None] = {}
    for record in records:
        for spec in (record.get("players") or {}).values():
            specs.setdefault(folder_name(str(spec)), None)
    return "--".join(specs) or "unknown"


def episode_folder(record: dict[str, Any], several: bool) -> str:
    """``instance_00007`` as clemcore names it (``_episode_N`` added when an instance was played more
    than once, ``_branch_B`` for a fork)."""
    inst = str(record["instance"])
    name = f"instance_{int(inst):05d}" if inst.isdigit() else f"instance_{folder_name(inst)}"
    if several:
        name += f"_episode_{record['episode']}"
    if record.get("branch"):
        name += f"_branch_{folder_name(str(record['branch']))}"
    return name


@dataclass
class ClembenchExport:
    """What an export wrote and left out."""

    episodes: int = 0
    folders: set[str] = field(default_factory=set)  # PLAYERS/GAME folders written
    skipped: Counter = field(default_factory=Counter)  # reason -> episodes


def _number_or_nan(value: Any) -> float | int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    return math.nan


def _rounds(record: dict[str, Any]) -> tuple[list[list[dict]], list[int]]:
    """The episode's events as clembench turns (rounds), and the round of each request.

    A round starts when the role asked first in the episode is asked again, except for a re-prompt,
    which stays in its round (as in clembench's wordle). A probe (an ask the record marks ``probe``)
    never starts a round: it belongs to the round it follows, and probes before the first request
    are a round of their own (as in clembench's privateshared: round 0 probes, then each round is
    one request and the probes after it)."""
    rounds: list[list[dict]] = [[]]
    request_round: list[int] = []
    first_role = None
    reprompted = False
    for event in record.get("events") or []:
        if event.get("type") == "ask":
            if event.get("probe"):
                pass
            elif first_role is None:
                first_role = event.get("role")
                if any(e.get("type") == "ask" for e in rounds[-1]):   # after the probing before it
                    rounds.append([])
            elif event.get("role") == first_role and not reprompted:
                rounds.append([])
            reprompted = False
            request_round.append(len(rounds) - 1)
        elif event.get("type") == "reprompt":
            reprompted = True
        rounds[-1].append(event)
    return rounds, request_round


def _actions(events: list[dict], names: dict[str, str], stamp: str) -> list[dict[str, Any]]:
    """clembench's logged actions of one round (``send message``, ``get message``, ``parse``, ...)."""
    out = []

    def log(source: str, target: str, kind: str, content: Any) -> None:
        out.append({"from": source, "to": target, "timestamp": stamp, "action": {"type": kind, "content": content}})

    for e in events:
        kind = e.get("type")
        player = names.get(str(e.get("role")), "GM")
        if kind == "ask" and e.get("message") is not None:
            log("GM", player, "probe question" if e.get("probe") else "send message", e["message"])
        elif kind == "reply":
            log(player, "GM", "probe answer" if e.get("probe") else "get message", e.get("text", ""))
        elif kind == "tool_result":
            log("GM", player, "send message", e.get("text", ""))
        elif kind == "parse":
            if e.get("ok"):
                value = e.get("value")
                log("GM", "GM", "parse", value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
            else:
                log("GM", "GM", "metadata", f"{e.get('move')}: {e.get('error')}")
        elif kind == "check" and not e.get("ok"):
            log("GM", "GM", "metadata", f"rule broken: {e.get('expr')}")
        elif kind == "reprompt":
            log("GM", "GM", "metadata", f"re-prompt {e.get('count')} of {e.get('of')}: {e.get('reason')}")
        elif kind == "end":
            outcome = e.get("outcome")
            if outcome == "abort":
                log("GM", "GM", "invalid format", e.get("reason") or "game_result = ABORT")
            else:
                result = "WIN" if outcome == "win" else "LOSS"
                log("GM", "GM", "metadata", f"game_result = {result}" + (f": {e['reason']}" if e.get("reason") else ""))
        elif kind == "error":
            log("GM", "GM", "error", e.get("message", ""))
    return out


def episode_files(record: dict[str, Any], players_dir: str) -> tuple[dict, dict, dict]:
    """(instance.json, interactions.json, scores.json) of one record."""
    flags = record_clembench(record) or {}
    roles = list((record.get("players") or {}).keys())
    names = {role: f"Player {i}" for i, role in enumerate(roles, 1)}
    started = record.get("started")
    stamp = (datetime.fromtimestamp(started, timezone.utc).isoformat() if isinstance(started, (int, float))
             else datetime.now(timezone.utc).isoformat())
    rounds, request_round = _rounds(record)
    violated = violated_requests(record.get("events") or [])
    per_round = [[0, 0, 0] for _ in rounds]  # requests, parsed, violated
    for r, bad in zip(request_round, violated):
        per_round[r][0] += 1
        per_round[r][2 if bad else 1] += 1
    inst = str(record["instance"])
    game_id: int | str = int(inst) if inst.isdigit() else inst
    meta = {"game_name": record["game"], "experiment_name": record["experiment"], "game_id": game_id,
            "results_folder": players_dir, "clem_version": None, "round_count": len(rounds), "completed": True}
    players = {"GM": {"game_role": "Game Master", "model_name": "programmatic"}}
    players.update({names[role]: {"game_role": role, "model_name": str(spec)}
                    for role, spec in (record.get("players") or {}).items()})
    interactions = {
        "meta": meta,
        "player_models": [{"model_name": str(spec)} for spec in (record.get("players") or {}).values()],
        "players": players,
        "turns": [_actions(events, names, stamp) for events in rounds],
        ABORTED: flags.get(ABORTED), LOSE: flags.get(LOSE), SUCCESS: flags.get(SUCCESS),
        REQUESTS: [c[0] for c in per_round], PARSED: [c[1] for c in per_round], VIOLATED: [c[2] for c in per_round],
        "gamelang": {key: record.get(key) for key in ("game_version", "game_hash", "episode", "branch", "seed",
                                                      "outcome", "reason", "ended_by")},
    }
    turn_scores = {str(i): {REQUESTS: c[0], PARSED: c[1], VIOLATED: c[2],
                            SUCCESS_RATIO: round(c[1] / c[0], 4) if c[0] else math.nan}
                   for i, c in enumerate(per_round)}
    episode_scores: dict[str, Any] = {key: _number_or_nan(flags.get(key))
                                      for key in (REQUESTS, PARSED, VIOLATED, SUCCESS_RATIO, ABORTED, LOSE, SUCCESS)}
    for name, value in ((record.get("scores") or {}).get("metrics") or {}).items():
        if name not in episode_scores and name != MAIN_SCORE:
            episode_scores[name] = _number_or_nan(value)
    episode_scores[MAIN_SCORE] = _number_or_nan(flags.get(MAIN_SCORE))  # NaN for an aborted episode
    scores = {"meta": meta, "players": players, "turn scores": turn_scores, "episode scores": episode_scores}
    instance = {"game_id": game_id, **(record.get("instance_data") or {})}
    return instance, interactions, scores


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # NaN is written as clembench writes it (Python's json): clemeval reads it back as a missing score
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=True), encoding="utf-8")


def export_clembench(runs: list[tuple[str, Any]], out: Path, players_names: list[str] | None = None,
                     games: tuple[str, ...] = ()) -> ClembenchExport:
    """Write the latest record of every episode of the runs in clembench's layout under ``out``,
    each run in its players' folder (``players_names``, one per run, or :func:`players_folder`).

    Episodes that ended in ``error`` are left out (clembench has no such outcome: the episode would
    be played again), and so are the forks of branching search (not benchmark episodes). Files at
    the same paths are replaced; other files under ``out`` (clembench results) are kept. Two runs
    may not share a players' folder (ValueError).
    """
    if players_names and len(players_names) != len(runs):
        raise ValueError(f"give one players' folder name per run ({len(runs)}), not {len(players_names)}")
    result = ClembenchExport()
    chosen = []
    for i, (name, data) in enumerate(runs):
        records = [r for r in data.latest().values() if not games or r["game"] in games]
        folder = folder_name(players_names[i]) if players_names else players_folder(records)
        chosen.append((name, data, records, folder))
    seen: dict[str, str] = {}
    for name, _, _, folder in chosen:
        if folder in seen:
            raise ValueError(f"the runs {seen[folder]} and {name} would both be written to the players' folder "
                             f"'{folder}'; name each run's folder with --players-name (once per run)")
        seen[folder] = name
    for _, data, records, players_dir in chosen:
        counts = Counter((r["game"], r["experiment"], str(r["instance"])) for r in records if not r.get("branch"))
        experiments_done: set[Path] = set()
        for record in records:
            if record.get("branch"):
                result.skipped["a fork of branching search"] += 1
                continue
            if record.get("outcome") not in ("win", "lose", "abort"):
                result.skipped["outcome error"] += 1
                continue
            several = counts[(record["game"], record["experiment"], str(record["instance"]))] > 1
            experiment_dir = out / players_dir / folder_name(record["game"]) / folder_name(record["experiment"])
            episode_dir = experiment_dir / episode_folder(record, several)
            instance, interactions, scores = episode_files(record, players_dir)
            _write_json(episode_dir / "instance.json", instance)
            _write_json(episode_dir / "interactions.json", interactions)
            _write_json(episode_dir / "scores.json", scores)
            if experiment_dir not in experiments_done:
                experiments_done.add(experiment_dir)
                _write_json(experiment_dir / "experiment.json", {
                    "name": record["experiment"], "game_name": record["game"],
                    "player_models": interactions["player_models"],
                    "timestamp": datetime.now(timezone.utc).isoformat(), "source": f"gamelang run {data.path}"})
            result.episodes += 1
            result.folders.add(f"{players_dir}/{folder_name(record['game'])}")
    return result
