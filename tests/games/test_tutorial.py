"""docs/tutorial.md: its game is examples/cake_shop, block by block; the game validates, its
reference players win, and a person can play the assistant at the terminal."""

import re
import subprocess
import sys
from pathlib import Path

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from gamelang.runtime.episode import GameEnv

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "tutorial.md"
GAME = ROOT / "examples" / "cake_shop" / "cake_shop.game"


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", TUTORIAL.read_text(), re.S)


def test_the_tutorial_blocks_are_the_example_game_in_order():
    lines = [l for l in GAME.read_text().splitlines() if l.strip() and not l.startswith("#")]
    shown = [l for block in blocks("game") for l in block.splitlines() if l.strip()]
    assert shown == lines
    assert blocks("json")[0].strip() == (GAME.parent / "customers.jsonl").read_text().splitlines()[0]


def test_the_example_game_validates_and_its_reference_players_win():
    result = compile_file(GAME)
    assert result.ok and result.diagnostics == [], result.render()
    machine = result.machine
    assert machine.roles["customer"].persona == "customer"
    for inst in load_instances(machine):
        env = GameEnv(machine)
        turn = env.reset(inst, 0)
        while not turn.done:
            turn = env.step(machine.reference_player(env.waiting_for).reply.render(env.player_context(env.waiting_for)))
        assert env.outcome == "win" and env.state.paid == ["order"]


def test_a_person_plays_the_assistant_with_the_tools_listed_and_their_results_shown():
    replies = ["Hello! Which cake would you like?",
               '{"name": "check_stock", "arguments": {"flavour": "chocolate"}}',
               '{"name": "order_cake", "arguments": {"flavour": "chocolate", "people": 8}}',
               "Your cake is ordered."]
    proc = subprocess.run([sys.executable, "-m", "gamelang", "play", str(GAME), "--human", "assistant"],
                          input="\n".join(replies) + "\n", capture_output=True, text=True, cwd=ROOT,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "- check_stock: The sizes" in out and "- order_cake: Order a cake" in out
    assert "result of check_stock" in out and "[8, 12]" in out
    assert "outcome: win" in out
