"""Defect 1 of issue 15: every file a game names is read only from inside the game's folder.

Each way out is tried for each kind of file (template, constant, instance file): an absolute
path, a `..` escape and a symlink that points out of the folder. Each must be refused with a
positioned GL0038, and the secret outside the folder must appear nowhere in what comes back.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gamelang.compiler import compile_file
from gamelang.lang.source import OutsideFolder, confined_path
from gamelang.validate import validate_paths

SECRET = "TOP-SECRET-OUTSIDE-THE-FOLDER"

GAME = """game g {{ version 1 }}
instance {{ word: str }}
{instances}
role a {{ intro {intro} }}
{const}
move m by a = regex /x/
state s {{
  ask a "{{{{ word }}}} {{{{ secret }}}}"
  parse m
  end win
}}
"""


def make_game(tmp_path: Path, *, intro: str = '"hi"', const: str = 'const secret: list[str] = ["s"]',
              instances: str = 'instances "inst.jsonl"') -> Path:
    """A game folder `tmp_path/game` next to a secret folder `tmp_path/outside`."""
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text(SECRET + "\n")
    (outside / "secret.jsonl").write_text('{"word": "%s"}\n' % SECRET)
    (outside / "secret.j2").write_text(SECRET)
    folder = tmp_path / "game"
    folder.mkdir(exist_ok=True)
    if not (folder / "inst.jsonl").exists():
        (folder / "inst.jsonl").write_text('{"word": "inside"}\n')
    game = folder / "g.game"
    game.write_text(GAME.format(intro=intro, const=const, instances=instances))
    return game


def assert_refused(game: Path, line: int) -> None:
    result = compile_file(game)
    assert result.machine is None
    codes = [(d.code, d.pos.line) for d in result.diagnostics]
    assert ("GL0038", line) in codes, result.render()
    assert SECRET not in result.render()
    outcome = validate_paths([game])
    assert outcome.exit_code == 1
    assert SECRET not in outcome.render_text() + outcome.render_json()


def _ways(tmp_path: Path, kind: str) -> dict[str, str]:
    """Names that lead to the secret file of ``kind`` (txt, j2, jsonl): absolute, `..`, symlink."""
    target = tmp_path / "outside" / f"secret.{kind}"
    link = tmp_path / "game" / f"link.{kind}"
    (tmp_path / "game").mkdir(exist_ok=True)
    if not link.is_symlink():
        os.symlink(target, link)
    dirlink = tmp_path / "game" / "outdir"
    if not dirlink.is_symlink():
        os.symlink(tmp_path / "outside", dirlink)
    return {"absolute": str(target), "dotdot": f"../outside/secret.{kind}", "symlink": f"link.{kind}",
            "dir-symlink": f"outdir/secret.{kind}", "sub-dotdot": f"sub/../../outside/secret.{kind}"}


WAYS = ["absolute", "dotdot", "symlink", "dir-symlink", "sub-dotdot"]


@pytest.mark.parametrize("way", WAYS)
def test_template_file_cannot_leave_the_folder(tmp_path, way):
    name = _ways(tmp_path, "j2")[way]
    assert_refused(make_game(tmp_path, intro=f'file "{name}"'), 4)


@pytest.mark.parametrize("way", WAYS)
def test_constant_file_cannot_leave_the_folder(tmp_path, way):
    name = _ways(tmp_path, "txt")[way]
    assert_refused(make_game(tmp_path, const=f'const secret: list[str] from "{name}"'), 5)


@pytest.mark.parametrize("way", WAYS)
def test_instance_file_cannot_leave_the_folder(tmp_path, way):
    name = _ways(tmp_path, "jsonl")[way]
    assert_refused(make_game(tmp_path, instances=f'instances "{name}"'), 3)


def test_proc_environ_is_refused(tmp_path):
    game = make_game(tmp_path, const='const secret: list[str] from "/proc/self/environ"')
    result = compile_file(game)
    assert [d.code for d in result.diagnostics if d.is_error] == ["GL0038"]


def test_files_inside_the_folder_still_work(tmp_path):
    game = make_game(tmp_path, intro='file "t/intro.j2"', const='const secret: list[str] from "sub/../words.txt"')
    (tmp_path / "game" / "t").mkdir()
    (tmp_path / "game" / "t" / "intro.j2").write_text("hello")
    (tmp_path / "game" / "words.txt").write_text("a\nb\n")
    os.symlink(tmp_path / "game" / "inst.jsonl", tmp_path / "game" / "linked.jsonl")  # a link that stays inside
    game.write_text(game.read_text().replace('"inst.jsonl"', '"linked.jsonl"'))
    result = compile_file(game)
    assert result.ok, result.render()
    assert result.machine.consts["secret"] == ["a", "b"]


def test_a_game_reached_through_a_symlinked_folder_reads_its_own_files(tmp_path):
    make_game(tmp_path, intro='file "intro.j2"')
    (tmp_path / "game" / "intro.j2").write_text("hello")
    os.symlink(tmp_path / "game", tmp_path / "alias")
    assert compile_file(tmp_path / "alias" / "g.game").ok


def test_confined_path_reports_why(tmp_path):
    with pytest.raises(OutsideFolder, match="absolute"):
        confined_path(tmp_path, "/etc/passwd")
    with pytest.raises(OutsideFolder, match="leads out"):
        confined_path(tmp_path, "../x")
    with pytest.raises(OutsideFolder):
        confined_path(tmp_path, "a\x00b")
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    try:
        confined_path(tmp_path, "loop")  # a symlink loop: refused or resolved inside, never a crash
    except OutsideFolder:
        pass
    assert confined_path(tmp_path, "a/b.txt") == tmp_path.resolve() / "a" / "b.txt"
