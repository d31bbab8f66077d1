"""The command line every `games/GAME/convert_instances.py` shares: clembench's published
instances (one JSON object per line, in ``../shared/data/clembench`` beside the checkout by
default) converted row by row into the game's ``instances.jsonl``.

A converter says only what is its own: the clembench file it reads and how one row becomes one
instance (:func:`keep` when it only keeps some fields)::

    FIELDS = ("experiment", "game_id", "target_word")

    if __name__ == "__main__":
        convert_main(__doc__, __file__, "wordle.jsonl", keep(FIELDS))
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Callable, Iterable

Row = dict[str, Any]


def default_source(script: str | Path) -> Path:
    """clembench's instance data beside the checkout, seen from ``games/GAME/script.py``."""
    return Path(script).resolve().parents[3] / "shared" / "data" / "clembench"


def keep(fields: Iterable[str]) -> Callable[[Row], Row]:
    """A conversion that keeps ``fields`` of a row, in that order."""
    fields = tuple(fields)
    return lambda row: {k: row[k] for k in fields}


def convert_main(doc: str | None, script: str | Path, source_name: str, convert: Callable[[Row], Row]) -> None:
    """Parse ``--source DIR`` and ``--out FILE`` (default: instances.jsonl beside ``script``), then
    write ``convert(row)`` for every row of ``DIR/source_name``, one JSON object per line."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--source", type=Path, default=default_source(script))
    parser.add_argument("--out", type=Path, default=Path(script).resolve().parent / "instances.jsonl")
    args = parser.parse_args()
    lines = (args.source / source_name).read_text(encoding="utf-8").splitlines()
    with args.out.open("w", encoding="utf-8") as out:
        for line in lines:
            if line.strip():
                out.write(json.dumps(convert(json.loads(line)), ensure_ascii=False) + "\n")
