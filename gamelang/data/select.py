"""Which episodes and roles an export uses, and why the others are left out.

A *view* is one episode as one role saw it: the unit an SFT row or a KTO turn comes from. The
learners of an episode are, by default, every role that is not simulated (a persona playing a
user, see ``simulated_roles``); ``--role`` chooses roles (simulated ones too), ``--model`` keeps
the roles played by given player specs. Scripted roles count as learners: reference players are
the teachers of a first SFT round.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..splits import Split
from .conversation import up_to_last_reply
from .episodes import EXIT_USAGE, Episode, ExportError

OUTCOMES = ("win", "lose", "abort", "error")


@dataclass(frozen=True)
class Criteria:
    """What an export keeps. ``None`` and empty lists keep everything."""

    games: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    min_score: float | None = None  # episodes with a lower (or no) main score are left out
    split: Split | None = None  # only instances on this side of the train/test split
    golden: bool = False  # only the golden paths of search trees (`gamelang search`)


@dataclass(frozen=True)
class RoleView:
    """One episode as one role saw it."""

    episode: Episode
    role: str

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.episode.messages(self.role)

    @property
    def model(self) -> str:
        return self.episode.player(self.role)

    def metadata(self) -> dict[str, Any]:
        """The metadata columns of a row made from this view (docs/datasets.md)."""
        e = self.episode
        return {"game": e.game, "experiment": e.experiment, "instance": e.instance, "episode": e.episode,
                "branch": e.branch, "role": self.role, "model": self.model, "outcome": e.outcome,
                "main": e.main, "reward": e.reward, "run": e.run}


@dataclass
class Selection:
    """The views chosen, and counts of what was left out, by reason."""

    views: list[RoleView]
    skipped_episodes: Counter = field(default_factory=Counter)
    skipped_views: Counter = field(default_factory=Counter)


def check_criteria(episodes: list[Episode], criteria: Criteria) -> None:
    """Refuse names that match nothing in the runs (a typo would silently export nothing)."""
    from ..lang.diagnostics import did_you_mean

    for outcome in criteria.outcomes:
        if outcome not in OUTCOMES:
            raise ExportError(f"unknown outcome '{outcome}' (use {', '.join(OUTCOMES)})", EXIT_USAGE)
    games = {e.game for e in episodes}
    for game in criteria.games:
        if game not in games:
            hint = did_you_mean(game, games)
            raise ExportError(f"no episode of a game '{game}' in these runs"
                              + (f"; {hint}" if hint else f" (games: {', '.join(sorted(games))})"), EXIT_USAGE)
    roles = {r for e in episodes if not criteria.games or e.game in criteria.games for r in e.roles}
    for role in criteria.roles:
        if role not in roles:
            hint = did_you_mean(role, roles)
            raise ExportError(f"no game in these runs has a role '{role}'"
                              + (f"; {hint}" if hint else f" (roles: {', '.join(sorted(roles))})"), EXIT_USAGE)


def episode_skip_reason(episode: Episode, criteria: Criteria) -> str | None:
    """Why an episode is left out as a whole (None: it is kept)."""
    if criteria.games and episode.game not in criteria.games:
        return "other game"
    if episode.outcome == "error":
        return "ended in error"
    if criteria.outcomes and episode.outcome not in criteria.outcomes:
        return f"outcome {episode.outcome}"
    if criteria.min_score is not None and (episode.main is None or episode.main < criteria.min_score):
        return "below --min-score"
    if criteria.golden and not (episode.record.get("search") or {}).get("golden"):
        return "not a golden path"
    if criteria.split is not None and not criteria.split.contains(episode.game, episode.experiment,
                                                                  episode.instance):
        return f"instance not in the {criteria.split.name} split"
    return None


def view_skip_reason(view: RoleView, criteria: Criteria) -> str | None:
    """Why one role of a kept episode is left out (None: it is a learner)."""
    if criteria.roles:
        if view.role not in criteria.roles:
            return "role not chosen"
    elif view.role in view.episode.simulated_roles:
        return "simulated role"
    if criteria.models and view.model not in criteria.models:
        return "other player"
    if not up_to_last_reply(view.messages):
        return "role never replied"
    return None


def select_views(episodes: list[Episode], criteria: Criteria) -> Selection:
    """The learner views of the episodes that meet the criteria, in a stable order."""
    check_criteria(episodes, criteria)
    selection = Selection([])
    for episode in sorted(episodes, key=lambda e: e.sort_key):
        reason = episode_skip_reason(episode, criteria)
        if reason:
            selection.skipped_episodes[reason] += 1
            continue
        for role in episode.roles:
            view = RoleView(episode, role)
            reason = view_skip_reason(view, criteria)
            if reason:
                selection.skipped_views[reason] += 1
            else:
                selection.views.append(view)
    return selection
