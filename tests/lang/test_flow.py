"""One flow analysis (gamelang/lang/flow.py) for the checker's state graph and `gamelang graph`."""

from __future__ import annotations

from gamelang.compiler import compile_loaded
from gamelang.lang.flow import edges, leaves, state_edges
from gamelang.lang.loader import load_spec_text

GAME = """
game g { version 1 }
role r { intro "hi" }
move m by r = regex /(?P<x>\\d+)/
state a {
  ask r
  parse m else reprompt 2 "A number."
  if m.x == "1" goto b
  check m.x != "2" else goto c
  end lose
}
state b { ask r  goto a }
state c { ask r  end win }
limits { requests 9 }
"""


def test_the_checker_graph_is_the_goto_edges_of_the_flow():
    loaded = load_spec_text(GAME)
    result = compile_loaded(loaded)
    assert result.ok, result.render()
    spec = loaded.spec
    assert [(e.source, e.target) for e in edges(spec) if not e.to_outcome and not e.reprompt] == [
        ("a", "b"), ("a", "c"), ("b", "a")]
    reprompt = [e for e in state_edges("a", spec.states["a"]) if e.reprompt]
    assert [(e.source, e.target) for e in reprompt] == [("a", "a")]  # drawn, but bounded: not a cycle


def test_a_goto_after_a_goto_leads_nowhere():
    loaded = load_spec_text('game g { version 1 }\nrole r { intro "hi" }\n'
                            'state a { ask r goto b goto c }\nstate b { ask r end win }\nstate c { ask r end win }\n')
    result = compile_loaded(loaded)
    assert [(d.code, d.pos.line) for d in result.diagnostics] == [("GL0028", 3), ("GL0025", 5)]
    assert leaves(loaded.spec.states["a"]) and not leaves([])
