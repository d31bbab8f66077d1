"""DPO rows: preference pairs of two episodes of the same instance, seen by the same role.

Episodes are ranked by their main score (aborted ones below all; equal scores make no pair).

- ``turn`` level: the prompt is the longest shared beginning of the two conversations; chosen and
  rejected are the first assistant turns where they part, the better-scored episode's chosen.
  Only a pair whose conversations part at a reply (not at something the game or a partner said)
  is kept: otherwise the two replies answer different prompts.
- ``episode`` level: the prompt is the longest shared beginning that ends before a reply; chosen
  and rejected are the rest of each conversation (game turns in between included).

Rows use TRL's conversational preference form: ``{"prompt": [...], "chosen": [...],
"rejected": [...]}``. The unprefixed metadata columns describe the chosen episode, the
``rejected_*`` columns the rejected one.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .conversation import is_assistant, replies_before, shared_prefix_length, up_to_last_reply
from .rows import Built, content_key
from .select import RoleView

LEVELS = ("turn", "episode")
DEFAULT_MAX_PAIRS = 16

Pair = tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]  # prompt, chosen, rejected


def turn_pair(better: list[dict[str, Any]], worse: list[dict[str, Any]]) -> Pair | str:
    """(prompt, [chosen], [rejected]) at the first turn where two conversations part, or why there is none."""
    p = shared_prefix_length(better, worse)
    if p == len(better) or p == len(worse):
        return "one conversation is the start of the other"
    if not (is_assistant(better[p]) and is_assistant(worse[p])):
        return "they part at a game message, not a reply"
    if p == 0 or is_assistant(better[p - 1]):
        return "no prompt before the replies"
    return better[:p], [better[p]], [worse[p]]


def episode_pair(better: list[dict[str, Any]], worse: list[dict[str, Any]]) -> Pair | str:
    """(prompt, chosen rest, rejected rest) of two whole conversations, or why there is none."""
    better, worse = up_to_last_reply(better), up_to_last_reply(worse)
    if better == worse:
        return "identical conversations"
    q = shared_prefix_length(better, worse)
    # Step back to the last point before both conversations continue with a reply to the same prompt.
    while q > 0 and not (q < len(better) and q < len(worse) and is_assistant(better[q])
                         and is_assistant(worse[q]) and not is_assistant(better[q - 1])):
        q -= 1
    if q == 0:
        return "no shared prompt"
    return better[:q], better[q:], worse[q:]


def _row(prompt, chosen, rejected, better: RoleView, worse: RoleView, level: str) -> dict[str, Any]:
    rejected_meta = worse.metadata()
    return {
        "prompt": prompt, "chosen": chosen, "rejected": rejected,
        **better.metadata(),
        "level": level,
        "turn": replies_before(prompt, len(prompt)),
        **{f"rejected_{k}": rejected_meta[k] for k in ("run", "episode", "branch", "model", "outcome", "main",
                                                       "reward")},
    }


def dpo_rows(views: list[RoleView], level: str = "turn", max_pairs: int = DEFAULT_MAX_PAIRS,
             min_chosen_score: float | None = None) -> Built:
    """Pairs within each (game, experiment, instance, role), at most ``max_pairs`` each, deterministically.

    Candidate pairs are ordered by score gap (widest first), then by the episodes' order; pairs
    with the same prompt, chosen and rejected are kept once.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown DPO level {level!r}")
    make = turn_pair if level == "turn" else episode_pair
    groups: dict[tuple, list[RoleView]] = defaultdict(list)
    for view in views:
        e = view.episode
        groups[(e.game, e.experiment, e.instance, view.role)].append(view)
    built = Built()
    for key in sorted(groups):
        ranked = sorted(groups[key], key=lambda v: (-v.episode.score, v.episode.sort_key))
        candidates = []
        for i, better in enumerate(ranked):
            if min_chosen_score is not None and (better.episode.main is None
                                                 or better.episode.main < min_chosen_score):
                continue
            for j in range(i + 1, len(ranked)):
                worse = ranked[j]
                if better.episode.score <= worse.episode.score:
                    built.counts["no pair: equal scores"] += 1
                    continue
                made = make(better.messages, worse.messages)
                if isinstance(made, str):
                    built.counts[f"no pair: {made}"] += 1
                    continue
                gap = better.episode.score - worse.episode.score
                candidates.append((-gap, i, j, _row(*made, better, worse, level)))
        candidates.sort(key=lambda c: c[:3])
        seen: set[str] = set()
        kept = 0
        for *_, row in candidates:
            k = content_key(row, ("prompt", "chosen", "rejected"))
            if k in seen:
                built.counts["duplicate pairs dropped"] += 1
                continue
            seen.add(k)
            if kept >= max_pairs:
                built.counts["pairs over --max-pairs-per-instance"] += 1
                continue
            built.rows.append(row)
            kept += 1
    built.counts["pairs"] = len(built.rows)
    return built
