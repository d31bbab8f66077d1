"""Training rows from the files `gamelang export` writes, checked and trimmed to what TRL reads.

Files are JSONL (one row a line) or parquet. Rows carry metadata (game, instance, role, ...) besides
the columns a trainer uses; only the trainer's columns are kept, so that metadata of mixed types
(a reward that is null in one row and a float in the next) never reaches Arrow's type inference.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .config import ConfigError

#: The columns each method trains on (the rest is metadata, dropped before TRL sees the rows).
COLUMNS = {
    "sft": ("messages",),
    "dpo": ("prompt", "chosen", "rejected"),
    "kto": ("prompt", "completion", "label"),
}


class DataError(ConfigError):
    """Training data that is missing, unreadable or not in the method's shape."""


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    try:
        with open(path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as err:
                    raise DataError(f"{path}:{number}: not valid JSON ({err.msg})") from None
                if not isinstance(row, dict):
                    raise DataError(f"{path}:{number}: a row must be a JSON object, not {type(row).__name__}")
                rows.append(row)
    except OSError as err:
        raise DataError(f"cannot read {path}: {err.strerror or err}") from None
    return rows


def _read_parquet(path: Path, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
        present = [c for c in columns if c in schema.names]
        return pq.read_table(path, columns=present).to_pylist()
    except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid (a corrupt file) is a ValueError
        raise DataError(f"cannot read {path} as parquet: {err}") from None


def _is_messages(value: Any) -> bool:
    return (isinstance(value, list) and bool(value)
            and all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in value))


def _check_text_or_messages(value: Any) -> bool:
    return isinstance(value, str) or _is_messages(value)


def _problem(method: str, row: dict[str, Any]) -> str | None:
    """What is wrong with one row of ``method``'s shape, or None."""
    if method == "sft":
        messages = row["messages"]
        if not _is_messages(messages):
            return "'messages' must be a non-empty list of {role, content} messages"
        if not any(m["role"] == "assistant" for m in messages):
            return "the conversation has no assistant turn to learn from"
        return None
    if not _check_text_or_messages(row["prompt"]):
        return "'prompt' must be text or a list of messages"
    answers = ("chosen", "rejected") if method == "dpo" else ("completion",)
    for key in answers:
        if not _check_text_or_messages(row[key]):
            return f"'{key}' must be text or a list of messages"
        if isinstance(row[key], str) != isinstance(row["prompt"], str):
            return f"'prompt' and '{key}' must both be text or both be messages"
    if method == "kto" and not isinstance(row["label"], bool):
        return f"'label' must be true or false, not {row['label']!r}"
    return None


def _export_hint(method: str) -> str:
    article = "an" if method in ("sft",) else "a"  # "an S-F-T file", "a D-P-O file", "a K-T-O file"
    return f"is it {article} {method.upper()} file? (export it with gamelang export {method})"


def read_rows(paths: list[str | Path], method: str) -> list[dict[str, Any]]:
    """The rows of ``paths`` for ``method``, reduced to its columns; DataError says what is wrong and where."""
    columns = COLUMNS[method]
    if not paths:
        raise DataError("no training data: give --data FILE")
    out: list[dict[str, Any]] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise DataError(f"{path}: no such file" if not path.exists() else f"{path} is not a file")
        rows = _read_parquet(path, columns) if path.suffix == ".parquet" else _read_jsonl(path)
        if not rows:
            raise DataError(f"{path} holds no rows")
        for number, row in enumerate(rows, 1):
            missing = [c for c in columns if c not in row]
            if missing:
                where = f"{path}" if number == 1 else f"{path}, row {number},"
                raise DataError(f"{where} has no {' / '.join(repr(c) for c in missing)} "
                                f"column{'s' if len(missing) > 1 else ''}: {_export_hint(method)}")
            problem = _problem(method, row)
            if problem:
                raise DataError(f"{path}, row {number}: {problem}")
            out.append({c: row[c] for c in columns})
    if method == "kto" and len({r["label"] for r in out}) < 2:
        # KTO compares desirable with undesirable completions; with one kind there is nothing to compare
        kind = "desirable" if out[0]["label"] else "undesirable"
        raise DataError(f"every KTO row is {kind}: KTO needs both desirable (label true) and undesirable rows")
    return out


def load_dataset(paths: list[str | Path], method: str):
    """A `datasets.Dataset` of ``method``'s columns, ready for the TRL trainer."""
    from datasets import Dataset

    return Dataset.from_list(read_rows(paths, method))
