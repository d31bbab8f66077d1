"""How templates are compiled: one pass of Jinja's code generator, Python's compile at the first
rendering where it cannot fail, each source compiled once per process, and Python's own limits on
nesting reported as a template problem rather than escaping as a SyntaxError."""

from __future__ import annotations

import dataclasses

import pytest

from gamelang.lang import templates
from gamelang.lang.templates import TemplateProblem, compile_template


@pytest.mark.parametrize("source", [
    "{% if a %}" * 100 + "x" + "{% endif %}" * 100,  # Python: too many levels of indentation
    "{{ " + " + ".join(["a"] * 250) + " }}",  # Python: too many nested parentheses
    "{% for a in b %}" * 25 + "x" + "{% endfor %}" * 25,  # Python: too many statically nested blocks
])
def test_code_python_refuses_is_a_template_problem(source):
    with pytest.raises(TemplateProblem, match="nested too deeply"):
        compile_template(source)


@pytest.mark.parametrize("source,context,expected", [
    ("{% for x in xs %}{{ x }},{% endfor %}", {"xs": [1, 2]}, "1,2,"),
    ("{{ a | upper }} {{ 'b' * 3 }}", {"a": "x"}, "X bbb"),
    ("{% if a %}" * 12 + "deep" + "{% endif %}" * 12, {"a": True}, "deep"),
    ("{{ " + " + ".join(["a"] * 120) + " }}", {"a": 1}, "120"),
])
def test_code_compiled_later_or_at_once_renders_alike(source, context, expected):
    compiled = templates._compile_template(source)
    eager = dataclasses.replace(compiled, code=templates.environment()._compile(compiled.code, "<template>")
                                if isinstance(compiled.code, str) else compiled.code, plain=None)
    lazy = dataclasses.replace(compiled, plain=None)
    assert lazy.render(context) == eager.render(context) == expected


def test_most_code_waits_for_its_first_rendering():
    # a `set` inside a loop is left to Jinja by templatefast, so this rendering needs Jinja's code
    compiled = templates._compile_template("{% for x in xs %}{% set y = x %}{{ y }}{% endfor %}")
    assert isinstance(compiled.code, str)
    assert compiled.render({"xs": "ab"}) == "ab"
    assert not isinstance(compiled.code, str)  # compiled once, kept


def test_jinja_code_is_never_compiled_for_a_template_templatefast_renders():
    compiled = templates._compile_template("{% for x in xs %}{{ x }}{% endfor %}")
    assert compiled.render({"xs": "ab"}) == "ab"
    assert isinstance(compiled.code, str)  # Jinja's module was not needed


def test_a_source_is_compiled_once_and_a_failure_every_time():
    assert compile_template("{{ a }} once") is compile_template("{{ a }} once")
    for _ in range(2):
        with pytest.raises(TemplateProblem, match="no filter named 'nope'"):
            compile_template("{{ a | nope }}")
    assert "{{ a | nope }}" not in templates._COMPILED


@pytest.mark.parametrize("source", ["CLUE: {{ clue.text }}", "{{ a }} and {{ b }}", "{{ self }}", "text only"])
def test_a_plain_template_gets_its_code_when_jinja_must_render_it(source):
    compiled = templates._compile_template(source)
    full = dataclasses.replace(compiled, plain=None)  # as when the plain path falls back to Jinja
    context = {"clue": {"text": "t"}, "a": 1, "b": "x"}
    try:
        expected = ("ok", full.render(context))
    except templates.RenderError as err:
        expected = ("error", str(err))
    assert not isinstance(full.code, str)  # generated and compiled at that rendering
    try:
        got = ("ok", compiled.render(context))
    except templates.RenderError as err:
        got = ("error", str(err))
    assert got == expected
