"""Run folders: ``run.json`` (what was run) and ``episodes.jsonl`` (one record per episode).

Records are appended and flushed to disk as episodes end, so an interrupted run loses only the
episodes that were being played. Reading tolerates a truncated last line (a crash in the middle
of a write): it is reported and, when the run is resumed, cut off.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..safetext import replace_surrogates, safe_text

RUN_FILE = "run.json"
EPISODES_FILE = "episodes.jsonl"


def episode_key(record: dict[str, Any]) -> tuple[str, str, str, int, str]:
    """(game, experiment, instance, episode, branch) of a record (records before branches: the root, "")."""
    return (record["game"], record["experiment"], str(record["instance"]), int(record["episode"]),
            str(record.get("branch") or ""))


@dataclass
class RunData:
    """What a run folder holds: its metadata, its episode records, and problems found reading it."""

    path: Path
    meta: dict[str, Any]
    records: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)
    truncated_at: int | None = None  # byte offset where a truncated last line starts

    def latest(self) -> dict[tuple, dict[str, Any]]:
        """The last record of each episode (a retried episode supersedes its earlier record)."""
        out: dict[tuple, dict[str, Any]] = {}
        for r in self.records:
            out[episode_key(r)] = r
        return out


class RunFolderError(Exception):
    """A run folder that cannot be used (not a run, unreadable, a different game or players)."""


def read_run(path: Path) -> RunData:
    """Read a run folder; a missing run.json is allowed (episodes.jsonl alone is a run too)."""
    if not path.is_dir():
        raise RunFolderError(f"no run folder at {path}")
    meta: dict[str, Any] = {}
    problems: list[str] = []
    run_file = path / RUN_FILE
    if run_file.is_file():
        try:
            meta = json.loads(run_file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            problems.append(f"{run_file} is not valid JSON ({err}); its metadata is ignored")
    episodes = path / EPISODES_FILE
    if not episodes.is_file():
        if not meta:
            raise RunFolderError(f"{path} is not a run folder: it has neither {RUN_FILE} nor {EPISODES_FILE}")
        return RunData(path, meta, [], problems)
    records: list[dict[str, Any]] = []
    truncated_at = None
    raw = episodes.read_bytes()
    offset = 0
    lines = raw.split(b"\n")
    for number, line in enumerate(lines, 1):
        start = offset
        offset += len(line) + 1
        if not line.strip():
            continue
        last = number == len(lines)  # no newline after it: the write did not finish
        try:
            record = json.loads(line)
            episode_key(record)
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError):
            if last:
                truncated_at = start
                problems.append(f"{episodes}: the last record (line {number}) is truncated and was ignored")
            else:
                problems.append(f"{episodes}: line {number} is not a valid episode record and was ignored")
            continue
        records.append(record)
    return RunData(path, meta, records, problems, truncated_at)


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


#: The fields that identify an episode and its run, kept in the error record of an unwritable record.
_KEY_FIELDS = ("schema", "game", "game_version", "game_hash", "experiment", "instance", "episode", "branch",
               "parent", "forked_at", "seed", "players", "started")


def encode_record(record: dict[str, Any]) -> tuple[bytes, int]:
    """One JSONL line for ``record`` that can always be written, and how many surrogates it replaced.

    Lone surrogates (from a reply, an instance file's ``"\\ud800"``, a backend message) are
    replaced by U+FFFD. A record that cannot be serialised at all (a value JSON cannot hold, a
    structure too deep) becomes an ``error`` record of the same episode, so the episode is
    counted, reported and can be retried instead of the whole run stopping.
    """
    try:
        text = json.dumps(record, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError) as err:
        text = json.dumps(_error_record(record, f"{type(err).__name__}: {err}"), ensure_ascii=False, default=str)
    text, replaced = replace_surrogates(text)
    return (text + "\n").encode("utf-8"), replaced


def _error_record(record: dict[str, Any], why: str) -> dict[str, Any]:
    """An ``error`` record for the episode of ``record``, which could not be written itself."""
    out: dict[str, Any] = {}
    for key in _KEY_FIELDS:
        value = record.get(key) if isinstance(record, dict) else None
        try:
            json.dumps(value, default=str)
        except (TypeError, ValueError, RecursionError):
            value = safe_text(repr(value)[:200])
        out[key] = value
    message = safe_text(f"the episode's record could not be written: {why}"[:1000])
    out.update(outcome="error", reason=message, ended_by=None, scores=None, instance_data={},
               events=[{"type": "error", "message": message}], messages={}, simulated_roles=[], duration_s=0.0)
    return out


class RunWriter:
    """Appends episode records to a run folder, one flushed line per episode."""

    def __init__(self, path: Path, meta: dict[str, Any], truncate_at: int | None = None) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.meta = meta
        episodes = path / EPISODES_FILE
        if truncate_at is not None:
            with open(episodes, "r+b") as fh:
                fh.truncate(truncate_at)
        needs_newline = episodes.is_file() and episodes.stat().st_size > 0 and not _ends_with_newline(episodes)
        self.file = open(episodes, "ab")
        self.replaced = 0  # lone surrogates replaced in the records written
        if needs_newline:  # a complete last record whose newline was not written
            self.file.write(b"\n")
        self.write_meta("running")

    def write_meta(self, status: str) -> None:
        """Write run.json atomically (write a temporary file, then rename)."""
        now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self.meta.setdefault("created", now)
        self.meta.update(status=status, updated=now, gamelang_version=__version__)
        tmp = self.path / (RUN_FILE + ".tmp")
        # safe_text: the command line itself may hold undecodable bytes (a file name), as surrogates
        tmp.write_text(safe_text(json.dumps(self.meta, indent=2, ensure_ascii=False, default=str)), encoding="utf-8")
        os.replace(tmp, self.path / RUN_FILE)

    def append(self, record: dict[str, Any]) -> None:
        """Append one record and make sure it is on disk.

        A record that cannot be encoded never stops the run nor loses other records: lone
        surrogates are replaced, and a record that still cannot be written is replaced by an
        ``error`` record of the same episode that says why (``--retry-errors`` plays it again).
        """
        line, replaced = encode_record(record)
        self.replaced += replaced
        self.file.write(line)
        self.file.flush()
        os.fsync(self.file.fileno())

    def close(self, status: str) -> None:
        """Close the episodes file and record the run's final status."""
        self.file.close()
        self.write_meta(status)
