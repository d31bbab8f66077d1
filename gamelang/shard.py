"""Runs over several machines: a deterministic share of a run's plan, and merging the shares.

``gamelang run ... --shard I/N`` plays the episodes whose key (game, experiment, instance,
episode) hashes to share ``I`` of ``N`` (1 <= I <= N). The hash depends on the key alone, never
on the position of an episode in the plan, so adding a game or an instance does not move the
other episodes between shards, and every machine computes the same split without talking to the
others. ``gamelang merge SHARD_DIR... --out RUN`` joins the shard folders into one run folder.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ShardError(ValueError):
    """A bad --shard value, or shard folders that cannot be merged."""


@dataclass(frozen=True)
class Shard:
    """Share ``index`` (1-based) of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> "Shard":
        """``I/N`` with 1 <= I <= N."""
        left, sep, right = str(text).strip().partition("/")
        try:
            index, count = int(left), int(right)
        except ValueError:
            raise ShardError(f"--shard takes I/N (e.g. 1/4), got '{text}'") from None
        if not sep or count < 1 or not 1 <= index <= count:
            raise ShardError(f"--shard I/N needs 1 <= I <= N, got '{text}'")
        return cls(index, count)

    @classmethod
    def from_meta(cls, meta: Any) -> "Shard | None":
        if not isinstance(meta, dict):
            return None
        index, count = meta.get("index"), meta.get("count")
        if type(index) is not int or type(count) is not int or not 1 <= index <= count:
            return None
        return cls(index, count)

    def as_meta(self) -> dict[str, int]:
        return {"index": self.index, "count": self.count}

    def describe(self) -> str:
        return f"{self.index}/{self.count}"

    def contains(self, key: tuple) -> bool:
        """Whether the episode with ``key`` (game, experiment, instance, episode, ...) is in this share."""
        return shard_of(key, self.count) == self.index


def shard_of(key: tuple, count: int) -> int:
    """The share (1..count) of an episode, from a stable hash of (game, experiment, instance, episode)."""
    text = json.dumps([str(k) for k in key[:4]], ensure_ascii=False)
    digest = hashlib.sha256(("gamelang-shard:" + text).encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


# ---------------------------------------------------------------------------------------- merge

#: run.json entries that must be equal in every shard of one run.
_SAME = ("seed", "episodes_per_instance", "limit", "split", "players")


@dataclass
class MergeResult:
    out: Path
    shards: int
    records: int
    planned: int
    missing: int  # planned episodes no shard holds
    doubled: list[tuple]  # episodes held by more than one shard (the first shard's record is kept)
    missing_shards: list[int]  # shard indexes of the run that were not given
    notes: list[str]


def _experiments(meta: dict) -> list[str] | None:
    value = meta.get("experiments")
    return sorted(map(str, value)) if isinstance(value, list) and value else None


def _games(meta: dict) -> dict[str, Any]:
    games = meta.get("games")
    if not isinstance(games, dict):
        return {}
    return {name: (info.get("content_hash") if isinstance(info, dict) else None) for name, info in games.items()}


def merge_runs(folders: list[Path], out: Path, allow_partial: bool = False) -> MergeResult:
    """Join shard folders of one run into ``out``.

    Refuses folders of different plans (seed, episodes, limit, experiments, split, players, games
    and their content hashes), unsharded folders, two folders of the same shard, and an ``out``
    that already holds episodes. Missing shards or episodes are reported; with ``allow_partial``
    False, missing shards are an error. Episodes held by two shards are reported and kept once.
    """
    from .runtime.runfolder import EPISODES_FILE, RunWriter, read_run

    if not folders:
        raise ShardError("name the shard folders to merge")
    if (out / EPISODES_FILE).is_file() and (out / EPISODES_FILE).stat().st_size > 0:
        raise ShardError(f"{out} already holds a run; choose an empty --out folder")
    runs = [read_run(Path(f)) for f in folders]
    first = runs[0].meta
    notes: list[str] = []
    count = None
    seen_index: dict[int, Path] = {}
    for data in runs:
        meta = data.meta
        shard = Shard.from_meta(meta.get("shard"))
        if shard is None:
            raise ShardError(f"{data.path} is not a shard of a run (its run.json has no shard); "
                             "merge folders written by `gamelang run --shard I/N`")
        if count is None:
            count = shard.count
        elif shard.count != count:
            raise ShardError(f"{data.path} is shard {shard.describe()}, but {runs[0].path} is a shard of {count}: "
                             "shards of different plans")
        if shard.index in seen_index:
            raise ShardError(f"{data.path} and {seen_index[shard.index]} are both shard {shard.describe()}")
        seen_index[shard.index] = data.path
        for key in _SAME:
            if meta.get(key) != first.get(key):
                raise ShardError(f"{data.path} differs from {runs[0].path} in {key}: "
                                 f"{meta.get(key)!r} vs {first.get(key)!r}; shards of different plans")
        if _experiments(meta) != _experiments(first):
            raise ShardError(f"{data.path} differs from {runs[0].path} in experiments; shards of different plans")
        if _games(meta) != _games(first):
            raise ShardError(f"{data.path} differs from {runs[0].path} in its games or their content hashes "
                             f"({_games(meta)} vs {_games(first)}); shards of different plans")
        if meta.get("status") != "complete":
            notes.append(f"{data.path} is {meta.get('status', 'of unknown status')}: resume it with "
                         f"`gamelang run --out {data.path} --resume`")
        notes += [f"{data.path}: {p}" for p in data.problems]
    assert count is not None
    missing_shards = [i for i in range(1, count + 1) if i not in seen_index]
    if missing_shards and not allow_partial:
        raise ShardError(f"shards {', '.join(f'{i}/{count}' for i in missing_shards)} are missing "
                         "(merge them all, or pass --partial)")
    merged: dict[tuple, dict] = {}
    owner: dict[tuple, Path] = {}
    doubled: list[tuple] = []
    for data in runs:
        for key, record in data.latest().items():
            if key in merged:
                doubled.append(key)
                continue
            merged[key] = record
            owner[key] = data.path
    meta = {k: v for k, v in first.items() if k not in ("status", "created", "updated", "shard", "command")}
    games: dict[str, Any] = {}
    planned = 0
    for data in runs:
        for name, info in (data.meta.get("games") or {}).items():
            if not isinstance(info, dict):
                continue
            entry = games.setdefault(name, {**info, "planned": 0, "planned_by_experiment": {}})
            entry["planned"] += int(info.get("planned") or 0)
            for exp, n in (info.get("planned_by_experiment") or {}).items():
                entry["planned_by_experiment"][exp] = entry["planned_by_experiment"].get(exp, 0) + int(n or 0)
            planned += int(info.get("planned") or 0)
    meta["games"] = games
    meta["merged_from"] = [{"path": str(d.path), "shard": d.meta.get("shard"), "status": d.meta.get("status")}
                           for d in runs]
    meta["shards"] = count
    roots = [k for k in merged if k[4] == ""]  # planned episodes are root branches; forks ride along
    missing = max(0, planned - len(roots))
    writer = RunWriter(out, meta)
    status = "interrupted"
    try:
        for key in sorted(merged, key=lambda k: tuple(map(str, k))):
            writer.append(merged[key])
        status = "complete" if not missing and not missing_shards else "incomplete"
    finally:
        writer.close(status)
    return MergeResult(out, len(runs), len(merged), planned, missing, doubled, missing_shards, notes)
