"""The YAML form says the same as the .game form, with positioned errors."""

import json

from gamelang.compiler import compile_file
from gamelang.lang.loader import load_spec_text
from gamelang.lang.spec import GameSpec


def test_taboo_in_both_forms_gives_equal_specs(games_dir):
    game = compile_file(games_dir / "taboo" / "taboo.game")
    yaml = compile_file(games_dir / "taboo" / "taboo.game.yaml")
    assert game.ok and yaml.ok
    assert game.loaded.spec == yaml.loaded.spec
    assert game.machine.content_hash != "" and yaml.machine is not None


def test_spec_equality_ignores_spacing_but_not_meaning():
    a = load_spec_text('game g { version 1 }\nrole r { intro "x" }\nvar n: int = 0\nstate s { ask r set n = n+1 end win }')
    b = load_spec_text('game g { version 1 }\nrole r { intro "x" }\nvar n: int = 0\nstate s {\n  ask r\n  set n = n + 1\n  end win\n}')
    c = load_spec_text('game g { version 1 }\nrole r { intro "x" }\nvar n: int = 0\nstate s { ask r set n = n + 2 end win }')
    assert a.spec == b.spec
    assert a.spec != c.spec


def test_yaml_shorthands_normalise():
    yaml = """
game: {name: g}
instance:
  word: str
  turns: {type: int, default: 3}
roles: {r: {intro: hi}}
moves: {m: {by: r, choice: [yes, no]}}
states:
  s:
    - ask: r
    - parse: m
      else: abort
    - if: m.value == "yes"
      end: win
    - end: lose
"""
    loaded = load_spec_text(yaml, "g.game.yaml")
    assert not loaded.diags.has_errors, loaded.diags.items
    s = loaded.spec.states["s"]
    assert s[1].otherwise.abort is None
    assert s[2].then[0].end == "win"


def test_schema_is_generated_from_the_spec_models():
    schema = GameSpec.model_json_schema(by_alias=True)
    assert {"game", "roles", "states", "moves", "score"} <= set(schema["properties"])
    json.dumps(schema)


def test_an_unknown_key_that_is_a_key_elsewhere_is_not_suggested_as_itself():
    loaded = load_spec_text("game: {name: g}\nvars:\n  n: {type: int, value: 1}\nroles: {r: {intro: hi}}\n"
                            "states:\n  s: [{ask: r}, {end: win}]\n", "g.game.yaml")
    [d] = [d for d in loaded.diags.items if "unknown key" in d.message]
    assert "`value`" in d.message and d.hint != "did you mean 'value'?"


def test_the_yaml_parsers_own_errors_are_diagnostics():
    # ruamel's round-trip parser fails on these with an AssertionError of its own, not a YAMLError
    # (a random mutation of taboo.game.yaml found it: a stray `|` before a comment)
    for text in ("#\n| #\n", "# a\n| # b\ngame: {name: x}\n"):
        loaded = load_spec_text(text, "broken.game.yaml")
        assert loaded.spec is None
        [diag] = loaded.diags.items
        assert (diag.code, diag.message) == ("GL0006", "YAML error: AssertionError")
