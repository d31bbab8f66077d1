"""Game instances: reading them from JSONL/JSON files and checking them against the schema.

Every instance gets its experiment's settings and the field defaults, then is validated against
the game's instance type. A bad record is reported with its file, line and field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .lang.types import RecordT, to_annotation
from .machine import Machine

#: Instance files larger than this are refused.
MAX_INSTANCE_BYTES = 200_000_000


@dataclass(frozen=True)
class Instance:
    """One instance of a game: its experiment, id and validated data."""

    experiment: str
    id: str
    data: dict[str, Any]
    line: int = 0

    @property
    def key(self) -> tuple[str, str]:
        """(experiment, id): unique within a game."""
        return (self.experiment, self.id)


class InstanceError(Exception):
    """Instances that cannot be read or do not fit the schema; ``problems`` are (line, message)."""

    def __init__(self, file: Path, problems: list[tuple[int, str]]) -> None:
        self.file, self.problems = file, problems
        shown = "; ".join(f"{file}:{line}: {msg}" if line else f"{file}: {msg}" for line, msg in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(shown + more)


@lru_cache(maxsize=64)
def _adapter(t: RecordT) -> TypeAdapter:
    return TypeAdapter(to_annotation(t))


def read_records(file: Path) -> list[tuple[int, Any]]:
    """(line, record) pairs from a JSONL file, or from a JSON file holding a list (line 0)."""
    try:
        size = file.stat().st_size
        if size > MAX_INSTANCE_BYTES:
            raise InstanceError(file, [(0, f"file is {size:,} bytes; the limit is {MAX_INSTANCE_BYTES:,}")])
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InstanceError(file, [(0, "file is not UTF-8 text")]) from None
    except OSError as err:
        raise InstanceError(file, [(0, f"cannot read the file: {err.strerror or err}")]) from None
    if file.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise InstanceError(file, [(err.lineno, f"invalid JSON: {err.msg}")]) from None
        except (ValueError, RecursionError) as err:  # a number of over 4,300 digits; nesting too deep
            raise InstanceError(file, [(1, f"invalid JSON: {_json_problem(err)}")]) from None
        if isinstance(data, dict) and isinstance(data.get("instances"), list):
            data = data["instances"]
        if not isinstance(data, list):
            raise InstanceError(file, [(1, "a JSON instance file holds a list of objects (or {\"instances\": [...]})")])
        return [(0, r) for r in data]
    records: list[tuple[int, Any]] = []
    problems: list[tuple[int, str]] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        # what json.loads does, without its layers (half its time on a short line): the value
        # from the first non-space on, then nothing but JSON's spaces; anything else (an error,
        # a BOM) is left to json.loads, which gives the same value or says what is wrong
        start = len(line) - len(line.lstrip(_JSON_SPACE))
        try:
            value, end = _scan_json(line, start)
        except Exception:  # noqa: BLE001 - json.loads below reports it
            end = -1
        if end >= 0 and not line[end:].strip(_JSON_SPACE):
            records.append((lineno, value))
            continue
        try:
            records.append((lineno, json.loads(line)))
        except json.JSONDecodeError as err:
            problems.append((lineno, f"invalid JSON: {err.msg} (column {err.colno})"))
        except (ValueError, RecursionError) as err:  # a number of over 4,300 digits; nesting too deep
            problems.append((lineno, f"invalid JSON: {_json_problem(err)}"))
    if problems:
        raise InstanceError(file, problems)
    return records


#: json.loads's scanner (the C one where there is one) and the spaces JSON allows around a value.
_scan_json = json.JSONDecoder().scan_once
_JSON_SPACE = " \t\n\r"


def _json_problem(err: Exception) -> str:
    return "nested too deeply" if isinstance(err, RecursionError) else str(err)


def make_instance(machine: Machine, record: Any, index: int, line: int = 0) -> Instance:
    """Validate one raw record into an :class:`Instance`; raise ValueError with the reason."""
    if not isinstance(record, dict):
        raise ValueError("an instance is a JSON object")
    source = machine.instance_source
    exp_field = source.experiment_field if source else None
    id_field = source.id_field if source else None
    if exp_field and exp_field not in record:
        raise ValueError(f"the record has no '{exp_field}' field (the experiment)")
    experiment = str(record[exp_field]) if exp_field else "default"
    ident = str(record[id_field]) if id_field and id_field in record else str(index)
    merged = {**machine.field_defaults, **machine.experiment_values.get(experiment, {}), **record}
    adapter = machine.extras.get("instance_adapter")
    if adapter is None or adapter[0] is not machine.instance_type:  # once per machine: the lru key hashes the type
        adapter = machine.extras["instance_adapter"] = (machine.instance_type, _adapter(machine.instance_type))
    try:
        data = adapter[1].validate_python(merged)
    except RecursionError:
        raise ValueError("the record is nested too deeply") from None
    except ValidationError as err:
        problems = []
        for e in err.errors(include_url=False)[:3]:
            where = ".".join(str(p) for p in e["loc"])
            problems.append(f"field '{where}': {e['msg'].lower()}" if where else e["msg"])
        raise ValueError("; ".join(problems)) from None
    return Instance(experiment, ident, dict(data), line)


def load_instances(machine: Machine, file: Path | None = None) -> list[Instance]:
    """All instances of a game, from its declared file or ``file``; raise InstanceError if any is bad."""
    if file is None:
        if machine.instance_source is None:
            # a game without instances still has one (empty, defaults only) instance
            return [make_instance(machine, {}, 0)]
        file = machine.instance_source.file
    instances: list[Instance] = []
    problems: list[tuple[int, str]] = []
    seen: dict[tuple[str, str], int] = {}
    for index, (line, record) in enumerate(read_records(file)):
        try:
            inst = make_instance(machine, record, index, line)
        except ValueError as err:
            problems.append((line or index + 1, str(err)))
            continue
        if inst.key in seen:
            problems.append((line, f"instance '{inst.id}' of experiment '{inst.experiment}' repeats the one at "
                                   f"line {seen[inst.key]}"))
            continue
        seen[inst.key] = line
        instances.append(inst)
    if problems:
        raise InstanceError(file, problems)
    return instances
