"""`gamelang validate`, `graph` and `schema` from the outside: output, exit codes, start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GAMES, ROOT, gamelang_cmd

GOLDEN = ROOT / "tests" / "golden" / "diagnostics"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(gamelang_cmd() + list(args), capture_output=True, text=True, cwd=cwd, timeout=120)


def test_shipped_games_are_valid():
    proc = run("validate", "games")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "games/taboo/taboo.game: ok" in proc.stdout
    assert "games/taboo/taboo.game.yaml: ok" in proc.stdout


def test_text_output_has_position_code_source_line_and_caret():
    proc = run("validate", str(GOLDEN / "undefined_state.game"))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    first = next(i for i, ln in enumerate(lines) if "GL0010" in ln)
    assert lines[first].startswith(f"{GOLDEN / 'undefined_state.game'}:7:8: GL0010 error: undefined state 'finsh'")
    assert lines[first + 1].endswith("goto finsh")
    assert lines[first + 2].strip().endswith("^^^^^")
    assert "did you mean 'finish'?" in lines[first + 3]


def test_json_output_lists_every_problem():
    proc = run("validate", "--format", "json", str(GOLDEN / "unused_declarations.game"),
               str(GOLDEN / "undefined_move.game"))
    assert proc.returncode == 1
    items = json.loads(proc.stdout)
    assert {i["code"] for i in items} == {"GL0032", "GL0011"}
    for item in items:
        assert set(item) == {"path", "line", "column", "end", "code", "severity", "message", "hint"}
        assert item["severity"] in ("error", "warning")


def test_warnings_alone_exit_zero():
    proc = run("validate", str(GOLDEN / "unreachable_statement.game"))
    assert proc.returncode == 0
    assert "GL0028 warning" in proc.stdout


def test_folder_with_broken_games_exits_one():
    proc = run("validate", str(GOLDEN))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02\xff\xfe", b"game g {", b"game " * 100, b"\xef\xbb\xbf",
                                     b"state s { ask a " * 5000, b"}" * 10000, b"{" * 10000, b'"""' * 3])
def test_never_a_traceback_on_odd_input(tmp_path, content):
    bad = tmp_path / "odd.game"
    bad.write_bytes(content)
    proc = run("validate", str(bad))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "GL0" in proc.stdout


def test_huge_file_is_refused_with_a_diagnostic(tmp_path):
    huge = tmp_path / "huge.game"
    huge.write_text("# padding\n" * 200_000)
    proc = run("validate", str(huge))
    assert proc.returncode == 1
    assert "GL0005" in proc.stdout


def test_huge_yaml_alias_bomb_is_refused(tmp_path):
    bomb = tmp_path / "bomb.game.yaml"
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
    lines.append("game: {name: g, tags: *a8}")
    bomb.write_text("\n".join(lines) + "\n")
    proc = run("validate", str(bomb))
    assert proc.returncode == 1
    assert "GL0005" in proc.stdout


def test_missing_path_is_bad_usage():
    proc = run("validate", "no/such/file.game")
    assert proc.returncode == 2
    assert "no such file or folder" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_no_arguments_is_bad_usage():
    assert run("validate").returncode == 2


def test_folder_without_games_is_bad_usage(tmp_path):
    proc = run("validate", str(tmp_path))
    assert proc.returncode == 2


def test_bad_instances_are_reported_with_their_line(tmp_path):
    (tmp_path / "g.game").write_text(
        'game g { version 1 }\ninstance { word: str\n n: int = 1 }\ninstances "inst.jsonl"\n'
        'role a { intro "{{ word }} {{ n }}" }\nmove m by a = regex /x/\n'
        "state s {\n  ask a\n  parse m\n  end win\n}\n")
    (tmp_path / "inst.jsonl").write_text('{"word": "ok"}\n{"word": 3}\nnot json\n')
    proc = run("validate", str(tmp_path / "g.game"))
    assert proc.returncode == 1
    assert "inst.jsonl:3:1: GL0037" in proc.stdout
    proc = run("validate", "--no-instances", str(tmp_path / "g.game"))
    assert proc.returncode == 0


def test_validate_does_not_import_heavy_libraries():
    code = ("import sys; from gamelang.cli import main\n"
            "try:\n    main(['validate', 'games'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('torch', 'transformers', 'trl') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("game", ["taboo", "wordle", "referencegame"])
def test_graph_mermaid_and_dot(game):
    mermaid = run("graph", game)
    assert mermaid.returncode == 0
    assert mermaid.stdout.startswith("stateDiagram-v2")
    assert "[*] -->" in mermaid.stdout and "end_win" in mermaid.stdout
    dot = run("graph", game, "--format", "dot")
    assert dot.returncode == 0
    assert dot.stdout.startswith("digraph") and dot.stdout.rstrip().endswith("}")


def test_graph_of_taboo_shows_its_transitions():
    out = run("graph", str(GAMES / "taboo" / "taboo.game")).stdout
    assert "describe --> guess" in out
    assert "guess --> describe" in out
    assert "guess --> end_win : guessed == lower(target_word)" in out


def test_graph_of_unknown_or_invalid_game():
    proc = run("graph", "no_such_game")
    assert proc.returncode == 2
    assert "no game file or game named" in proc.stderr
    proc = run("graph", str(GOLDEN / "undefined_state.game"))
    assert proc.returncode == 1
    assert "GL0010" in proc.stderr


def test_schema_is_json():
    proc = run("schema")
    assert proc.returncode == 0
    assert "properties" in json.loads(proc.stdout)
