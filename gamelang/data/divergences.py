"""Sibling divergences of search trees (``gamelang search``): KTO rows and DPO pairs from ``trees.jsonl``.

A JOSH tree is re-rooted when a child earns a new reward: its open rivals are dropped, and their
episodes never end, so they have no record in ``episodes.jsonl``; ``trees.jsonl`` keeps their
replies. A *divergence* is a rewarded golden node of a fully successful tree (its golden leaf
won) with the sibling replies at the same point that earned nothing and say something else. Its
prompt is the learner's conversation before the golden reply, read from the won golden leaf's
record; the golden reply is the desirable (chosen) one, each sibling reply undesirable (rejected).

Rows made here carry ``"source": "divergence"``; the sibling's metadata columns describe the
sibling (its ``branch``; ``outcome``, ``main`` and ``reward`` are null when its episode never
ended).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .conversation import Message, is_assistant
from .rows import Built
from .select import RoleView

TREES_FILE = "trees.jsonl"
SOURCE = "divergence"

TreeKey = tuple[str, str, str, int]  # game, experiment, instance, episode


def read_trees(folder: Path) -> dict[TreeKey, dict[str, Any]]:
    """The finished trees of a search folder by (game, experiment, instance, episode); a torn last line is ignored."""
    path = Path(folder) / TREES_FILE
    trees: dict[TreeKey, dict[str, Any]] = {}
    if not path.is_file():
        return trees
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            tree = json.loads(line)
            trees[(tree["game"], tree["experiment"], str(tree["instance"]), int(tree["episode"]))] = tree
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            continue  # the write of the last tree was cut off: it is searched again
    return trees


def won_golden_leaf(tree: dict[str, Any]) -> str | None:
    """The branch id of a fully successful tree's won golden leaf (None for any other tree)."""
    if tree.get("status") != "success":
        return None
    for node in tree.get("nodes") or []:
        if node.get("golden") and node.get("status") == "ended" and node.get("outcome") == "win":
            return str(node["id"])
    return None


@dataclass(frozen=True)
class Sibling:
    """A sibling of a golden node: its branch, reply and (when its episode ended) outcome."""

    branch: str
    reply: str
    outcome: str | None


@dataclass(frozen=True)
class Divergence:
    """One rewarded golden reply of a tree, the prompt it answered and its unrewarded siblings."""

    view: RoleView  # the won golden leaf, as the learner saw it
    branch: str  # the golden node's branch id
    prompt: list[Message]
    golden: Message
    siblings: tuple[Sibling, ...]

    @property
    def turn(self) -> int:
        """How many replies the prompt holds (0: the first reply)."""
        return sum(is_assistant(m) for m in self.prompt)


def divergences(view: RoleView, tree: dict[str, Any], counts: Counter | None = None) -> list[Divergence]:
    """The divergences of a tree whose won golden leaf is ``view`` (the learner's view of that leaf).

    A golden node at depth d answered the learner's d-th reply of the leaf's conversation; a node
    whose reply is not there (a conversation the tree does not match) is skipped and counted.
    """
    counts = counts if counts is not None else Counter()
    nodes = {str(n["id"]): n for n in tree.get("nodes") or []}
    messages = view.messages
    replies = [i for i, m in enumerate(messages) if is_assistant(m)]
    out = []
    for node in nodes.values():
        if not (node.get("golden") and node.get("rewards") and node.get("parent") is not None):
            continue
        depth = int(node.get("depth") or 0)
        index = replies[depth - 1] if 0 < depth <= len(replies) else None
        if index is None or index == 0 or is_assistant(messages[index - 1]) \
                or messages[index].get("content") != node.get("reply"):
            counts["divergences not found in the golden leaf's conversation"] += 1
            continue
        seen = {messages[index].get("content")}
        siblings = []
        for other in nodes.values():
            if (other.get("parent") != node["parent"] or other["id"] == node["id"] or other.get("rewards")
                    or other.get("reply") is None or other["reply"] in seen):
                continue
            seen.add(other["reply"])
            siblings.append(Sibling(str(other["id"]), str(other["reply"]), other.get("outcome")))
        out.append(Divergence(view, str(node["id"]), messages[:index], messages[index], tuple(siblings)))
    return out


def _sibling_metadata(d: Divergence, sibling: Sibling) -> dict[str, Any]:
    """A row's metadata columns for a sibling's reply: the golden leaf's, but its own branch and end."""
    meta = d.view.metadata()
    meta.update(branch=sibling.branch, outcome=sibling.outcome, main=None, reward=None)
    return meta


def divergence_kto_rows(found: list[Divergence]) -> Built:
    """KTO rows: each golden reply desirable, each of its siblings' replies undesirable."""
    built = Built()
    for d in found:
        golden_meta = {**d.view.metadata(), "branch": d.branch}
        built.rows.append({"prompt": d.prompt, "completion": [d.golden], "label": True, **golden_meta,
                           "turn": d.turn, "source": SOURCE})
        for sibling in d.siblings:
            built.rows.append({"prompt": d.prompt, "completion": [{"role": "assistant", "content": sibling.reply}],
                               "label": False, **_sibling_metadata(d, sibling), "turn": d.turn, "source": SOURCE})
    return built


def divergence_dpo_rows(found: list[Divergence]) -> Built:
    """DPO turn pairs: the golden reply chosen, each sibling's reply rejected, at the same prompt."""
    built = Built()
    for d in found:
        for sibling in d.siblings:
            rejected = _sibling_metadata(d, sibling)
            built.rows.append({
                "prompt": d.prompt, "chosen": [d.golden],
                "rejected": [{"role": "assistant", "content": sibling.reply}],
                **d.view.metadata(), "branch": d.branch, "level": "turn", "turn": d.turn,
                **{f"rejected_{k}": rejected[k] for k in ("run", "episode", "branch", "model", "outcome", "main",
                                                          "reward")},
                "source": SOURCE})
    return built


def learner_of(meta: dict[str, Any]) -> str | None:
    """The learner role of a search folder, from its run.json (None when it is not recorded)."""
    search = meta.get("search") if isinstance(meta, dict) else None
    learner = search.get("learner") if isinstance(search, dict) else None
    return str(learner) if learner else None


def find_divergences(views: list[RoleView], trees_by_run: dict[str, dict[TreeKey, dict[str, Any]]],
                     learners: dict[str, str | None], counts: Counter) -> list[Divergence]:
    """The divergences of every tree whose won golden leaf is among ``views`` as seen by its learner."""
    found: list[Divergence] = []
    for view in views:
        e = view.episode
        trees = trees_by_run.get(e.run)
        if not trees:
            continue
        learner = learners.get(e.run)
        tree = trees.get((e.game, e.experiment, e.instance, e.episode))
        if tree is None or won_golden_leaf(tree) != e.branch:
            continue
        if learner is None:
            counts["divergences of a search folder without its learner in run.json"] += 1
            continue
        if view.role == learner:
            found += divergences(view, tree, counts)
    return found
