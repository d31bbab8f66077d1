"""Games as environments for other RL stacks: Gymnasium, PettingZoo, TRL, verifiers, and a reset/step HTTP server.

Thin adapters over the rollout engine (docs/integrations.md). Nothing here is imported by
``import gamelang``, and each adapter imports its library only when it is used::

    from gamelang.envs import GameGymEnv, GameAECEnv   # needs the `gym` / `pettingzoo` extras
    from gamelang.envs.trl import environment_factory   # GRPOTrainer(environment_factory=...)
    from gamelang.envs.verifiers_env import load_environment  # needs the `verifiers` extra
"""

from __future__ import annotations

from typing import Any

__all__ = ["GameDriver", "GameGymEnv", "GameAECEnv"]


def __getattr__(name: str) -> Any:
    if name == "GameGymEnv":
        from .gym import GameGymEnv

        return GameGymEnv
    if name == "GameAECEnv":
        from .pettingzoo import GameAECEnv

        return GameAECEnv
    if name == "GameDriver":
        from .driver import GameDriver

        return GameDriver
    raise AttributeError(f"module 'gamelang.envs' has no attribute {name!r}")
