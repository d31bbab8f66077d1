"""Templates compiled to Python functions (gamelang.lang.templatefast) render exactly as Jinja does: the same
text, or the same error (the function gives up and Jinja renders). Every shipped template is compared
over the bindings the games really render it with, then each construct, each fallback and the
hostile templates by hand."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest

from gamelang.lang.templates import (MAX_LOOP_ITERATIONS, MAX_OUTPUT, MAX_RENDER_CHARS, CompiledTemplate, RenderError,
                                     TemplateProblem, compile_template)

from .hostile.generate import TEMPLATE_BOMBS
from .security.test_template_bounds import CONTEXT as HUGE_CONTEXT, HUGE

ROOT = Path(__file__).resolve().parents[1]


def _jinja(tmpl: CompiledTemplate) -> CompiledTemplate:
    return dataclasses.replace(tmpl, plain=None, fast=None)


def _result(tmpl: CompiledTemplate, context: dict) -> tuple[str, str]:
    try:
        return ("ok", tmpl.render(context))
    except RenderError as err:
        return ("error", str(err))


def _fast(tmpl: CompiledTemplate, context: dict) -> str | None:
    """What the closures alone give (None: they gave up), after the first rendering compiled them."""
    _result(tmpl, context)
    return tmpl.fast(context) if tmpl.fast else None


CONTEXT = {
    "xs": ["a", "b", "c"], "empty": [], "n": 3, "zero": 0, "s": "hello", "d": {"k": "v", "items": "an items key"},
    "rows": [{"name": "ann", "age": 30}, {"name": "bob", "age": 4}], "pairs": [["x", 1], ["y", 2]],
    "flag": True, "none": None, "word": "crane", "colours": ["green", "yellow", "red", "red", "green"],
    "nested": {"inner": {"deep": [1, 2, 3]}}, "t": (1, 2), "f": 1.5, "big": "y" * (MAX_RENDER_CHARS // 2 + 1),
}

#: Templates the closures render, each compared with Jinja over CONTEXT.
CONSTRUCTS = [
    "{% for x in xs %}{{ loop.index }}:{{ x }}{% if not loop.last %}, {% endif %}{% endfor %}",
    "{% for x in xs %}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}"
    "{{ loop.revindex0 }}{% endfor %}",
    "{% for x in empty %}{{ x }}{% else %}nothing{% endfor %}",
    "{% for x in xs if x != 'b' %}{{ loop.index }}/{{ loop.length }}={{ x }};{% else %}none{% endfor %}",
    "{% for x in xs if x == 'q' %}{{ x }}{% else %}none passed{% endfor %}",
    "{% for r in rows %}{{ r.name }} is {{ r['age'] }}{% endfor %}",
    "{% for a, b in pairs %}{{ a }}={{ b }} {% endfor %}",
    "{% for x in xs %}{% for y in xs %}{{ loop.index }}{% endfor %}|{{ loop.index }}{% endfor %}",
    "{% for c in s %}{{ c | upper }}{% endfor %}",
    "{% for k in d %}{{ k }}{% endfor %}",
    "{% for i in range(n) %}{{ i }}{% endfor %}",
    "{% if n > 5 %}big{% elif n > 2 %}middle{% else %}small{% endif %}",
    "{% if flag and not none %}yes{% endif %}{% if zero or none %}no{% endif %}",
    "{{ 1 < n < 5 }}{{ 1 < n < 2 }}{{ 'a' in xs }}{{ 'q' not in xs }}{{ n == 3 }}{{ n != 3 }}{{ n >= 3 }}{{ n <= 2 }}",
    "{{ 'yes' if flag else 'no' }}{{ 'yes' if none }}|",
    "{% for c in colours %}{{ word[loop.index0] }}<{{ c }}>{{ ' ' if not loop.last }}{% endfor %}",
    "{{ xs[0] }}{{ xs[-1] }}{{ xs[1:] }}{{ s[::2] }}{{ xs[5:9] }}{{ t[1] }}{{ nested.inner.deep[2] }}",
    "{{ d.k }}{{ d['k'] }}{{ d.items }}{{ d['items'] }}",
    "{{ xs | length }}{{ xs | join(', ') }}{{ s | upper }}{{ 'ABC' | lower }}{{ xs | tojson }}{{ s | capitalize }}",
    "{% for x in xs %}{{ x }}{% endfor %}{{ [[1], [2]] | sum(start=[]) }}{{ t | sum }}",
    "{% set m = n * 2 %}{% set label = 'n=' ~ n ~ '!' %}{{ m }} {{ label }}",
    "{% if flag %}{% set z = 1 %}{% else %}{% set z = 2 %}{% endif %}{{ z }}",
    "{{ n + 1 }}{{ n - 1 }}{{ n * 2 }}{{ n / 2 }}{{ n // 2 }}{{ n % 2 }}{{ n ** 2 }}{{ -n }}{{ s + '!' }}{{ f }}",
    "{{ [1, 2] }}{{ (1, 'a') }}{{ {'a': 1} }}{{ none }}{{ flag }}{{ t }}",
    "{{ d.get('k') }}{{ s.upper() }}{{ s.replace('l', 'L') }}{{ ' a '.strip() }}{{ 'a,b'.split(',') }}{{ len(xs) }}",
    "{{ '{} {}'.format(s, n) }}{{ '%s-%d' % (s, n) }}",
    "  {%- for x in xs -%}\n  {{ x }}\n  {%- endfor %}\n",
    "{% for x in xs %}\n- {{ x }}\n{% endfor %}\nend",
]

#: Templates the closures cannot render: Jinja renders them.
NOT_COMPILED = [
    "{{ xs | reject('in', ['a']) | list }}", "{{ rows | map(attribute='name') | join }}", "{% for x in xs %}{% set y = x %}{{ y }}{% endfor %}",
    "{% set a, b = pairs[0] %}{{ a }}", "{% set v %}x{% endset %}{{ v }}", "{{ n is odd }}",
    "{% for x in xs %}{{ loop.cycle('a', 'b') }}{% endfor %}", "{% for x in xs %}{{ loop }}{% endfor %}",
    "{% for x in xs %}{{ x }}{% else %}{{ x }}{% endfor %}", "{{ f(*xs) }}", "{% filter upper %}x{% endfilter %}",
]

#: Templates the closures compile but must give up on for CONTEXT (an undefined value, a failure,
#: a budget): Jinja then gives the text or the error.
GIVE_UP = [
    "{{ missing ~ 1 }}", "{{ d.missing ~ 1 }}", "{{ d['missing'] }}", "{{ xs[10] }}", "{{ rows[0].nope }}",
    "{{ s.__class__ ~ 1 }}", "{{ n + s }}", "{{ n / zero }}", "{{ big }}{{ big | upper }}", "{{ xs.__len__() }}",
    "{% for x in n %}{{ x }}{% endfor %}", "{% for a, b in xs %}{{ a }}{% endfor %}", "{{ y }}{% set y = 1 %}",
    "{% if missing %}x{% endif %}", "{% for x in xs %}{{ x }}{% endfor %}{{ x }}",
]


def _compare(source: str, context: dict) -> CompiledTemplate:
    fast = compile_template(source)
    assert _result(fast, context) == _result(_jinja(fast), context), source
    return fast


@pytest.mark.parametrize("source", CONSTRUCTS)
def test_each_construct_renders_as_jinja_does(source):
    tmpl = _compare(source, CONTEXT)
    assert tmpl.fast, "templatefast should render this template"
    assert _fast(tmpl, CONTEXT) == _jinja(tmpl).render(CONTEXT)


@pytest.mark.parametrize("source", NOT_COMPILED)
def test_templates_the_closures_do_not_cover_are_left_to_jinja(source):
    tmpl = _compare(source, CONTEXT)
    assert tmpl.fast is False


@pytest.mark.parametrize("source", GIVE_UP)
def test_the_closures_give_up_where_jinja_must_decide(source):
    tmpl = _compare(source, CONTEXT)
    assert tmpl.fast and tmpl.fast(CONTEXT) is None


def test_a_dict_key_named_like_a_dict_method_is_the_method_in_both_paths():
    tmpl = _compare("{{ d.items }}{{ d.keys }}|{{ n }}", CONTEXT)
    assert "built-in method items" in tmpl.render(CONTEXT)
    plain = _compare("{{ d.items }}", CONTEXT)  # the plain path (text, names, name.field)
    assert plain.plain is not None and "built-in method" in plain.render(CONTEXT)
    assert _compare("{{ d.k }}", CONTEXT).render(CONTEXT) == "v"


def test_budgets_are_those_of_jinja():
    nested = "{% for i in range(n) %}{% for j in range(m) %}{% endfor %}{% endfor %}"
    assert 316 * 315 + 316 <= MAX_LOOP_ITERATIONS < 317 * 316 + 317  # inner items and outer ones
    assert _result(_compare(nested, {"n": 317, "m": 316}), {"n": 317, "m": 316})[0] == "error"
    assert _result(_compare(nested, {"n": 316, "m": 315}), {"n": 316, "m": 315}) == ("ok", "")
    # `sum` draws on the same budget as the loops
    summed = {"n": 316, "m": 315, "many": list(range(200))}
    assert _result(_compare(nested + "{{ many | sum }}", summed), summed)[0] == "error"
    assert _result(_compare(nested + "{{ many[:100] | sum }}", summed), summed) == ("ok", "4950")
    writes = "{% for x in xs %}{{ half }}{% endfor %}"
    half = "y" * (MAX_OUTPUT // 2 + 1)
    assert _result(_compare(writes, {"xs": [1, 2], "half": half}), {"xs": [1, 2], "half": half})[0] == "error"
    assert _compare(writes, {"xs": [1], "half": half}).render({"xs": [1], "half": half}) == half


def test_a_game_name_hiding_a_helper_of_the_sandbox_is_left_to_jinja():
    tmpl = compile_template("{% for x in xs %}{{ x ~ '!' }}{% endfor %}")
    context = {"xs": ["a"], "_gl_concat": "not a function", "_gl_loop": 1}
    _compare(tmpl.source, context)
    assert tmpl.fast and tmpl.fast(context) is None


def test_a_game_name_hiding_a_function_is_what_both_paths_call():
    for source in ("{{ len(xs) }}", "{% for x in xs %}{{ upper(x) }}{% endfor %}"):
        for hiding in ("not a function", None):
            context = {**CONTEXT, "len": hiding, "upper": hiding}
            assert _compare(source, context).render(CONTEXT) == _jinja(compile_template(source)).render(CONTEXT)
            assert _result(compile_template(source), context)[0] == "error"


@pytest.mark.parametrize("source", HUGE + TEMPLATE_BOMBS)
def test_hostile_templates_fail_or_render_the_same(source):
    try:
        compile_template(source)
    except TemplateProblem:
        return
    _compare(source, HUGE_CONTEXT)


def _rendered_by_the_games() -> list[tuple[CompiledTemplate, dict]]:
    """(template, bindings) at every rendering of a scripted run of each game: shipped games and examples."""
    from gamelang.compiler import compile_file
    from gamelang.instances import load_instances
    from gamelang.registry import list_games, resolve_game
    from gamelang.runtime.scheduler import Assignment, EpisodeJob, run_jobs

    seen: list[tuple[CompiledTemplate, dict]] = []
    render = CompiledTemplate.render

    def recording(self: CompiledTemplate, context: dict) -> str:
        seen.append((self, copy.deepcopy(context)))
        return render(self, context)

    paths = [resolve_game(g) for g in list_games()] + sorted((ROOT / "examples").glob("*/*.game"))
    CompiledTemplate.render = recording  # type: ignore[method-assign]
    try:
        for path in paths:
            result = compile_file(path)
            if not result.ok:
                continue
            by_experiment: dict[str, list] = {}
            for inst in load_instances(result.machine):
                by_experiment.setdefault(inst.experiment, []).append(inst)
            chosen = [inst for group in by_experiment.values() for inst in group[:3]]
            run_jobs([EpisodeJob(result.machine, inst, 0, 0) for inst in chosen], Assignment(), 1, lambda r: None)
    finally:
        CompiledTemplate.render = render  # type: ignore[method-assign]
    return seen


def test_every_shipped_template_renders_as_jinja_does_with_the_games_bindings():
    seen = _rendered_by_the_games()
    by_closures = 0
    for tmpl, context in seen:
        assert _result(tmpl, context) == _result(_jinja(tmpl), context), tmpl.source
        if tmpl.plain is None and tmpl.fast and tmpl.fast(context) is not None:
            by_closures += 1
    assert by_closures > 50  # the closures really render the games' loops and conditions
    # the hot templates of the interpreter benchmark never fall back to Jinja
    hot = [(t, c) for t, c in seen if "letter_feedback(current" in t.source or "related_word %}" in t.source]
    assert hot
    for tmpl, context in hot:
        assert tmpl.fast and tmpl.fast(context) == _jinja(tmpl).render(context)
