"""Plain templates (text, names, name.field) render without Jinja's machinery: the same text, and
the same errors (anything unusual is left to Jinja)."""

from __future__ import annotations

import dataclasses

import pytest

from gamelang.lang.templates import MAX_RENDER_CHARS, RenderError, compile_template


def _both(source: str, context: dict):
    fast = dataclasses.replace(compile_template(source), fast=None)  # the plain path, without templatefast
    slow = dataclasses.replace(fast, plain=None, fast=None)
    results = []
    for tmpl in (fast, slow):
        try:
            results.append(("ok", tmpl.render(context)))
        except RenderError as err:
            results.append(("error", str(err)))
    return fast, results


@pytest.mark.parametrize("source", [
    "CLUE: {{ clue.text }}", "{{ a }} and {{ b }}", "plain text only", "", "{{ n }}{{ flag }}{{ nothing }}",
    "line\n{{ clue.text }}\n", "{{ d.items }}", "{{ d.missing }}", "{{ undefined_name }}", "{{ lst.text }}",
    "{{ len }}", "{{ clue['text'] }}", "{{ a | upper }}", "{% if a %}{{ a }}{% endif %}", "{{ big }}{{ big }}",
    "{{ s.upper }}", "{{ obj.__class__ }}",
])
def test_plain_and_jinja_renderings_agree(source):
    context = {"clue": {"text": "the months around December"}, "a": "x", "b": 3, "n": None, "flag": True,
               "nothing": [], "d": {"items": "an items key", "k": 1}, "lst": [1, 2], "s": "text", "obj": object(),
               "big": "y" * (MAX_RENDER_CHARS // 2 + 1)}
    fast, (got, expected) = _both(source, context)
    assert got == expected


def test_only_plain_templates_take_the_plain_path():
    assert compile_template("CLUE: {{ clue.text }}").plain is not None
    assert compile_template("{{ a }}").plain is not None
    for source in ("{{ a | upper }}", "{% if a %}x{% endif %}", "{{ a[0] }}", "{{ a ~ b }}", "{{ f(a) }}",
                   "{% for x in xs %}{{ x }}{% endfor %}", "{{ 3 }}"):
        assert compile_template(source).plain is None, source


def test_every_shipped_template_renders_the_same_both_ways():
    from gamelang.compiler import compile_file
    from gamelang.instances import load_instances
    from gamelang.runtime.episode import GameEnv

    from .conftest import GAMES

    for game in ("taboo", "wordle", "referencegame"):
        machine = compile_file(GAMES / game / f"{game}.game").machine
        env = GameEnv(machine)
        instance = load_instances(machine)[0]
        env.reset(instance)
        context = dict(env.env)
        templates = [t for state in machine.states.values() for op in state.ops
                     for t in vars(op).values() if hasattr(t, "plain")]
        assert templates
        for tmpl in templates:
            plain = dataclasses.replace(tmpl, fast=None)
            slow = dataclasses.replace(tmpl, plain=None, fast=None)
            try:
                expected = ("ok", slow.render(context))
            except RenderError as err:
                expected = ("error", str(err))
            for way in (tmpl, plain):
                try:
                    got = ("ok", way.render(context))
                except RenderError as err:
                    got = ("error", str(err))
                assert got == expected, tmpl.source
