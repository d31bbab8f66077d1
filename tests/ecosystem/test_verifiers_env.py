"""A game as a verifiers multi-turn environment, evaluated with a scripted model over real HTTP.

The model is an OpenAI-compatible server on loopback (tests/helpers/chat_server.py) that answers
as the game's reference player for the learner's role would: it finds the episode from the
conversation's opening, replays the model's earlier replies in a game of its own, and renders the
reference player's reply there. verifiers' own evaluate() drives the rollouts.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys

import pytest

from gamelang.envs.driver import GameDriver, load_game
from tests.helpers.chat_server import ChatServer

vf = pytest.importorskip("verifiers", reason="the `verifiers` extra is not installed")
if not hasattr(vf, "MultiTurnEnv"):
    pytest.skip(f"verifiers {vf.__version__} has no MultiTurnEnv (removed in 0.4)", allow_module_level=True)

from gamelang.envs.verifiers_env import GameMultiTurnEnv, game_dataset, load_environment

GAME = "taboo"
ROLE = "describer"  # the describer is told the target word: each episode's opening is its own


class ReferenceModel:
    """Answers a learner's conversation with the game's reference player's reply."""

    def __init__(self, game: str, role: str, rows: list[dict]) -> None:
        self.machine = load_game(game)
        self.role = role
        self.openings: dict[str, dict] = {}
        for info in rows:
            driver = self._start(info)
            opening = driver.observe(role).text
            assert opening not in self.openings, "two episodes open alike: the model could not tell them apart"
            self.openings[opening] = info

    def _start(self, info: dict) -> GameDriver:
        # the same draws as GameMultiTurnEnv.setup_state: the episode's seed from the row's seed
        driver = GameDriver(self.machine, external=[self.role])
        rng = random.Random(info["seed"])
        inst = driver.instance(info["instance"], rng, experiment=info["experiment"])
        driver.reset(inst, rng.randrange(2**31))
        return driver

    def __call__(self, messages: list[dict]) -> str:
        opening = next(m["content"] for m in messages if m["role"] == "user")
        driver = self._start(self.openings[opening])
        for message in messages:
            if message["role"] == "assistant":
                driver.act(message["content"])
        env = driver.env
        view = env.view(self.role)
        return view.reference_player(None).reply.render(view.context()).strip()


def chat_server(reply) -> ChatServer:
    """The tests' chat server, its completions stamped with ``created`` (which the openai package checks)."""
    server = ChatServer(reply=reply)
    handler = server.httpd.RequestHandlerClass
    send = handler._send

    def stamped(self, status: int, payload: dict) -> None:
        send(self, status, {**payload, "created": 0} if "choices" in payload else payload)

    handler._send = stamped
    return server


def test_import_gamelang_does_not_import_verifiers():
    code = "import sys, gamelang, gamelang.envs; print('verifiers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_dataset_has_a_row_per_instance():
    dataset = game_dataset(GAME, ROLE)
    machine = load_game(GAME)
    assert len(dataset) == len(GameDriver(machine).instances)
    row = dataset[0]
    assert row["info"]["game"] == "taboo" and set(row["info"]) == {"game", "instance", "experiment", "seed"}


def test_a_verifiers_environment_evaluates_with_a_scripted_model():
    env = load_environment(GAME, role=ROLE, max_turns=10)
    assert isinstance(env, vf.MultiTurnEnv) and isinstance(env, GameMultiTurnEnv)
    n = 3
    rows = [env.eval_dataset[i]["info"] for i in range(n)]
    from openai import AsyncOpenAI

    with chat_server(ReferenceModel(GAME, ROLE, rows)) as server:
        client = vf.OpenAIChatCompletionsClient(AsyncOpenAI(base_url=server.url, api_key="test"))
        results = env.evaluate_sync(client=client, model="reference", num_examples=n, rollouts_per_example=1,
                                    max_concurrent=2, state_columns=["game_outcome", "game_record"])
    outputs = results["outputs"]
    assert len(outputs) == n
    assert len(server.requests) >= n
    for out in outputs:
        assert out.get("error") in (None, {}, "") or not out.get("error")
        record = out["game_record"]
        assert out["info"]["game"] == GAME and out["info"]["instance"] == record["instance"]
        # the game's own outcome and reward are the rollout's
        assert out["game_outcome"] == record["outcome"] == "win"
        paid = sum(float(r["value"]) for r in record.get("rewards", []) if r.get("role") == ROLE)
        assert out["reward"] == pytest.approx(paid + float(record["scores"]["reward"]))
        assert out["reward"] > 0
        assert out["metrics"]["game_won"] == 1.0
        # the conversation: the game's opening as prompt, the clues and the game's answers as completion
        completion = out["completion"]
        first = completion[0]
        assert (first["role"] if isinstance(first, dict) else first.role) == "assistant"
        last = completion[-1]
        text = last["content"] if isinstance(last, dict) else last.content
        assert text.endswith("The game is over: win.")


def test_a_model_that_breaks_the_rules_loses_and_is_paid_nothing():
    env = load_environment(GAME, role=ROLE, max_turns=10)
    from openai import AsyncOpenAI

    # a describer that says the target word itself: taboo's rules end the episode
    def says_the_word(messages: list[dict]) -> str:
        target = re.search(r'target word is "([^"]+)"', messages[0]["content"]).group(1)
        return f"CLUE: it is {target}"

    with chat_server(says_the_word) as server:
        client = vf.OpenAIChatCompletionsClient(AsyncOpenAI(base_url=server.url, api_key="test"))
        results = env.evaluate_sync(client=client, model="bad", num_examples=1, rollouts_per_example=1,
                                    state_columns=["game_outcome"])
    (out,) = results["outputs"]
    assert out["game_outcome"] in ("lose", "abort")
    assert out["metrics"]["game_won"] == 0.0
    assert out["reward"] == 0.0


def test_a_bad_role_fails_when_the_environment_is_built():
    with pytest.raises(ValueError, match="no role"):
        GameMultiTurnEnv(GAME, role="referee")
