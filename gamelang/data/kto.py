"""KTO rows: single replies labelled desirable (from successful episodes) or not (from failed ones).

Row: ``{"prompt": [...], "completion": [reply], "label": bool, <metadata>, "turn": n}``, one per
assistant turn. An episode succeeds when it was won, or, with ``min_score``, when its main score
reaches it.

Siblings are records of the same run, game, experiment, instance and episode number with
different ``branch`` fields (a branching search writes them). A failed sibling shares its
beginning with the others, and the replies in a beginning it shares with a successful sibling
led to success there; so only its replies from where it parts from the successful siblings
(the longest shared beginning) on are labelled undesirable.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from .conversation import replies_before, reply_indices, shared_prefix_length
from .rows import Built, content_key
from .select import RoleView


def succeeded(view: RoleView, min_score: float | None) -> bool:
    """Whether the episode counts as a success for labelling."""
    e = view.episode
    if e.outcome == "win":
        return True
    return min_score is not None and e.main is not None and e.main >= min_score


def labelled_families(views: list[RoleView], min_score: float | None
                      ) -> Iterator[list[tuple[RoleView, bool, int | None]]]:
    """The views in families of siblings (same run, game, experiment, instance, episode and role),
    each view with its label and, for a failed view with a successful sibling, the length of the
    longest beginning it shares with one (None otherwise)."""
    families: dict[tuple, list[RoleView]] = defaultdict(list)
    for view in views:
        e = view.episode
        families[(e.run, e.game, e.experiment, e.instance, e.episode, view.role)].append(view)
    for key in sorted(families):
        family = families[key]
        winners = [v for v in family if succeeded(v, min_score)]
        labelled = []
        for view in family:
            label = succeeded(view, min_score)
            shared = None
            if not label and winners:
                shared = max(shared_prefix_length(view.messages, w.messages) for w in winners)
            labelled.append((view, label, shared))
        yield labelled


def kto_rows(views: list[RoleView], min_score: float | None = None) -> Built:
    """Rows for every reply of every view, with failed siblings cut to their own part."""
    built = Built()
    for family in labelled_families(views, min_score):
        seen: set[str] = set()
        for view, label, shared in family:
            messages = view.messages
            start = 0
            if shared is not None:
                start = shared
                built.counts["failed siblings cut at their divergence"] += 1
            for index in reply_indices(messages, start):
                row = {"prompt": messages[:index], "completion": [messages[index]], "label": label,
                       **view.metadata(), "turn": replies_before(messages, index)}
                k = content_key(row, ("prompt", "completion", "label"))
                if k in seen:  # siblings repeat the replies of their shared beginning
                    built.counts["duplicate replies dropped"] += 1
                    continue
                seen.add(k)
                built.rows.append(row)
                built.counts["desirable" if label else "undesirable"] += 1
    return built
