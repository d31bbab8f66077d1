"""Episode records read from run folders, for exporters.

An :class:`Episode` wraps one record (the last one of its key, see ``RunData.latest``) with the
run it came from. Two runs may hold the same key (two runs of the same instances), so an episode's
identity for exporters is its run folder plus its key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..runtime.runfolder import RunData, RunFolderError, episode_key, read_run
from ..splits import Split

EXIT_PROBLEMS, EXIT_USAGE = 1, 2


class ExportError(Exception):
    """Input that cannot be exported; ``code`` is the exit code (2 unreadable input, 1 nothing usable)."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Episode:
    """One episode record and the run folder it was read from."""

    run: str
    record: dict[str, Any]

    @property
    def game(self) -> str:
        return self.record["game"]

    @property
    def experiment(self) -> str:
        return self.record["experiment"]

    @property
    def instance(self) -> str:
        return str(self.record["instance"])

    @property
    def episode(self) -> int:
        return int(self.record["episode"])

    @property
    def branch(self) -> str:
        """The branch of a branching search ("" for an ordinary episode, the root)."""
        return str(self.record.get("branch") or "")

    @property
    def outcome(self) -> str:
        return str(self.record.get("outcome"))

    @property
    def main(self) -> float | None:
        value = (self.record.get("scores") or {}).get("main")
        return float(value) if isinstance(value, (int, float)) else None

    @property
    def reward(self) -> float | None:
        value = (self.record.get("scores") or {}).get("reward")
        return float(value) if isinstance(value, (int, float)) else None

    @property
    def score(self) -> float:
        """What pairs are ranked by: the main score; aborted episodes (no main score) rank below all."""
        if self.outcome == "abort" or self.main is None:
            return -math.inf
        return self.main

    @property
    def roles(self) -> list[str]:
        """The roles that have a conversation in the record."""
        return list((self.record.get("messages") or {}).keys())

    @property
    def simulated_roles(self) -> set[str]:
        return set(self.record.get("simulated_roles") or [])

    def messages(self, role: str) -> list[dict[str, Any]]:
        """The role's whole conversation (system message, user and assistant turns)."""
        return list((self.record.get("messages") or {}).get(role) or [])

    def player(self, role: str) -> str:
        """The spec of the player that played the role (``scripted``, ``hf:./m``, ...)."""
        return str((self.record.get("players") or {}).get(role, ""))

    @property
    def sort_key(self) -> tuple:
        """A total, stable order of episodes across runs."""
        return (self.run, self.game, self.experiment, self.instance, self.episode, self.branch)


def malformed(record: dict[str, Any]) -> str | None:
    """Why a record cannot be exported (None when it can)."""
    messages = record.get("messages")
    if not isinstance(messages, dict) or not all(isinstance(m, list) for m in messages.values()):
        return "no conversations in the record"
    for conversation in messages.values():
        for message in conversation:
            if not isinstance(message, dict) or not isinstance(message.get("role"), str):
                return "a message without a role"
    if not isinstance(record.get("players", {}), dict):
        return "no players in the record"
    return None


def latest(data: RunData) -> list[dict[str, Any]]:
    """The last record of each episode and branch, in the order the episodes were first logged."""
    # Keyed by the branch too (whatever episode_key holds), so that the sibling branches a
    # search writes under one episode number all survive.
    out: dict[tuple, dict[str, Any]] = {}
    for record in data.records:
        out[(episode_key(record), str(record.get("branch") or ""))] = record
    return list(out.values())


@dataclass
class LoadedRuns:
    """The episodes of several run folders, and what was noticed reading them."""

    episodes: list[Episode]
    runs: list[RunData]
    notes: list[str] = field(default_factory=list)
    malformed: int = 0

    def split_of(self, run: str) -> Split | None:
        """The train/test split a run was made with (None: every instance)."""
        for data in self.runs:
            if str(data.path) == run:
                return Split.from_meta(data.meta.get("split"))
        return None


def load_runs(paths: list[Path]) -> LoadedRuns:
    """Read run folders; unreadable ones raise :class:`ExportError` (exit 2)."""
    episodes: list[Episode] = []
    runs: list[RunData] = []
    notes: list[str] = []
    bad = 0
    seen: set[Path] = set()
    for path in paths:
        if path.resolve() in seen:
            raise ExportError(f"{path} is given twice")
        seen.add(path.resolve())
        try:
            data = read_run(path)
        except RunFolderError as err:
            raise ExportError(str(err)) from None
        except OSError as err:
            raise ExportError(f"cannot read {path}: {err.strerror or err}") from None
        if not data.records and data.problems:
            raise ExportError(f"{path} holds no readable episode record ({data.problems[0]})")
        runs.append(data)
        notes += data.problems
        for record in latest(data):
            if malformed(record):
                bad += 1
                continue
            episodes.append(Episode(str(path), record))
    return LoadedRuns(episodes, runs, notes, bad)
