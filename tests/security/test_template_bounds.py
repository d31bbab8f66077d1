"""Defect 3 of issue 15: templates are bounded in every intermediate value, not only the output.

Each case used to build gigabytes (or run for minutes) before the output cap applied; each must
now fail with a clear RenderError, and compiling (what `validate` does) must not build it either.
"""

from __future__ import annotations

import tracemalloc

import pytest

from gamelang.lang.templates import MAX_VALUE, RenderError, compile_template

# values a game's instance data or constants may hold: cheap in memory, huge once written out
CONTEXT = {"big": ["y" * 150_000] * 1000, "s": "y" * 150_000, "lists": [list(range(20_000))] * 100,
           "fmt": "%(a)s" * 30_000}

HUGE = [
    "{{ ((((10**64)**64)**64)**64)**64 }}",
    "{{ 10**64 }}",
    "{{ 2**63 }}",
    "{% set n = 9**20 %}{{ n * n * n }}",
    "{{ '%1000000000s'|format('x') }}",
    "{{ '%1000000000s' % 'x' }}",
    "{{ '%.1000000000f' % 1.5 }}",
    "{{ '%*s' % (1000000000, 'x') }}",
    "{{ fmt % {'a': 'y' * 100} }}",
    "{{ ['a', 'b']|join('x' * 199999) }}",
    "{{ (range(20000)|map('string')|list)|join('x' * 100) }}",
    "{{ ['y' * 150000] * 1000 }}",
    "{{ big }}",
    "{{ big|join }}",
    "{{ big|string }}",
    "{{ big|tojson }}",
    "{{ big|pprint }}",
    "{{ big|sum(start='') }}",
    "{{ str(big) }}",
    "{{ join(big, '') }}",
    "{{ '%s' % [big] }}",
    "{{ 'x'.join(big) }}",
    "{{ 'x'.center(10**9) }}",
    "{{ 'x'|center(10**9) }}",
    "{{ 'x'.ljust(10**9) }}",
    "{{ 'x'.zfill(10**9) }}",
    "{{ '\t'.expandtabs(10**6) }}",
    "{{ '{:>1000000000}'.format('x') }}",
    "{{ '{:>{w}}'.format('x', w=1000000000) }}",
    "{{ '{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}'.format('y' * 100000) }}",
    "{{ '{0!r}'.format(big) }}",
    "{{ '{0}'.format(big) }}",
    "{{ '{x}{x}{x}'.format_map({'x': s}) }}",
    "{{ 'x' * 10**9 }}",
    "{{ 10**9 * 'x' }}",
    "{{ ('y' * 150000)|replace('', 'zz') }}",
    "{{ ('y' * 150000).replace('y', 'zz') }}",
    "{{ ('a' * 1000)|indent(10**6) }}",
    "{{ ('a ' * 1000)|wordwrap(1, wrapstring='x' * 10000) }}",
    "{{ [1]|batch(10**9, 0)|list }}",
    "{{ [1]|slice(10**9)|list }}",
    "{{ lists|sum(start=[]) }}",
    "{{ ('a' * 2).translate({97: s}) }}",
    "{{ ('a' * 1000).translate({97: 'b' * 1000}) }}",
    "{{ (1).to_bytes(10**9, 'big') }}",
    "{% set s = 'y' * 150000 %}{{ s ~ s ~ s }}",
    "{% set s = 'y' * 100000 %}{% for i in range(1000) %}{% set s = s ~ s %}{% endfor %}",
    "{% set s %}{% for i in range(20000) %}{{ 'y' * 1000 }}{% endfor %}{% endset %}{{ s|length }}",
    "{% filter length %}{% for i in range(20000) %}" + "y" * 1000 + "{% endfor %}{% endfilter %}",
    "{% for i in range(20000) %}" + "y" * 100 + "{% endfor %}",
]


@pytest.mark.parametrize("source", HUGE, ids=range(len(HUGE)))
def test_huge_intermediates_fail_fast_with_a_render_error(source):
    tracemalloc.start()
    try:
        template = compile_template(source)  # compiling folds constants: it must not build them
        with pytest.raises(RenderError):
            template.render(CONTEXT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100_000_000, f"{peak:,} bytes"


@pytest.mark.parametrize("source, expected", [
    ("{{ 2**10 }} {{ 10**18 }} {{ 2.5**3 }}", "1024 1000000000000000000 15.625"),
    ("{{ '%5s|%-3d|%.2f' % ('ab', 7, 1.5) }}", "   ab|7  |1.50"),
    ("{{ '%s and %s'|format('a', 'b') }}", "a and b"),
    ("{{ '{:>6}|{:.3f}|{x}'.format('ab', 2, x='y') }}", "    ab|2.000|y"),
    ("{{ ['a', 'b']|join(', ') }} {{ 'ab'|center(6) }}|", "a, b   ab  |"),
    ("{{ 'a-b'|replace('-', '+') }} {{ 'x' * 3 }} {{ [1, 2]|sum }}", "a+b xxx 3"),
    ("{{ 'a' ~ 1 ~ 'b' }} {{ 'ab'.upper().center(4, '*') }}", "a1b *AB*"),
    ("{% for w in words %}{% if w == 'c' %}found {{ w }}{% endif %}{% endfor %}", "found c"),
    ("{% set s %}x{{ 1 }}{% endset %}{{ s }}{% filter upper %}y{% endfilter %}", "x1Y"),
])
def test_ordinary_templates_still_render(source, expected):
    assert compile_template(source).render({"words": ["a", "b"] * 5000 + ["c"]}) == expected


def test_blocks_are_refused_at_compile_time():
    from gamelang.lang.templates import TemplateProblem

    with pytest.raises(TemplateProblem, match="blocks"):
        compile_template("{% block b %}x{% endblock %}{% for i in range(9) %}{{ self.b() }}{% endfor %}")


def test_a_value_just_under_the_limit_is_fine():
    assert len(compile_template("{{ 'x' * n }}").render({"n": MAX_VALUE})) == MAX_VALUE
