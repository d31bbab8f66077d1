"""Where a GRPO step's time goes: the game layer, generation, and the optimiser step.

Runs a few real GRPO steps (``trainers.grpo.train``) and splits their wall time into:

- policy generation: the rollout's generate calls with the trainer's model;
- partner: the partners' replies (scripted: nearly nothing; ``hf:``: their generate calls);
- game layer: the rest of the rollout: the interpreter, chat templates and tokenisation (the
  prompt extension), token streams and records;
- trainer: everything outside the rollout: TRL's log-probability passes (policy and reference),
  the loss, backward, the optimiser step, logging and checkpoints.

With no ``--model``, a tiny random model is built (its replies are noise, so episodes are short
and the game layer's share is an upper bound); give a real model on a GPU for real shares.

    python bench/grpo.py [--model M] [--game taboo] [--learner guesser] [--partner describer=scripted]
                         [--group 4] [--batch-size 8] [--steps 3] [--max-new-tokens 16]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="model folder or hub id (default: a tiny random model)")
    ap.add_argument("--game", default="taboo")
    ap.add_argument("--learner", default="guesser")
    ap.add_argument("--partner", action="append", default=None, help="ROLE=SPEC (default describer=scripted)")
    ap.add_argument("--group", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--max-new-tokens", type=int, default=16)
    args = ap.parse_args()

    from trainers.config import load_config
    from trainers.grpo import train

    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if model is None:
            from gamelang.testing import build_tiny_model

            model = str(build_tiny_model(Path(tmp) / "tiny"))
        config = load_config("grpo", None, dict(
            model=model, games=[args.game], learner=args.learner, group=args.group, batch_size=args.batch_size,
            partners=args.partner or ["describer=scripted"], max_steps=args.steps, max_new_tokens=args.max_new_tokens,
            out=str(Path(tmp) / "out"), save_steps=10**6, lr=1e-6))
        result = train(config)
    times = result.times
    total = result.seconds
    parts = [("policy generation", times.generate), ("partner", times.partner), ("game layer", times.game_layer()),
             ("trainer (logprobs, loss, backward, optimiser)", max(0.0, total - times.rollout))]
    print(f"\n{result.steps} steps, {result.episodes} episodes of {args.game} in {total:.1f}s "
          f"({times.episodes / max(1, result.steps):.0f} episodes a step, {result.hardware})")
    print(f"{'part':<48} {'seconds':>8} {'share':>7} {'ms/episode':>11}")
    for name, seconds in parts:
        print(f"{name:<48} {seconds:8.2f} {seconds / total:7.1%} {1000 * seconds / max(1, times.episodes):11.1f}")


if __name__ == "__main__":
    main()
