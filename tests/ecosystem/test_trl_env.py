"""A game as an environment for TRL's GRPOTrainer(environment_factory=...)."""

from __future__ import annotations

import inspect

from transformers.utils import get_json_schema

from gamelang.envs.trl import GameToolEnvironment, dataset_rows, environment_factory


def tools_as_trl_sees_them(env) -> list:
    """The methods GRPOTrainer exposes as tools: public functions of the class but reset and get_reward."""
    return [getattr(env, name) for name, _ in inspect.getmembers(type(env), predicate=inspect.isfunction)
            if name not in ("reset", "get_reward") and not name.startswith("_")]


def test_the_interface_trl_expects():
    env = environment_factory("taboo", role="guesser")()
    assert isinstance(env, GameToolEnvironment)
    (reply,) = tools_as_trl_sees_them(env)
    schema = get_json_schema(reply)  # what TRL renders into the chat template's tools
    assert schema["function"]["name"] == "reply"
    assert schema["function"]["parameters"]["required"] == ["message"]


def test_a_scripted_rollout_through_the_tool():
    rows = dataset_rows("taboo")
    assert rows and rows[0]["prompt"][0]["role"] == "user" and {"instance", "experiment", "seed"} <= set(rows[0])
    make = environment_factory("taboo", role="guesser")
    env = make()
    row = next(r for r in rows if r["instance"] == "0")
    told = env.reset(**row)  # TRL passes the whole row
    assert told.rstrip().endswith('begins with "w".')
    target = env._driver.env.instance.data["target_word"]
    assert env.get_reward() == 0.0
    assert env.reply("GUESS: summer").startswith("CLUE:")  # a wrong guess: the next clue
    answer = env.reply(f"GUESS: {target}")
    assert answer.endswith("The game is over: win.")
    assert env.get_reward() == env._record["scores"]["reward"] > 0
    assert env.reply("GUESS: again").startswith("The game is over")
    other = make()  # one instance per rollout: independent episodes
    other.reset(instance="0", experiment=row["experiment"], seed=1)
    assert other.get_reward() == 0.0
