"""Branching search over episodes: JOSH's beam over consumable rewards, and Playpen's fixed-factor branching.

A search tree grows from one episode by forking it at the learner's turns (``GameEnv.fork``: a copy
of the episode state, no replay from the start). Every branch is an ordinary episode of the run,
with its own branch id, so the rollout engine plays all live branches of all trees in one batched
call per round, and the leaves' records are written to the run folder like any other episodes.

``josh`` (sparse-reward self-training): while the tree has at most ``beam`` leaves, each leaf is
expanded into ``branch`` children at the learner's turn; otherwise each leaf goes on with one
child. When a child earns a reward it has not earned before (a positive ``reward`` statement, by
its key, or the win at the end), its ancestors are marked successful, the path to it golden, the
tree is re-rooted there (the other leaves are dropped) and the search goes on from it, until the
golden leaf's episode ends or a limit is reached. Partners sample at temperature 0, so branches
differ only through the learner.

``factor`` (Playpen): each learner turn up to ``depth`` branches into ``branch`` children; every
leaf plays to the end. Won leaves and their ancestors are successful; the path to the best leaf is
golden.

Trees are stored in ``trees.jsonl`` beside ``episodes.jsonl`` (one line per tree, written when the
tree is done, so a resumed search skips finished trees). Each record of a leaf carries a
``search`` entry: tree, mode, successful, golden.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from gamelang.data.divergences import TREES_FILE, read_trees
from gamelang.runtime.episode import GameEnv
from gamelang.runtime.rollout import EpisodeJob, RolloutEngine

MODES = ("josh", "factor")


@dataclass
class SearchSettings:
    """How trees grow."""

    learner: str
    mode: str = "josh"
    beam: int = 8  # josh: the most leaves a tree branches at
    branch: int = 2  # children per expanded leaf
    depth: int = 4  # factor: learner turns that branch
    max_nodes: int = 256  # a tree stops growing past this many nodes


@dataclass
class Node:
    """One branch point of a tree: the learner's reply that led here and what it earned."""

    id: str  # the branch id of the episode at this node ("" is the root)
    parent: str | None
    depth: int  # learner replies since the root
    reply: str | None
    rewards: list[str] = field(default_factory=list)  # keys of the rewards first earned here
    status: str = "open"  # open, ended, dropped
    outcome: str | None = None
    successful: bool = False
    golden: bool = False


@dataclass
class Tree:
    """A search tree over one episode: nodes by branch id, and the rewards consumed."""

    key: tuple[str, str, str, int]
    mode: str
    nodes: dict[str, Node] = field(default_factory=dict)
    consumed: list[str] = field(default_factory=list)
    status: str = "running"  # success (the golden leaf won), partial (some reward), failure, limit

    def path(self, node_id: str) -> list[Node]:
        """The nodes from the root to ``node_id``."""
        out = []
        current: str | None = node_id
        while current is not None:
            out.append(self.nodes[current])
            current = self.nodes[current].parent
        return out[::-1]

    def mark_golden(self, node_id: str) -> None:
        """Mark the path to a rewarded node golden and every node on it successful."""
        for node in self.path(node_id):
            node.golden = node.successful = True

    def to_json(self) -> dict[str, Any]:
        """The tree as one line of trees.jsonl."""
        game, experiment, instance, episode = self.key
        return {"game": game, "experiment": experiment, "instance": instance, "episode": episode, "mode": self.mode,
                "status": self.status, "consumed": self.consumed, "nodes": [asdict(n) for n in self.nodes.values()]}


def reward_keys(env: GameEnv, since: int = 0) -> list[str]:
    """Keys of the positive rewards an episode earned from reward entry ``since`` on, plus its win."""
    state = env.state
    assert state is not None
    keys = []
    for entry in state.rewards[since:]:
        if entry["value"] > 0:
            # a once-only reward names its key; otherwise the reward statement's place stands for it
            keys.append(str(entry.get("key") or f"{entry['state']}:{entry.get('role')}"))
    if state.done and state.outcome == "win":
        keys.append("outcome:win")
    return keys


class Search:
    """Grows trees for jobs, several at once, through one rollout engine."""

    def __init__(self, engine: RolloutEngine, settings: SearchSettings) -> None:
        if settings.mode not in MODES:
            raise ValueError(f"unknown search mode '{settings.mode}' (use {' or '.join(MODES)})")
        self.engine, self.s = engine, settings

    def _advance_partners(self, envs: list[GameEnv]) -> None:
        """Play every other role's turns until each episode waits for the learner or has ended."""
        while True:
            waiting = [e for e in envs if not e.done and e.waiting_for != self.s.learner]
            if not waiting:
                return
            self.engine.play_round(waiting)

    def grow(self, jobs: list[EpisodeJob], on_tree: Callable[[Tree, list[GameEnv]], None]) -> None:
        """Grow one tree per job, all at once; ``on_tree(tree, ended_leaves)`` as each tree is done."""
        live: list[tuple[Tree, dict[str, GameEnv], list[GameEnv]]] = []
        for job in jobs:
            tree = Tree(job.key[:4], self.s.mode, {"": Node("", None, 0, None)})
            live.append((tree, {"": self.engine.start(job)}, []))
        self._advance_partners([leaves[""] for _, leaves, _ in live])
        while live:
            expansions: list[tuple[Tree, GameEnv, list[GameEnv]]] = []  # (tree, parent, its children)
            for tree, leaves, ended in live:
                self._settle(tree, leaves, ended)
                width = self._width(tree, leaves)
                for parent in leaves.values():
                    expansions.append((tree, parent, [parent.fork() for _ in range(width)]))
                leaves.clear()
            children = [child for _, _, kids in expansions for child in kids]
            self.engine.play_round(children)  # every learner reply of every tree, in one batch
            self._advance_partners(children)
            by_tree = {id(tree): (leaves, ended) for tree, leaves, ended in live}
            for tree, parent, kids in expansions:
                leaves, ended = by_tree[id(tree)]
                for child in kids:
                    self._add_child(tree, parent, child, leaves, ended)
            if self.s.mode == "josh":
                for tree, leaves, _ in live:
                    born = [child.branch for t, _, kids in expansions if t is tree for child in kids]
                    self._reroot(tree, leaves, born)
            still = []
            for tree, leaves, ended in live:
                if self._finished(tree, leaves):
                    self._close(tree, leaves, ended)
                    on_tree(tree, ended)
                else:
                    still.append((tree, leaves, ended))
            live = still

    def _width(self, tree: Tree, leaves: dict[str, GameEnv]) -> int:
        """Children per leaf at this expansion."""
        s = self.s
        if not leaves or len(tree.nodes) + len(leaves) * s.branch > s.max_nodes:
            return 1
        if s.mode == "josh":
            return s.branch if len(leaves) * s.branch <= s.beam else 1
        depth = tree.nodes[next(iter(leaves))].depth  # every leaf of a factor tree is as deep
        return s.branch if depth < s.depth else 1

    def _settle(self, tree: Tree, leaves: dict[str, GameEnv], ended: list[GameEnv]) -> None:
        """Move leaves whose episode ended (e.g. a root that ended before the learner spoke) out of the frontier."""
        for branch, env in list(leaves.items()):
            if env.done:
                del leaves[branch]
                ended.append(env)
                tree.nodes[branch].status, tree.nodes[branch].outcome = "ended", env.outcome

    def _add_child(self, tree: Tree, parent: GameEnv, child: GameEnv, leaves: dict[str, GameEnv],
                   ended: list[GameEnv]) -> None:
        state, parent_state = child.state, parent.state
        assert state is not None and parent_state is not None
        reply = next((e["text"] for e in state.events[state.forked_at or 0:]
                      if e["type"] == "reply" and e["role"] == self.s.learner), None)
        node = Node(state.branch, parent_state.branch, tree.nodes[parent_state.branch].depth + 1, reply)
        node.rewards = [k for k in reward_keys(child, len(parent_state.rewards)) if k not in tree.consumed]
        tree.nodes[parent_state.branch].status = "expanded"
        tree.nodes[node.id] = node
        if child.done:
            node.status, node.outcome = "ended", state.outcome
            ended.append(child)
        else:
            leaves[node.id] = child

    def _reroot(self, tree: Tree, leaves: dict[str, GameEnv], born: list[str]) -> None:
        """JOSH: the first child of this round to earn a new reward ends the golden path; drop its rivals."""
        fresh = [tree.nodes[b] for b in born if tree.nodes[b].rewards]
        if not fresh:
            return
        first = fresh[0]  # nodes keep insertion order: the first child to earn it
        tree.consumed += [k for k in first.rewards if k not in tree.consumed]
        tree.mark_golden(first.id)
        for branch in list(leaves):
            if branch != first.id:
                tree.nodes[branch].status = "dropped"
                del leaves[branch]

    def _finished(self, tree: Tree, leaves: dict[str, GameEnv]) -> bool:
        if not leaves:
            return True
        if self.s.mode == "josh":
            golden_done = any(n.golden and n.status == "ended" for n in tree.nodes.values())
            return golden_done
        return False

    def _close(self, tree: Tree, leaves: dict[str, GameEnv], ended: list[GameEnv]) -> None:
        """Finish a tree: drop what is left open, mark success, choose the golden path (factor)."""
        for branch in leaves:
            tree.nodes[branch].status = "dropped"
        leaves.clear()
        if self.s.mode == "factor":
            for env in ended:
                if env.outcome == "win":
                    for node in tree.path(env.branch):
                        node.successful = True
            if ended:
                best = max(ended, key=lambda e: ((e.scores or {}).get("reward") or 0.0, e.outcome == "win"))
                if best.outcome == "win" or (best.scores or {}).get("reward"):
                    for node in tree.path(best.branch):
                        node.golden = True
        golden_leaves = [n for n in tree.nodes.values() if n.golden and n.status == "ended"]
        if any(n.outcome == "win" for n in golden_leaves):
            tree.status = "success"
        elif any(n.golden for n in tree.nodes.values()):
            tree.status = "partial"
        elif len(tree.nodes) >= self.s.max_nodes:
            tree.status = "limit"
        else:
            tree.status = "failure"


def leaf_record(tree: Tree, env: GameEnv) -> dict[str, Any]:
    """The episode record of an ended leaf, marked with its place in the tree."""
    record = env.record()
    node = tree.nodes[env.branch]
    record["search"] = {"mode": tree.mode, "tree_status": tree.status, "successful": node.successful,
                        "golden": node.golden, "depth": node.depth}
    return record


def append_tree(folder: Path, tree: Tree) -> None:
    """Append one finished tree to trees.jsonl and make sure it is on disk."""
    with open(folder / TREES_FILE, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(tree.to_json(), ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


@dataclass
class SearchResult:
    """What a search did."""

    out: Path
    trees: int
    skipped: int
    statuses: dict[str, int]
    records: int


def run_search(machines: list, settings: Any, search: SearchSettings, trees_at_once: int = 8,
               on_tree: Callable[[Tree], None] | None = None) -> SearchResult:
    """Grow a tree for every planned episode of ``settings`` (a RunSettings) into its run folder.

    Finished trees are appended to trees.jsonl and their ended leaves to episodes.jsonl as each
    tree is done; with ``settings.resume`` the trees already in the folder are skipped.
    """
    from gamelang.runtime.rollout import Assignment
    from gamelang.runtime.run import plan
    from gamelang.runtime.runfolder import EPISODES_FILE, RunFolderError, RunWriter, invoking_command, read_run
    from gamelang.turns import Sampling

    for machine in machines:
        if search.learner not in machine.roles:
            raise RunFolderError(f"'{search.learner}' is not a role of game '{machine.name}' "
                                 f"(its roles: {', '.join(machine.roles)})")
    out = settings.out
    jobs = plan(machines, settings)
    done = read_trees(out)
    existing = out / EPISODES_FILE
    truncate_at = None
    if existing.is_file() and existing.stat().st_size > 0:
        if not settings.resume:
            raise RunFolderError(f"{out} already holds a search: resume it with --resume, or choose another --out")
        truncate_at = read_run(out).truncated_at
    todo = [j for j in jobs if j.key[:4] not in done]
    assignment = Assignment(settings.role_specs, settings.default_spec)
    assignment.prepare(machines)
    partners = {r for m in machines for r in m.roles if r != search.learner}
    # partners sample greedily, so that sibling branches differ only through the learner
    engine = RolloutEngine(assignment, sampling={r: Sampling(temperature=0.0) for r in partners})
    meta = {"command": invoking_command(), "kind": "search", "seed": settings.seed,
            "episodes_per_instance": settings.episodes, "limit": settings.limit,
            "split": settings.split.as_meta() if settings.split else None,
            "search": asdict(search),
            "players": {"default": assignment.spec_for("").text if settings.default_spec else "scripted",
                        "roles": {r: assignment.spec_for(r).text for r in settings.role_specs}},
            "games": {m.name: {"version": m.version, "content_hash": m.content_hash, "path": str(m.path),
                               "planned": sum(1 for j in jobs if j.machine is m),
                               "players": assignment.describe(m)} for m in machines}}
    writer = RunWriter(out, meta, truncate_at)
    statuses: dict[str, int] = {}
    written = [0]

    def finish(tree: Tree, ended: list[GameEnv]) -> None:
        for env in ended:  # records first: a tree line on disk means its leaves are there too
            writer.append(leaf_record(tree, env))
            written[0] += 1
        append_tree(out, tree)
        statuses[tree.status] = statuses.get(tree.status, 0) + 1
        if on_tree is not None:
            on_tree(tree)

    status = "interrupted"
    try:
        searcher = Search(engine, search)
        for start in range(0, len(todo), max(1, trees_at_once)):
            searcher.grow(todo[start:start + trees_at_once], finish)
        status = "complete"
    finally:
        writer.close(status)
        assignment.close()
    return SearchResult(out, len(todo), len(jobs) - len(todo), statuses, written[0])


def divergence_rows(folder: Path, role: str) -> list[dict[str, Any]]:
    """KTO rows from the sibling divergences of a search folder's fully successful trees.

    At every golden node that earned a reward, the golden reply is desirable and each sibling
    reply at the same point that earned nothing (and says something else) is undesirable; the
    prompt is the conversation before that reply, read from the tree's won golden leaf
    (:mod:`gamelang.data.divergences`; ``gamelang export kto`` adds the same rows to a search
    folder's episodes, and ``export dpo`` the pairs).
    """
    from collections import Counter

    from gamelang.data.divergences import divergence_kto_rows, find_divergences
    from gamelang.data.episodes import load_runs
    from gamelang.data.select import RoleView

    loaded = load_runs([folder])
    views = [RoleView(e, role) for e in loaded.episodes if role in e.roles]
    found = find_divergences(views, {str(folder): read_trees(folder)}, {str(folder): role}, Counter())
    return divergence_kto_rows(found).rows
