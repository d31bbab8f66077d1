"""What a dataset builder returns: the rows, and counts for the export summary."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

Row = dict[str, Any]


@dataclass
class Built:
    """Rows of one format, and named counts (pairs found, why no pair was made, ...)."""

    rows: list[Row] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)


def content_key(row: Row, fields: Iterable[str]) -> str:
    """A key that is equal for rows with equal training content (used to drop duplicates)."""
    return json.dumps([row[f] for f in fields], sort_keys=True, ensure_ascii=False, default=str)


def append_new(built: Built, extra: Built, fields: Iterable[str], what: str) -> None:
    """Append the rows of ``extra`` that ``built`` does not hold yet: a row is held when one of
    ``built`` comes from the same run, game, experiment, instance, episode number and role (any
    branch) with the same training ``fields``. Counts the rows added and the rows already held."""
    names = ("run", "game", "experiment", "instance", "episode", "role", *fields)
    held = {content_key(row, names) for row in built.rows}
    for row in extra.rows:
        key = content_key(row, names)
        if key in held:
            built.counts[f"{what} already among the rows"] += 1
            continue
        held.add(key)
        built.rows.append(row)
        built.counts[f"{what} added"] += 1
