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


def write_rows(rows: list[dict[str, Any]], path: Path) -> None:
    """Write rows to ``path`` (JSON lines, or parquet by extension), replacing it only once complete."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        if path.suffix in PARQUET_SUFFIXES:
            _write_parquet(rows, tmp)
        else:
            with open(tmp, "w", encoding="utf-8") as fh:
                for row in rows:
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
    Dataset.from_list(rows).to_parquet(str(path))
