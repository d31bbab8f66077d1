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
