"""The hf player offers a role's tools to its chat template; logged tool conversations render in one."""

from __future__ import annotations

import json
from pathlib import Path

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from gamelang.players import make_player, parse_spec
from gamelang.runtime.episode import GameEnv
from gamelang.turns import Completion

BOOKING = Path(__file__).resolve().parents[2] / "examples" / "booking" / "booking.game"

#: A chat template in the common shape of tool-calling templates: tools described in a system
#: block, assistant tool calls as <tool_call> JSON, tool results as a role of their own.
TOOL_TEMPLATE = (
    "{% if tools %}<|system|>\nTools: {% for t in tools %}{{ t['function']['name'] }} "
    "{{ t['function']['parameters'] | tojson }}; {% endfor %}</s>\n{% endif %}"
    "{% for message in messages %}{{ '<|' + message['role'] + '|>\n' }}"
    "{% if message.get('tool_calls') %}{% for c in message['tool_calls'] %}"
    "<tool_call>{{ c['function'] | tojson }}</tool_call>{% endfor %}{% else %}{{ message['content'] }}{% endif %}</s>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def test_a_model_is_offered_the_tools_and_the_record_renders_with_them(tiny_model, tmp_path):
    from transformers import AutoTokenizer

    machine = compile_file(BOOKING).machine
    template = tmp_path / "tools.jinja"
    template.write_text(TOOL_TEMPLATE)
    player = make_player(parse_spec(f"hf:{tiny_model}?max_new_tokens=8&chat_template={template}"))
    env = GameEnv(machine)
    turn = env.reset(load_instances(machine)[0])
    from gamelang.players.base import Request

    reply = player.respond([Request(env.key, turn.role, turn.messages, 8, view=env.view(turn.role))])[0]
    assert isinstance(reply, Completion)
    assert "Tools: search_hotels" in reply.prompt_text and '"required": ["area"]' in reply.prompt_text

    # a whole reference episode: its logged messages render through the tool template
    done = GameEnv(machine)
    done.reset(load_instances(machine)[0])
    while not done.done:
        role = done.waiting_for
        done.step(machine.reference_player(role).reply.render(done.player_context(role)))
    record = json.loads(json.dumps(done.record()))  # as read back from episodes.jsonl
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    text = tokenizer.apply_chat_template(record["messages"]["agent"], tools=[{"type": "function", "function": t}
                                                                             for t in machine.tools_for("agent")],
                                         chat_template=TOOL_TEMPLATE, tokenize=False)
    assert '<tool_call>{"name": "search_hotels"' in text
    assert '<|tool|>\n["Cedar", "Alder"]</s>' in text
    # what the template wrote for the call parses back as the same call (the OpenAI function shape)
    written = text.split("<tool_call>")[1].split("</tool_call>")[0]
    assert machine.moves["call"].parse(written).value["search_hotels"] == {"area": "north", "max_price": 0}
