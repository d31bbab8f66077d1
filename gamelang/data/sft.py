"""SFT rows: one conversation per learner view, in TRL's conversational language-modelling form.

Row: ``{"messages": [...], <metadata>}``. The conversation is the role's, system message
included, cut after its last reply (docs/datasets.md).
"""

from __future__ import annotations

from .conversation import up_to_last_reply
from .rows import Built
from .select import RoleView


def sft_rows(views: list[RoleView]) -> Built:
    """One row per view."""
    built = Built()
    for view in views:
        built.rows.append({"messages": up_to_last_reply(view.messages), **view.metadata()})
    built.counts["conversations"] = len(built.rows)
    return built
