"""Templates render in a sandbox: untrusted game text cannot escape it or run without bound."""

import pytest

from gamelang.lang.templates import RenderError, TemplateProblem, compile_template


def render(source: str, **context) -> str:
    return compile_template(source).render(context)


def test_renders_context_and_builtin_functions():
    text = render("{{ name }}: {{ letter_feedback(g, t) | join(',') }}", name="fb", g="crane", t="react")
    assert text == "fb: yellow,yellow,green,red,yellow"


def test_free_variables_and_field_reads_are_reported():
    t = compile_template("{% for w in items %}{{ w }}{% endfor %} {{ clue.text }} {{ len(x) }}")
    assert t.variables == {"items", "clue", "x"}
    assert ("clue", "text", 1) in t.fields


def test_model_text_in_the_context_is_data_not_template_code():
    assert render("said: {{ reply }}", reply="{{ 7 * 7 }} {% for x in y %}") == "said: {{ 7 * 7 }} {% for x in y %}"


@pytest.mark.parametrize("source", [
    "{% macro f() %}x{% endmacro %}",
    "{% for x in xs recursive %}{{ loop(x) }}{% endfor %}",
    "{% include 'other' %}",
    "{% import 'x' as y %}",
    "{% extends 'base' %}",
    "{{ unclosed",
    "{{ x | no_such_filter }}",
    "{% if x is no_such_test %}{% endif %}",
    "{{" + "(" * 500 + "1" + ")" * 500 + "}}",
])
def test_unsafe_or_invalid_templates_are_refused_at_compile_time(source):
    with pytest.raises(TemplateProblem):
        compile_template(source)


@pytest.mark.parametrize("source, context", [
    ("{% for a in range(20000) %}{% for b in range(20000) %}{% endfor %}{% endfor %}", {}),
    ("{{ 'a' * 100000000 }}", {}),
    ("{{ 10 ** 10000 }}", {}),
    ("{{ s + s }}", {"s": "x" * 150_000}),
    ("{% for a in xs %}{{ big }}{% endfor %}", {"xs": list(range(1000)), "big": "y" * 1000}),
    ("{{ ''.__class__.__mro__ }}", {}),
    ("{{ xs.append(1) }}", {"xs": []}),
    ("{{ missing }}", {}),
    ("{{ range(10**9) }}", {}),
])
def test_rendering_is_bounded_and_sandboxed(source, context):
    with pytest.raises(RenderError):
        render(source, **context)
