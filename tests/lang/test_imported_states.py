"""States in libraries (issue 11, part 8): a library may declare states, a game imports them with
the rest (or by name), and they are states of the game like its own; the game's own first state
(or the header's `start`) stays where its episodes begin."""

from __future__ import annotations

from pathlib import Path

from gamelang.compiler import compile_file
from gamelang.graph import to_mermaid
from gamelang.validate import validate_paths
from tests.conftest import ROOT, play

#: a library with two states: `play` asks and goes on to the game's own `judge` state
LIBRARY = '''\
role player { intro "Say a word." }
move word by player = regex /^(?P<w>\\w+)$/
var said: list[str] = []
state play {
  ask player
  parse word else abort "not a word"
  set said = said + [word.w]
  goto judge
}
state spare {
  end lose
}
'''

GAME = '''\
game g {
  version 1
}
IMPORT
state judge {
  if len(said) >= 2 end win
  goto play
}
limits { requests 5 }
'''


def _game(tmp_path: Path, imports: str, library: str = LIBRARY, game: str = GAME, own_start: bool = True) -> Path:
    folder = tmp_path / "g"
    folder.mkdir(exist_ok=True)
    (folder / "rules.gamelib").write_text(library)
    text = game.replace("IMPORT", imports)
    if own_start:
        text = text.replace("state judge", 'state begin {\n  tell player "hello"\n  goto play\n}\nstate judge')
    (folder / "g.game").write_text(text)
    return folder / "g.game"


def _diagnostics(path: Path) -> list:
    return [d for r in validate_paths([path]).reports for d in r.diagnostics]


def test_a_library_state_is_imported_and_goes_to_the_games_own_state(tmp_path: Path):
    path = _game(tmp_path, 'import play, player, word, said from "rules.gamelib"')
    result = compile_file(path)
    assert result.ok, result.render()
    m = result.machine
    assert list(m.spec.states) == ["begin", "judge", "play"]  # the game's own first, imported after
    assert m.spec.start_state == "begin"
    env = play(m, ["apple", "pear"])
    assert env.outcome == "win"
    moves = [e.get("to") for e in env.state.events if e["type"] == "state"]
    assert moves == ["begin", "play", "judge", "play", "judge"]
    # the lines of an imported state's events are the library's: its state event names the file
    files = [e.get("file") for e in env.state.events if e["type"] == "state"]
    assert files == [None, "rules.gamelib", None, "rules.gamelib", None]
    [ask] = [e for e in env.state.events if e["type"] == "ask"][:1]
    assert ask["line"] == 5  # `ask player` in rules.gamelib


def test_an_imported_states_file_is_relative_to_the_game(tmp_path: Path):
    from gamelang.registry import resolve_game

    machine = compile_file(resolve_game("wordle_withclue")).machine
    assert machine.states["play"].file == "../wordle/wordle.gamelib"
    assert machine.states["start"].file is None


def test_importing_a_whole_library_takes_every_state(tmp_path: Path):
    path = _game(tmp_path, 'import "rules.gamelib"')
    diags = _diagnostics(path)
    # `spare` came with the rest, and the game never goes to it: unreachable, reported where it is written
    [d] = diags
    assert d.code == "GL0025" and "'spare'" in d.message
    assert d.path.endswith("rules.gamelib") and d.pos.line == 10
    assert d.hint and "import by name" in d.hint


def test_an_imported_state_is_never_the_start_by_coming_first(tmp_path: Path):
    path = _game(tmp_path, 'import play, player, word, said from "rules.gamelib"', own_start=False)
    result = compile_file(path)
    assert result.ok, result.render()
    assert result.machine.spec.start_state == "judge"  # the game's own, although `play` was imported first
    assert result.machine.start == "judge"
    graph = to_mermaid(result.machine.spec)
    assert "[*] --> judge" in graph and "[*] --> play" not in graph and "play --> judge" in graph


def test_a_game_with_only_imported_states_must_name_its_start(tmp_path: Path):
    lib = LIBRARY.replace("goto judge", "if len(said) >= 2 end win\n  goto play").replace(
        "state spare {\n  end lose\n}\n", "")
    game = 'game g { version 1 }\nimport "rules.gamelib"\nlimits { requests 5 }\n'
    path = _game(tmp_path, "", library=lib, game=game, own_start=False)
    [d] = _diagnostics(path)
    assert d.code == "GL0031" and "no state of its own" in d.message and d.path.endswith("g.game")
    assert d.hint and "start play" in d.hint
    path.write_text(game.replace("version 1", "version 1 start play"))
    result = compile_file(path)
    assert result.ok, result.render()
    assert result.machine.start == "play"
    assert play(result.machine, ["a", "b"]).outcome == "win"
    yaml = path.with_name("g.game.yaml")
    yaml.write_text("game: {name: g, version: 1, start: play}\nimports: [rules.gamelib]\nlimits: {requests: 5}\n")
    from_yaml = compile_file(yaml)
    assert from_yaml.ok and from_yaml.loaded.spec == result.loaded.spec, from_yaml.render()


def test_an_undefined_start_is_reported_with_a_suggestion(tmp_path: Path):
    path = _game(tmp_path, 'import play, player, word, said from "rules.gamelib"')
    path.write_text(path.read_text().replace("version 1", "version 1\n  start judg"))
    [d] = _diagnostics(path)
    assert d.code == "GL0010" and "'judg'" in d.message and d.hint == "did you mean 'judge'?"
    assert (d.pos.line, d.pos.column) == (3, 9)


def test_an_undefined_name_in_a_library_state_points_into_the_library(tmp_path: Path):
    lib = LIBRARY.replace("set said = said + [word.w]", "set said = sad + [word.w]").replace(
        "goto judge", "goto juge")
    path = _game(tmp_path, 'import play, player, word, said from "rules.gamelib"', library=lib)
    diags = _diagnostics(path)
    got = {(d.code, Path(d.path).name, d.pos.line, d.pos.column, d.hint) for d in diags}
    assert ("GL0012", "rules.gamelib", 7, 14, "did you mean 'said'?") in got
    assert ("GL0010", "rules.gamelib", 8, 8, "did you mean 'judge'?") in got
    # and, as no `goto` reaches it now, the game's own state judge is unreachable, in the game's file
    assert {(d.code, Path(d.path).name) for d in diags} == {("GL0012", "rules.gamelib"), ("GL0010", "rules.gamelib"),
                                                            ("GL0025", "g.game")}


def test_a_state_name_clash_with_an_import_is_a_duplicate(tmp_path: Path):
    path = _game(tmp_path, 'import play, player, word, said from "rules.gamelib"')
    path.write_text(path.read_text() + "state play {\n  end lose\n}\n")
    [d] = [d for d in _diagnostics(path) if d.code == "GL0008"]
    assert "state 'play'" in d.message and "line 14" in d.message and d.path.endswith("g.game")
    assert d.pos.line == 4  # the import


def test_the_states_of_a_game_are_not_imported(tmp_path: Path):
    folder = tmp_path / "g"
    folder.mkdir()
    (folder / "other.game").write_text('game other { version 1 }\nconst n: int = 2\nrole r { intro "hi" }\n'
                                       'state only { ask r end win }\n')
    (folder / "g.game").write_text('game g { version 1 }\nimport "other.game"\nrole q { intro "{{ n }}" }\n'
                                   'state s { ask q end win }\n')
    result = compile_file(folder / "g.game")
    assert result.ok, result.render()
    assert list(result.machine.spec.states) == ["s"]  # the constant came, the state did not
    (folder / "g.game").write_text('game g { version 1 }\nimport only from "other.game"\nrole q { intro "x" }\n'
                                   'state s { ask q end win }\n')
    [d] = _diagnostics(folder / "g.game")
    assert d.code == "GL0044" and "a state of the game" in d.message and d.pos.line == 2


def test_a_library_state_in_the_yaml_form_is_the_same(tmp_path: Path):
    path = _game(tmp_path, 'import play, player, word, said from "rules.gamelib"')
    game = compile_file(path)
    (tmp_path / "g" / "rules.gamelib.yaml").write_text('''\
roles:
  player: {intro: Say a word.}
moves:
  word: {by: player, regex: '^(?P<w>\\w+)$'}
vars:
  said: {type: "list[str]", init: "[]"}
states:
  play:
    - ask: player
    - parse: word
      else: {abort: not a word}
    - {set: said, to: "said + [word.w]"}
    - goto: judge
  spare:
    - end: lose
''')
    path.write_text(path.read_text().replace('"rules.gamelib"', '"rules.gamelib.yaml"'))
    yaml = compile_file(path)
    assert game.ok and yaml.ok, yaml.render()
    # the same game but for the name of the file it imports from
    assert game.loaded.spec.imports[0].file == "rules.gamelib" and yaml.loaded.spec.imports[0].file == "rules.gamelib.yaml"
    assert game.loaded.spec.model_copy(update={"imports": []}) == yaml.loaded.spec.model_copy(update={"imports": []})
    assert yaml.loaded.smap.file_of(("states", "play", 3), "").endswith("rules.gamelib.yaml")


def test_a_change_in_a_library_state_changes_the_content_hash(tmp_path: Path):
    path = _game(tmp_path, 'import play, player, word, said from "rules.gamelib"')
    before = compile_file(path).machine.content_hash
    lib = tmp_path / "g" / "rules.gamelib"
    lib.write_text(lib.read_text().replace('abort "not a word"', 'abort "not one word"'))
    assert compile_file(path).machine.content_hash != before


def test_the_wordle_games_share_wordles_play_state():
    shared = ROOT / "games" / "wordle" / "wordle.gamelib"
    for name, start in (("wordle", "play"), ("wordle_withclue", "start")):
        result = compile_file(ROOT / "games" / name / f"{name}.game")
        assert result.ok, result.render()
        assert Path(result.loaded.smap.file_of(("states", "play"), "")).resolve() == shared
        assert result.machine.start == start
    critic = compile_file(ROOT / "games" / "wordle_withcritic" / "wordle_withcritic.game")
    assert critic.ok and critic.loaded.smap.file_of(("states", "play"), "own") == "own"  # its own play state
