"""The hostile suite of issue 15: generated hostile replies and game files thrown at gamelang.

Done when: 0 tracebacks or internal errors, 0 files read outside a game's folder, every run
keeps all its finished episodes, and memory stays under 500 MB per case. (Time is not asserted:
tests never assert on time; every case here is bounded by the limits it exercises.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from gamelang.compiler import compile_file, compile_loaded
from gamelang.instances import InstanceError, load_instances
from gamelang.lang.loader import load_spec_text
from gamelang.registry import resolve_game
from gamelang.runtime.episode import GameEnv
from gamelang.runtime.runfolder import check_record, encode_record, read_run
from gamelang.validate import validate_paths
from tests.conftest import ROOT, gamelang_cmd
from tests.hostile.generate import SECRET, hostile_games, hostile_replies, secret_files

MAX_MEMORY = 500_000_000
REPLIES = hostile_replies(400)

# ------------------------------------------------------------------ watching which files are opened
_opened: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if _opened is not None and event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        _opened.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)  # cannot be removed: it records only while a test sets _opened
_ALLOWED = [Path(p).resolve() for p in (sys.prefix, sys.base_prefix, ROOT / "gamelang", ROOT / ".venv")]


def _outside(opened: list[str], folder: Path) -> list[str]:
    """The opened files that are neither in ``folder`` nor part of Python or gamelang itself (its
    code, and its cache folder: parsed texts and parser tables are gamelang's, not the game's)."""
    from gamelang.parsercache import cache_dir

    allowed = _ALLOWED + ([cache_dir().resolve()] if cache_dir() is not None else [])
    bad = []
    for name in opened:
        try:
            path = Path(name).resolve()
        except (OSError, RuntimeError, ValueError):
            path = Path(name)
        if path.is_relative_to(folder.resolve()) or any(path.is_relative_to(a) for a in allowed):
            continue
        if name.startswith("/dev/") or name == "/etc/localtime":
            continue
        bad.append(name)
    return bad


# ------------------------------------------------------------------ replies through the env API
JSON_GAME = """
game j { version 1 }
role a { intro "Answer with a JSON object, or yes or no." }
move call by a = json { name: str, arguments: map[str, str] }
move pick by a = choice ["yes", "no"]
state s {
  ask a
  parse call else reprompt 2 "JSON please" then abort "no JSON"
  tell a "You called {{ call.name }} with {{ call.arguments|tojson }}"
  ask a
  parse pick else lose "neither yes nor no"
  if pick.value == "yes" end win
  end lose
}
"""


@pytest.fixture(scope="module")
def machines(tmp_path_factory):
    out = [compile_file(resolve_game(name)).machine for name in ("taboo", "wordle", "referencegame")]
    folder = tmp_path_factory.mktemp("json-game")
    loaded = load_spec_text(JSON_GAME, str(folder / "j.game"), path=folder / "j.game")
    out.append(compile_loaded(loaded).machine)
    assert all(out)
    return [(m, load_instances(m)) for m in out]


def test_there_are_enough_hostile_cases():
    assert len(REPLIES) >= 300
    assert len(hostile_games("/x")) >= 100


@pytest.mark.parametrize("chunk", range(8))
def test_hostile_replies_through_the_env_api(machines, chunk):
    """Every reply, to every game: the episode ends win, lose or abort (never error, never an
    exception), and its record can be written."""
    for i, reply in enumerate(REPLIES[chunk::8]):
        machine, instances = machines[(i + chunk) % len(machines)]
        tracemalloc.start()
        try:
            env = GameEnv(machine)
            turn = env.reset(instances[i % len(instances)], seed=i)
            steps = 0
            while not turn.done:
                turn = env.step(reply if steps % 2 == 0 else REPLIES[(i * 7 + steps) % len(REPLIES)])
                steps += 1
                assert steps < 200
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert env.outcome in ("win", "lose", "abort"), (reply[:80], env.reason)
        assert peak < MAX_MEMORY
        line, _ = encode_record(env.record())
        record = json.loads(line)
        check_record(record)
        assert record["outcome"] == env.outcome  # written as itself, not as an error record


# ------------------------------------------------------------------ replies through replay runs
def _replay_log(machine, instances, replies: list[str]) -> list[dict]:
    """A fake run log giving each episode's roles their own slice of the hostile replies."""
    records, k = [], 0
    for inst in instances:
        events = []
        for _ in range(3):
            for role in machine.roles:
                events.append({"type": "reply", "role": role, "text": replies[k % len(replies)]})
                k += 1
        records.append({"game": machine.name, "experiment": inst.experiment, "instance": inst.id, "episode": 0,
                        "branch": "", "outcome": "win", "events": events})
    return records


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(gamelang_cmd() + list(args), capture_output=True, text=True, cwd=ROOT, timeout=600)


@pytest.mark.parametrize("game", ["taboo", "referencegame"])
def test_hostile_replies_through_replay_runs_keep_every_episode(machines, tmp_path, game):
    machine, instances = next((m, i) for m, i in machines if m.name == game)
    log = tmp_path / "log" / "episodes.jsonl"
    log.parent.mkdir()
    with open(log, "w", encoding="utf-8") as fh:  # ensure_ascii: lone surrogates travel as \ud800
        for record in _replay_log(machine, instances, REPLIES):
            fh.write(json.dumps(record) + "\n")
    out = tmp_path / "run"
    proc = run("run", game, "--model", f"replay:{log}", "--out", str(out), "--concurrency", "4")
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    data = read_run(out)
    assert not data.problems and data.meta["status"] == "complete"
    assert len(data.latest()) == len(data.records) == len(instances)
    (out / "episodes.jsonl").read_bytes().decode("utf-8")  # valid UTF-8 throughout
    assert {r["outcome"] for r in data.records} <= {"win", "lose", "abort"}
    # killed half-way through a write: the finished episodes stay, the rest is played on resume
    lines = (out / "episodes.jsonl").read_bytes().split(b"\n")
    keep = len(lines) // 2
    (out / "episodes.jsonl").write_bytes(b"\n".join(lines[:keep]) + b"\n" + lines[keep][:50])
    proc = run("run", "--out", str(out), "--resume")
    assert proc.returncode in (0, 1) and "internal error" not in proc.stderr, proc.stderr
    data = read_run(out)
    assert not data.problems and len(data.records) == len(data.latest()) == len(instances)


# ------------------------------------------------------------------ hostile game files
def _materialise(game, root: Path) -> Path:
    outside = root / "outside"
    if not outside.exists():
        outside.mkdir()
        for name, text in secret_files().items():
            (outside / name).write_text(text)
    folder = root / "games" / game.name.split(".")[0]
    folder.mkdir(parents=True)
    for name, text in game.files.items():
        (folder / name).write_text(text)
    for name, target in game.links.items():
        os.symlink(target, folder / name)
    path = folder / game.name
    if game.raw is not None:
        path.write_bytes(game.raw)
    else:
        path.write_text(game.text, encoding="utf-8", errors="surrogatepass")
    return path


GAMES = hostile_games("{SECRET_DIR}")


@pytest.mark.parametrize("index", range(len(GAMES)), ids=[g.name for g in GAMES])
def test_hostile_game_files(tmp_path, index):
    """validate never fails with an exception and reads nothing outside the game's folder; a game
    that compiles plays an episode to an outcome."""
    global _opened
    secret_dir = str(tmp_path / "outside")
    template = GAMES[index]
    game = type(template)(template.name, template.text.replace("{SECRET_DIR}", secret_dir),
                          {k: v.replace("{SECRET_DIR}", secret_dir) for k, v in template.files.items()},
                          {k: v.replace("{SECRET_DIR}", secret_dir) for k, v in template.links.items()},
                          template.raw)
    path = _materialise(game, tmp_path)
    _opened = []
    tracemalloc.start()
    try:
        outcome = validate_paths([path])
        shown = outcome.render_text() + outcome.render_json()
        machine = outcome.reports[0].result.machine if outcome.reports and outcome.reports[0].result else None
        try:
            instances = load_instances(machine) if machine is not None else []
        except InstanceError:  # reported by validate (GL0037): nothing to play
            instances = []
        if instances:
            env = GameEnv(machine)
            turn = env.reset(instances[0])
            while not turn.done:
                turn = env.step("SAY: apple")
            assert env.outcome in ("win", "lose", "abort", "error")
            json.loads(encode_record(env.record())[0])
            shown += json.dumps(env.record())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        opened, _opened = _opened, None
    assert not outcome.usage_problems or template.raw is not None or "outside" not in str(outcome.usage_problems)
    assert SECRET not in shown
    assert _outside(opened, path.parent) == [], opened
    assert peak < MAX_MEMORY


def test_validate_on_the_whole_hostile_folder_has_no_traceback(tmp_path):
    secret_dir = str(tmp_path / "outside")
    for template in GAMES:
        game = type(template)(template.name, template.text.replace("{SECRET_DIR}", secret_dir),
                              {k: v.replace("{SECRET_DIR}", secret_dir) for k, v in template.files.items()},
                              {k: v.replace("{SECRET_DIR}", secret_dir) for k, v in template.links.items()},
                              template.raw)
        _materialise(game, tmp_path)
    proc = run("validate", str(tmp_path / "games"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr[-2000:]
    assert SECRET not in proc.stdout + proc.stderr
    for stream in (proc.stdout, proc.stderr):
        assert "\x1b" not in stream and "\x07" not in stream


def test_the_file_watch_sees_a_read_outside_the_folder(tmp_path):
    """The harness itself: an open outside the folder is caught (so 0 above means 0)."""
    global _opened
    (tmp_path / "outside.txt").write_text(SECRET)
    (tmp_path / "game").mkdir()
    _opened = []
    try:
        (tmp_path / "outside.txt").read_text()
        (tmp_path / "game" / "inside.txt").write_text("x")
    finally:
        opened, _opened = _opened, None
    assert _outside(opened, tmp_path / "game") == [str(tmp_path / "outside.txt")]
