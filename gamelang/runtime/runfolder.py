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

try:  # a faster encoder of the same text as json's (see _dumps); without it, json's own
    import ujson as _ujson
except ImportError:  # pragma: no cover - a dependency; kept optional for a hand-made install
    _ujson = None

RUN_FILE = "run.json"
EPISODES_FILE = "episodes.jsonl"


def episode_key(record: dict[str, Any]) -> tuple[str, str, str, int, str]:
    """(game, experiment, instance, episode, branch) of a record (records before branches: the root, "")."""
    return (record["game"], record["experiment"], str(record["instance"]), int(record["episode"]),
            str(record.get("branch") or ""))


_OUTCOMES = ("win", "lose", "abort", "error")
#: The entries each kind of event has (docs/episodes.md); readers rely on them.
_EVENT_KEYS = {"ask": ("role",), "reply": ("role", "text"), "parse": ("move", "ok"), "check": ("expr", "ok"),
               "reprompt": ("count", "of"), "state": ("to",), "reward": ("value", "role"), "end": ("outcome",),
               "error": ("message",)}


def check_record(record: Any) -> None:
    """Raise ValueError naming the first problem of a record that scoring, transcripts or a resume
    could not use (a line edited by hand, a record of another tool); a good record passes."""
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    for key in ("game", "experiment"):
        if not isinstance(record.get(key), str):
            raise ValueError(f"'{key}' is not a text")
    if not isinstance(record.get("instance"), (str, int)) or isinstance(record.get("instance"), bool):
        raise ValueError("'instance' is not a text or a number")
    if type(record.get("episode")) is not int:
        raise ValueError("'episode' is not a whole number")
    if not isinstance(record.get("branch") or "", str):
        raise ValueError("'branch' is not a text")
    if record.get("outcome") not in _OUTCOMES:
        raise ValueError(f"'outcome' is not one of {', '.join(_OUTCOMES)}")
    scores = record.get("scores")
    if scores is not None:
        if not isinstance(scores, dict):
            raise ValueError("'scores' is not an object")
        for key in ("main", "reward"):
            value = scores.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise ValueError(f"'scores.{key}' is not a number")
        if not isinstance(scores.get("metrics") or {}, dict):
            raise ValueError("'scores.metrics' is not an object")
    events = record.get("events", [])
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise ValueError("'events' is not a list of objects")
    for number, event in enumerate(events, 1):
        missing = [k for k in _EVENT_KEYS.get(event.get("type"), ()) if k not in event]
        if missing:
            raise ValueError(f"event {number} ({event.get('type')}) has no '{missing[0]}'")
        if event.get("type") == "reply" and not isinstance(event.get("text"), str):
            raise ValueError(f"event {number} (reply) has a 'text' that is not a text")
    messages = record.get("messages", {})
    if not isinstance(messages, dict) or not all(
            isinstance(v, list) and all(isinstance(m, dict) and "role" in m and "content" in m for m in v)
            for v in messages.values()):
        raise ValueError("'messages' is not a map from roles to lists of messages")
    if not isinstance(record.get("players", {}), dict):
        raise ValueError("'players' is not an object")


def _clean_meta(meta: Any, run_file: Path, problems: list[str]) -> dict[str, Any]:
    """run.json as a dict whose entries have the shapes readers rely on; what does not is dropped and reported."""
    if not isinstance(meta, dict):
        problems.append(f"{run_file} does not hold an object; its metadata is ignored")
        return {}
    games = meta.get("games")
    if games is not None and not (isinstance(games, dict) and all(
            isinstance(g, dict) and isinstance(g.get("planned_by_experiment", {}), dict) for g in games.values())):
        problems.append(f"{run_file}: 'games' is malformed and was ignored")
        meta = {k: v for k, v in meta.items() if k != "games"}
    return meta


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


def invoking_command() -> str | None:
    """The `gamelang ...` command line of this process, for run.json; None when a script called the API."""
    import shlex
    import sys

    program = os.path.basename(sys.argv[0]) if sys.argv else ""
    if program not in ("gamelang", "__main__.py"):  # the console script, or python -m gamelang
        return None
    return " ".join(shlex.quote(a) for a in ["gamelang"] + sys.argv[1:])


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
            meta = _clean_meta(json.loads(run_file.read_text(encoding="utf-8")), run_file, problems)
        except (ValueError, RecursionError, OSError) as err:  # ValueError: invalid JSON or UTF-8
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
        except (ValueError, RecursionError):  # invalid JSON or UTF-8, a number too long, nested too deeply
            if last:
                truncated_at = start
                problems.append(f"{episodes}: the last record (line {number}) is truncated and was ignored")
            else:
                problems.append(f"{episodes}: line {number} is not a valid episode record and was ignored")
            continue
        try:
            check_record(record)
        except ValueError as err:  # well-formed JSON, but not a record: kept in the file, left out here
            problems.append(f"{episodes}: line {number} is not a valid episode record ({err}) and was ignored")
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


#: ``json.dumps(obj, ensure_ascii=False, default=str)``, built once: dumps builds a JSONEncoder at
#: every call that passes options. ``_encode_unchecked`` is the same C encoder without the check for
#: reference cycles (a dict of every container's id, filled and emptied as it walks): it writes the
#: same text, and a cycle makes it recurse until RecursionError, when the checked encoder runs again
#: and fails as ``json.dumps`` would (a "Circular reference detected" ValueError).
_CHECKED = json.JSONEncoder(ensure_ascii=False, default=str)
try:
    from json.encoder import c_make_encoder as _c_make_encoder, encode_basestring as _encode_basestring
except ImportError:  # a Python without json's C accelerator
    _c_make_encoder = None
_encode_unchecked = (_c_make_encoder(None, str, _encode_basestring, None, ": ", ", ", False, False, True)
                     if _c_make_encoder is not None else None)


#: A text with fewer brackets than this is nested less deeply than json can write and read back
#: (about 990 levels, from a shallow stack), so ujson, which goes to 1024, writes no record json could not.
_MAX_BRACKETS = 900


def _has_short_exponent(text: str) -> bool:
    """Whether ``text`` may hold a number ujson writes with a one-digit negative exponent (a
    digit, ``e-``, a digit from 1 to 9, then no digit: ``1.5e-7``), which json writes with two
    (``1.5e-07``). Found from its ``-``, the rarest of its characters, which ``find`` skips to."""
    find = text.find
    i = find("-")
    while i >= 0:
        if (text[i - 1:i] == "e" and "1" <= text[i + 1:i + 2] <= "9" and text[i - 2:i - 1].isdigit()
                and not text[i + 2:i + 3].isdigit()):
            return True
        i = find("-", i + 1)
    return False


def _dumps(record: Any) -> str:
    """``json.dumps(record, ensure_ascii=False, default=str)``, the same text and the same errors.

    ujson writes it at about twice the speed of json's C encoder in Python 3.11 (a taboo record:
    19 us against 42), the same text for every value a game makes: the same separators, strings
    escaped alike, whole numbers and floats written as Python writes them, but for negative
    exponents of one digit, which ujson does not pad (``1e-5``; json: ``1e-05``): such a text
    is left to json. So are NaN and infinities (ujson refuses them; json writes ``NaN``), texts
    nested nearly as deeply as json allows, cycles and any other failure: json writes the text or
    fails as before. Python values that are not JSON's differ: ujson writes a ``Decimal`` as a
    number, an object with ``toDict`` or ``__json__`` through that method and a tuple key as
    text, where json writes ``str(value)`` or fails; no game makes such values (the tests compare
    both encoders on every shipped game's records and on hostile values).
    """
    if _ujson is not None:
        try:
            text = _ujson.dumps(record, ensure_ascii=False, escape_forward_slashes=False, allow_nan=False,
                                separators=(", ", ": "), default=str)
        except Exception:  # noqa: BLE001 - json writes it, or raises what json.dumps would
            text = None
        if (text is not None and not _has_short_exponent(text)
                and text.count("[") + text.count("{") < _MAX_BRACKETS):
            return text
    if _encode_unchecked is not None:
        try:
            return "".join(_encode_unchecked(record, 0))
        except RecursionError:  # a cycle, or nesting too deep: let the checked encoder say which
            pass
    return _CHECKED.encode(record)


def encode_record(record: dict[str, Any]) -> tuple[bytes, int]:
    """One JSONL line for ``record`` that can always be written, and how many surrogates it replaced.

    Lone surrogates (from a reply, an instance file's ``"\\ud800"``, a backend message) are
    replaced by U+FFFD. A record that cannot be serialised at all (a value JSON cannot hold, a
    structure too deep) becomes an ``error`` record of the same episode, so the episode is
    counted, reported and can be retried instead of the whole run stopping.
    """
    try:
        text = _dumps(record)
    except (TypeError, ValueError, RecursionError) as err:
        text = json.dumps(_error_record(record, f"{type(err).__name__}: {err}"), ensure_ascii=False, default=str)
    try:  # the common case: one encoding, no copy of the text to look for surrogates first
        return (text + "\n").encode("utf-8"), 0
    except UnicodeEncodeError:
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
    if not isinstance(out["players"], dict):
        out["players"] = {}
    message = safe_text(f"the episode's record could not be written: {why}"[:1000])
    out.update(outcome="error", reason=message, ended_by=None, scores=None, instance_data={},
               events=[{"type": "error", "message": message}], messages={}, simulated_roles=[], duration_s=0.0)
    return out


@dataclass(frozen=True)
class SyncPolicy:
    """When the run writer asks the operating system to put records on the disk itself (``fsync``).

    Every record is written and flushed to the operating system as its episode ends, whatever the
    policy: a killed process never loses a finished episode. ``fsync`` only matters when the
    machine itself stops (power loss, kernel crash), and it costs about half a millisecond.
    ``every=1`` syncs each record; ``every=N, interval_s=T`` syncs once N records are unsynced or
    when a record is written T seconds or more after the last sync (group commit), and always at
    the end of the run; ``every=0`` syncs only at the end. What a power loss can cost is the
    records written since the last sync (docs/episodes.md): ``--resume`` plays those episodes again.
    """

    every: int = 64
    interval_s: float = 0.5

    NAMES = ("episode", "group", "end")

    @classmethod
    def parse(cls, text: str) -> "SyncPolicy":
        """``episode`` (each record), ``group`` (every 64 records or 0.5 s), ``group:N:MS`` or ``end``."""
        name, _, rest = text.strip().partition(":")
        if name == "episode" and not rest:
            return cls(every=1, interval_s=0.0)
        if name == "end" and not rest:
            return cls(every=0, interval_s=0.0)
        if name == "group":
            if not rest:
                return cls()
            count, _, ms = rest.partition(":")
            try:
                every, interval = int(count), float(ms) / 1000 if ms else cls.interval_s
            except ValueError:
                every, interval = -1, 0.0
            if every >= 1 and interval >= 0:
                return cls(every=every, interval_s=interval)
        raise ValueError(f"--fsync takes episode, group, group:N:MS (every N records or MS milliseconds) or end, "
                         f"not '{text}'")

    def describe(self) -> str:
        if self.every == 1:
            return "episode"
        if self.every == 0:
            return "end"
        return f"group:{self.every}:{self.interval_s * 1000:g}"


def _write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd``: a raw write may be partial (a signal, a full pipe)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class RunWriter:
    """Appends episode records to a run folder, one flushed line per episode (fsync by ``sync``)."""

    def __init__(self, path: Path, meta: dict[str, Any], truncate_at: int | None = None,
                 sync: SyncPolicy | None = None) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.meta = meta
        self.sync = sync if sync is not None else SyncPolicy()
        episodes = path / EPISODES_FILE
        if truncate_at is not None:
            with open(episodes, "r+b") as fh:
                fh.truncate(truncate_at)
        needs_newline = episodes.is_file() and episodes.stat().st_size > 0 and not _ends_with_newline(episodes)
        # unbuffered: each record goes to the operating system in one write, so a killed process
        # leaves every finished record in the file (and at most the last one cut off)
        self.file = open(episodes, "ab", buffering=0)
        self.replaced = 0  # lone surrogates replaced in the records written
        self.unsynced = 0  # records written since the last fsync
        self.syncs = 0
        self._last_sync = time.monotonic()
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
        data = safe_text(json.dumps(self.meta, indent=2, ensure_ascii=False, default=str)).encode("utf-8")
        # os.open and os.write: what write_text does in half the system calls (no buffer set up,
        # no terminal check), which is most of a small file's cost; run.json is written twice a run
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, self.path / RUN_FILE)

    def append(self, record: dict[str, Any]) -> None:
        """Append one record: written to the operating system at once, synced to disk by the policy.

        A record that cannot be encoded never stops the run nor loses other records: lone
        surrogates are replaced, and a record that still cannot be written is replaced by an
        ``error`` record of the same episode that says why (``--retry-errors`` plays it again).
        """
        line, replaced = encode_record(record)
        self.replaced += replaced
        written = self.file.write(line)
        if written != len(line):  # a raw write may be partial (a signal, a full pipe): write the rest
            view = memoryview(line)[written or 0:]
            while view:  # never leave a record half written
                view = view[self.file.write(view):]
        self.unsynced += 1
        every = self.sync.every
        if every and (self.unsynced >= every or time.monotonic() - self._last_sync >= self.sync.interval_s):
            self.flush_to_disk()

    def flush_to_disk(self) -> None:
        """fsync the records written so far."""
        if self.unsynced:
            os.fsync(self.file.fileno())
            self.unsynced = 0
            self.syncs += 1
        self._last_sync = time.monotonic()

    def close(self, status: str) -> None:
        """Sync and close the episodes file and record the run's final status."""
        try:
            self.flush_to_disk()
        finally:
            self.file.close()
        self.write_meta(status)
