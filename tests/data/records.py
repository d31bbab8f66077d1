"""Episode records built by hand in the documented format (docs/episodes.md), and run folders of them.

The exporters read records only, so tests of them need no game to be played: a record here is
what a guessing game logs, with conversations chosen to part where a test needs them to.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SYSTEM = {"role": "system", "content": "You guess words."}


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def bot(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def record(instance: str, episode: int, outcome: str, main: float | None, guesser: list[dict],
           describer: list[dict] | None = None, game: str = "guess", experiment: str = "easy",
           branch: str | None = None, players: dict[str, str] | None = None,
           simulated: list[str] | None = None) -> dict[str, Any]:
    """One episode record; ``guesser`` and ``describer`` are the roles' conversations."""
    messages = {"guesser": guesser}
    if describer is not None:
        messages["describer"] = describer
    rec = {
        "schema": 1, "game": game, "game_version": "1", "game_hash": "h", "experiment": experiment,
        "instance": instance, "episode": episode, "seed": episode,
        "players": players or {r: "scripted" for r in messages},
        "outcome": outcome, "reason": None,
        "scores": {"main": main, "reward": None if outcome == "error" else (main or 0) / 100, "metrics": {}},
        "instance_data": {}, "events": [], "messages": messages, "simulated_roles": simulated or [],
    }
    if branch is not None:
        rec["branch"] = branch
    return rec


def write_run(folder: Path, records: list[dict], meta: dict | None = None) -> Path:
    """A run folder holding the records (and a run.json when ``meta`` is given)."""
    folder.mkdir(parents=True, exist_ok=True)
    if meta is not None:
        (folder / "run.json").write_text(json.dumps(meta))
    with open(folder / "episodes.jsonl", "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")
    return folder


def guessing_records() -> list[dict]:
    """Four episodes of one instance that part at different turns, and one of another instance.

    ep 0 wins at the second guess (50), ep 1 loses after the same first guess (0), ep 2 wins at
    once (100), ep 3 aborts on a bad first reply; instance b has a single win.
    """
    u1, u2, u3 = user("Clue: cold season. Answer GUESS: <word>"), user("Clue: it ends in r"), user("Clue: snow")
    describer = [SYSTEM, user("Describe winter."), bot("CLUE: cold season")]
    return [
        record("a", 0, "win", 50.0, [SYSTEM, u1, bot("GUESS: cold"), u2, bot("GUESS: winter")], describer),
        record("a", 1, "lose", 0.0, [SYSTEM, u1, bot("GUESS: cold"), u2, bot("GUESS: summer"), u3,
                                     bot("GUESS: ice")], describer),
        record("a", 2, "win", 100.0, [SYSTEM, u1, bot("GUESS: winter")], describer),
        record("a", 3, "abort", None, [SYSTEM, u1, bot("I think it is winter")], describer),
        record("b", 0, "win", 100.0, [SYSTEM, user("Clue: hot season"), bot("GUESS: summer")], describer),
    ]
