"""Writing dataset rows: JSONL (no extra library needed) or parquet (through ``datasets``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .episodes import ExportError

JSONL_SUFFIXES = (".jsonl", ".json")
PARQUET_SUFFIXES = (".parquet",)


def check_output(path: Path) -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    if path.suffix not in JSONL_SUFFIXES + PARQUET_SUFFIXES:
        raise ExportError(f"--out {path}: the file name must end in .jsonl or .parquet")
    if path.is_dir():
        raise ExportError(f"--out {path} is a folder; give a file name ending in .jsonl or .parquet")
    if not path.parent.exists():
        raise ExportError(f"--out {path}: the folder {path.parent} does not exist")


def _typed_paths(value: Any, prefix: str = "") -> set[str]:
    """The paths (``messages[].content``) at which a row holds a value that is not null."""
    if value is None:
        return set()
    if isinstance(value, dict):
        out = {prefix} if prefix else set()
        for key, item in value.items():
            out |= _typed_paths(item, f"{prefix}.{key}" if prefix else key)
        return out
    if isinstance(value, list):
        out = {prefix}
        for item in value:
            out |= _typed_paths(item, prefix + "[]")
        return out
    return {prefix}


def types_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows, with a few moved to the front so that the first ones show every column's type.

    `datasets` reads JSON lines in chunks (10 MB) and fixes the column types from the first one: a
    column that is null all through it (``main`` of aborted episodes, a message field only some
    players write) fails to load once a later chunk holds a value. Moving the first row that has
    a value at each such path to the front avoids that; the other rows keep their order.
    """
    front: list[int] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        paths = _typed_paths(row)
        if not paths <= seen:
            front.append(index)
            seen |= paths
    chosen = set(front)
    return [rows[i] for i in front] + [r for i, r in enumerate(rows) if i not in chosen]


def write_rows(rows: list[dict[str, Any]], path: Path) -> None:
    """Write rows to ``path`` (JSON lines, or parquet by extension), replacing it only once complete."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        if path.suffix in PARQUET_SUFFIXES:
            _write_parquet(rows, tmp)
        else:
            with open(tmp, "w", encoding="utf-8") as fh:
                for row in types_first(rows):
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {err.strerror or err}") from None


def _write_parquet(rows: list[dict[str, Any]], path: Path) -> None:
    try:
        from datasets import Dataset
    except ImportError:
        raise ExportError("writing parquet needs the 'datasets' package (pip install 'gamelang[train]'); "
                          "or write .jsonl") from None
    Dataset.from_list(same_columns(rows)).to_parquet(str(path))


def same_columns(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows, each with every column some row has (null where it has none).

    ``Dataset.from_list`` takes its columns from the first row: a column that only some rows hold
    (``source`` of divergence and probe rows) would be dropped. Rows that all hold the same columns
    are returned as they are.
    """
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    if all(len(row) == len(columns) for row in rows):
        return rows
    return [{name: row.get(name) for name in columns} for row in rows]
