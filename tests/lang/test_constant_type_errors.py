"""A constant (or initial value) with a type error is reported, never evaluated (found by the mutation test)."""

from __future__ import annotations

from gamelang.validate import validate_paths


def test_a_mistyped_constant_is_a_diagnostic_not_an_exception(tmp_path):
    path = tmp_path / "g.game"
    path.write_text('game g { version 1 }\nrole a { intro "{{ kinds }}" }\nconst kinds: list[str] = ["noun", -"verb"]\n'
                    'state s { ask a end win }\n')
    found = [(d.code, d.message) for r in validate_paths([path]).reports for d in r.diagnostics]
    assert found == [("GL0017", "cannot negate str")]
