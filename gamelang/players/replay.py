"""Replay players: replies read from a file, to re-run logged episodes or scripted tests.

* a run log (``episodes.jsonl``): each episode replays the replies its role gave in the logged
  episode with the same game, experiment, instance and episode number;
* a JSON file: a list of replies (every episode gets them in order), or a map from role to list;
* any other text file: one reply per line (``\\n`` in a line is a newline).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from ..runtime.runfolder import check_record
from .base import Player, PlayerError, PlayerSpec, PlayerSpecError, Request


class ReplayPlayer(Player):
    """Plays back replies from a file."""

    def __init__(self, spec: PlayerSpec) -> None:
        super().__init__(spec.text)
        path = Path(spec.target)
        if not path.is_file():
            raise PlayerSpecError(f"replay file not found: {path}")
        self.by_episode: dict[tuple, list[str]] = {}
        self.by_role: dict[str, list[str]] | None = None
        self.sequence: list[str] | None = None
        try:
            self._load(path)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise PlayerSpecError(f"cannot read replay file {path}: {err}") from None
        self.positions: dict[tuple, int] = defaultdict(int)

    def _load(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            for line in text.splitlines():
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    check_record(record)
                except (ValueError, RecursionError):
                    continue  # a truncated last line of an interrupted run, or a line that is not a record
                for event in record.get("events", []):
                    if event.get("type") == "reply" and isinstance(event.get("text"), str):
                        key = (record["game"], record["experiment"], str(record["instance"]), record["episode"],
                               record.get("branch", ""), event["role"])
                        self.by_episode.setdefault(key, []).append(event["text"])
        elif path.suffix == ".json":
            data = json.loads(text)
            if isinstance(data, list) and all(isinstance(x, str) for x in data):
                self.sequence = data
            elif isinstance(data, dict) and all(isinstance(v, list) for v in data.values()):
                self.by_role = {k: [str(x) for x in v] for k, v in data.items()}
            else:
                raise PlayerSpecError(f"{path}: a replay JSON file holds a list of replies or a map role -> list")
        else:
            self.sequence = [line.replace("\\n", "\n") for line in text.splitlines()]

    def respond(self, requests: list[Request]) -> list[str | PlayerError]:
        return [self._one(r) for r in requests]

    def _one(self, request: Request) -> str | PlayerError:
        key = request.role_key
        if self.by_episode:
            replies = self.by_episode.get(key, [])
            counter = key
        elif self.by_role is not None:
            replies = self.by_role.get(request.role, [])
            counter = key
        else:
            replies = self.sequence or []
            counter = request.key  # one sequence per episode, shared by the roles it plays
        i = self.positions[counter]
        if i >= len(replies):
            return PlayerError(f"the replay has no reply {i + 1} for {request.role} in this episode")
        self.positions[counter] = i + 1
        return replies[i]
