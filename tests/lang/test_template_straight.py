"""A template of text and values only (no statement, no ``{{ x if c }}``) is rendered by
templatefast as one output joined once into its text (no list of pieces): the same text as Jinja's
or the same error (it gives up where the budget is passed), whatever the number of pieces and the
kinds of values; templates with statements keep the list."""

from __future__ import annotations

import pytest

from gamelang.lang.templates import MAX_OUTPUT, MAX_RENDER_CHARS, compile_template
from tests.test_template_fast_path import CONTEXT, _compare, _jinja, _result

STRAIGHT = ["", "just text", "{{ s }}", "{{ n }}", "{{ xs }}", "CLUE: {{ d.k }}", "{{ s }}{{ n }}", "{{ s }}!",
            "a {{ s }} b {{ n }} c {{ xs[0] }} d {{ f }}", "{{ none }}{{ flag }}{{ t }}", "{{ big }}",
            "{{ big }}{{ big }}", "x{{ big }}y", "{{ missing }}", "{{ d.missing }} and {{ s }}", "{{ half }}{{ half }}",
            "{{ 'yes' if flag else 'no' }}: {{ s }}"]
NOT_STRAIGHT = ["{{ 'yes' if flag }}{{ s }}", "{% if flag %}{{ s }}{% endif %}", "{% set m = 1 %}{{ m }}",
                "{% for x in xs %}{{ x }}{% endfor %}"]


@pytest.mark.parametrize("source", STRAIGHT)
def test_straight_templates_render_as_jinja_does(source):
    contexts = [CONTEXT, {**CONTEXT, "s": 7, "n": "text", "d": {"k": ["a"]}},
                {**CONTEXT, "half": "h" * (MAX_OUTPUT // 2 + 1)}, {**CONTEXT, "half": "h" * (MAX_OUTPUT // 2)},
                {**CONTEXT, "big": "b" * (MAX_RENDER_CHARS + 1)}]
    for context in contexts:
        tmpl = _compare(source, context)
        assert _result(tmpl, context) == _result(_jinja(compile_template(source)), context)
    renderer = compile_template(source).renderer()
    if renderer is not None and "{{" in source:
        assert "out = []" not in renderer.source and "text = " in renderer.source


@pytest.mark.parametrize("source", NOT_STRAIGHT)
def test_templates_with_statements_keep_the_list(source):
    _compare(source, CONTEXT)
    assert "out = []" in compile_template(source).renderer().source


INDEXED = ["{% for c in colours %}{{ word[loop.index0] }}<{{ c }}>{% endfor %}",
           "{% for c in colours %}{% if c == 'red' %}{{ word[loop.index0] }}{% endif %}{% endfor %}",
           "{% for x in xs %}{% for c in colours %}{{ word[loop.index0] }}{% endfor %}{% endfor %}"]


@pytest.mark.parametrize("source", INDEXED)
@pytest.mark.parametrize("word", ["crane", "cr", ["a", "b", "c", "d", "e", "f"], ("t", "u"), {0: "k", 1: "l"}, 7, None,
                                  "MISSING"])
def test_a_context_name_indexed_by_the_loop_position_renders_as_jinja_does(source, word):
    # its type is asked once per rendering (templatefast's `sequences`), not at every item
    context = {k: v for k, v in {**CONTEXT, "word": word}.items() if v != "MISSING"}
    _compare(source, context)
    assert " = type(g_" in compile_template(source).renderer().source
