"""Games as Gymnasium and PettingZoo environments, checked with the libraries' own checkers."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

from gamelang.envs import GameAECEnv, GameGymEnv
from gamelang.envs.driver import EnvError


def test_import_gamelang_stays_light():
    code = ("import sys, gamelang, gamelang.cli, gamelang.envs; "
            "print(sorted(m for m in ('gymnasium', 'pettingzoo', 'pygls', 'lsprotocol') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_gymnasium_env_checker_passes_on_taboo():
    from gymnasium.utils.env_checker import check_env

    env = GameGymEnv("taboo", role="guesser")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(env, skip_render_check=True)
    env.close()


def test_gymnasium_learner_wins_with_the_right_guess():
    env = GameGymEnv("taboo", role="guesser")  # the describer: the game's reference player
    obs, info = env.reset(seed=0, options={"instance": "0"})
    assert "You are the guesser" in obs and "CLUE:" in obs
    assert info["role"] == "guesser" and info["messages"][-1]["content"].endswith(obs.split("\n\n")[-1])
    target = env.unwrapped.driver.env.instance.data["target_word"]
    obs, reward, terminated, truncated, info = env.step(f"GUESS: {target}")
    assert terminated and not truncated
    assert info["outcome"] == "win" and reward == info["scores"]["reward"] > 0
    assert env.record()["players"] == {"describer": "scripted", "guesser": "gymnasium"}
    # the same seed draws the same instance and episode
    a, _ = env.reset(seed=7)
    b, _ = env.reset(seed=7)
    assert a == b


def test_gymnasium_single_role_game_and_bad_roles():
    env = GameGymEnv("wordle")
    obs, info = env.reset(seed=1)
    assert env.role == "guesser" and obs
    steps = 0
    terminated = False
    while not terminated:
        obs, reward, terminated, truncated, info = env.step("guess: crane\nexplanation: a start")
        steps += 1
        assert steps < 50
    assert info["outcome"] in ("win", "lose", "abort")
    with pytest.raises(EnvError):
        GameGymEnv("taboo", role="guesser", partners={"nobody": "scripted"})


def test_pettingzoo_api_test_passes_on_taboo():
    from pettingzoo.test import api_test

    env = GameAECEnv("taboo")
    assert env.possible_agents == ["describer", "guesser"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # text spaces: api_test recommends Box or Discrete
        api_test(env, num_cycles=40)


def test_pettingzoo_random_agents_and_a_scripted_pair():
    env = GameAECEnv("taboo")
    for seed in range(3):  # random agents: the episode ends (rules abort or re-prompt them)
        env.reset(seed=seed)
        for agent in env.agent_iter(max_iter=200):
            obs, reward, term, trunc, info = env.last()
            env.step(None if term or trunc else env.action_space(agent).sample())
        assert env.record()["outcome"] in ("win", "lose", "abort")
    env.reset(seed=0, options={"instance": "0"})
    target = env.driver.env.instance.data["target_word"]
    seen = []
    for agent in env.agent_iter(max_iter=50):
        obs, reward, term, trunc, info = env.last()
        seen.append(agent)
        if term or trunc:
            env.step(None)
        elif agent == "describer":
            env.step("CLUE: the months after autumn")
        else:
            env.step(f"GUESS: {target}")
    assert seen[:2] == ["describer", "guesser"]
    assert env.record()["outcome"] == "win"
    assert env.record()["players"] == {"describer": "pettingzoo", "guesser": "pettingzoo"}


def test_pettingzoo_with_a_partner_role():
    env = GameAECEnv("taboo", partners={"describer": "scripted"})
    assert env.possible_agents == ["guesser"]
    env.reset(seed=0)
    assert env.agent_selection == "guesser" and "CLUE:" in env.observe("guesser")


def test_games_are_registered_with_gymnasium():
    import gymnasium

    env = gymnasium.make("gamelang.envs.gym:gamelang/taboo-v0", role="guesser")
    obs, info = env.reset(seed=0, options={"instance": "0"})
    assert "CLUE:" in obs and info["game"] == "taboo"
    assert "gamelang/wordle-v0" in gymnasium.registry
    env.close()
