"""Defect 6 of issue 15: player text reaches the terminal as text, never as markup or escape sequences."""

from __future__ import annotations

import io
import subprocess

from rich.console import Console

from gamelang.live import LiveTranscript
from gamelang.players.base import Request, parse_spec
from gamelang.players.human import HumanPlayer
from gamelang.safetext import visible
from tests.conftest import ROOT, gamelang_cmd

HOSTILE = 'CLUE: {"[/x]": 1} [bold]x[/bold] \x1b[31mRED\x1b]0;pwned\x07 \x1b]8;;http://evil\x1b\\link\x9b2J \u202eevil\r'


def console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=300, force_terminal=False, color_system=None), out


def assert_safe(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text and "\u202e" not in text
    assert "\r" not in text.replace("\r\n", "\n")


def test_visible_shows_control_characters():
    assert visible("a\x1b[31mb\x07\r\n\tc\x9b") == "a\\x1b[31mb\\x07\\x0d\n\tc\\x9b"


def test_the_live_transcript_prints_replies_and_errors_as_text():
    c, out = console()
    live = LiveTranscript(c)
    for event in ({"type": "ask", "role": "a", "message": HOSTILE},
                  {"type": "reply", "role": "a", "text": HOSTILE},
                  {"type": "parse", "move": "m", "ok": False, "error": f"no match in {HOSTILE}"},
                  {"type": "check", "ok": False, "expr": "[/x]"},
                  {"type": "error", "message": HOSTILE}):
        live.on_event(event)  # used to raise rich's MarkupError on '[/x]'
    text = out.getvalue()
    assert_safe(text)
    assert '{"[/x]": 1} [bold]x[/bold]' in text and "\\x1b[31mRED" in text


def test_the_human_player_shows_the_game_text_as_text():
    c, out = console()
    c.input = lambda prompt="": "GUESS: x"  # type: ignore[method-assign]
    player = HumanPlayer(parse_spec("human"), console=c)
    request = Request(("g", "e", "0", 0, ""), "guesser", [{"role": "user", "content": HOSTILE}], 10)
    assert player.respond([request]) == ["GUESS: x"]
    text = out.getvalue()
    assert_safe(text)
    assert "[/x]" in text and "[bold]x[/bold]" in text


def run(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(gamelang_cmd() + list(args), capture_output=True, text=True, cwd=cwd, timeout=180)


def test_play_prints_hostile_replies_without_crashing(tmp_path):
    replies = tmp_path / "r.json"
    import json

    replies.write_text(json.dumps({"describer": [HOSTILE, HOSTILE, HOSTILE], "guesser": ["GUESS: [/x] \x1b[2J"] * 3}))
    proc = run("play", "taboo", "--model", f"replay:{replies}")
    assert proc.returncode in (0, 1), proc.stderr  # 3 was the crash on '[/x]'
    assert "internal error" not in proc.stderr
    assert_safe(proc.stdout + proc.stderr)
    assert "[/x]" in proc.stdout


def test_paths_that_look_like_markup_are_printed_as_text(tmp_path):
    out = tmp_path / "[/x]" / "r\x1b[31m"
    proc = run("run", "taboo", "--limit", "1", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "[/x]" in proc.stdout and "\\x1b[31m" in proc.stdout
    assert_safe(proc.stdout + proc.stderr)
    proc = run("score", str(out), str(out))
    assert proc.returncode == 0, proc.stderr
    assert_safe(proc.stdout + proc.stderr)
    proc = run("score", str(tmp_path / "[/y]\x1b[2J"))
    assert proc.returncode == 2 and "internal error" not in proc.stderr
    assert_safe(proc.stdout + proc.stderr)


def test_validate_shows_escape_sequences_in_a_game_file_visibly(tmp_path):
    game = tmp_path / "g.game"
    game.write_text('game g { version 1 }\nrole a { intro "\x1b]0;pwned\x07" }\nstate s { goto nowhere\x1b[2J }\n')
    proc = run("validate", str(game))
    assert proc.returncode == 1
    assert_safe(proc.stdout + proc.stderr)
