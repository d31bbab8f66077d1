"""The types of the game language: str, int, float, bool, list[T], map[str, T] and records.

Types are immutable values that print back to the syntax they were written in, so a spec
holds them directly and compares them by meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class Type:
    """Base of all types."""

    def fits(self, target: "Type") -> bool:
        """Whether a value of this type may be stored where ``target`` is expected."""
        return assignable(self, target)


@dataclass(frozen=True)
class Prim(Type):
    """A primitive type: str, int, float or bool."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ListT(Type):
    """A list whose items all have one type."""

    item: Type

    def __str__(self) -> str:
        return f"list[{self.item}]"


@dataclass(frozen=True)
class MapT(Type):
    """A map from strings to values of one type."""

    value: Type

    def __str__(self) -> str:
        return f"map[str, {self.value}]"


@dataclass(frozen=True)
class RecordT(Type):
    """A record with named, typed fields (instance sub-records, parsed moves)."""

    fields: tuple[tuple[str, Type], ...]

    def field(self, name: str) -> Type | None:
        """The type of field ``name``, or None if the record has no such field."""
        for n, t in self.fields:
            if n == name:
                return t
        return None

    def __str__(self) -> str:
        return "{" + ", ".join(f"{n}: {t}" for n, t in self.fields) + "}"


@dataclass(frozen=True)
class AnyT(Type):
    """The type of an expression whose type is unknown because of an earlier error.

    It fits everywhere so that one mistake is reported once, not at every use.
    """

    def __str__(self) -> str:
        return "any"


@dataclass(frozen=True)
class NothingT(Type):
    """The item type of an empty list or map literal: it fits any item type."""

    def __str__(self) -> str:
        return "nothing"


@dataclass(frozen=True)
class TypeVar(Type):
    """A placeholder in a built-in function's signature, bound when the call is checked."""

    name: str

    def __str__(self) -> str:
        return self.name


STR, INT, FLOAT, BOOL = Prim("str"), Prim("int"), Prim("float"), Prim("bool")
ANY = AnyT()
NOTHING = NothingT()
PRIMS = {"str": STR, "int": INT, "float": FLOAT, "bool": BOOL}


def is_numeric(t: Type) -> bool:
    """int, float (or unknown)."""
    return t in (INT, FLOAT) or isinstance(t, AnyT)


def assignable(src: Type, dst: Type) -> bool:
    """Whether a value of type ``src`` may be used where ``dst`` is expected."""
    if isinstance(src, (AnyT, NothingT)) or isinstance(dst, AnyT):
        return True
    if src == dst:
        return True
    if src == INT and dst == FLOAT:
        return True
    if isinstance(src, ListT) and isinstance(dst, ListT):
        return assignable(src.item, dst.item)
    if isinstance(src, MapT) and isinstance(dst, MapT):
        return assignable(src.value, dst.value)
    if isinstance(src, RecordT) and isinstance(dst, RecordT):
        return all(src.field(n) is not None and assignable(src.field(n), t) for n, t in dst.fields)
    return False


def join(a: Type, b: Type) -> Type | None:
    """The smallest type both ``a`` and ``b`` fit, or None if there is none."""
    if assignable(a, b) and not isinstance(b, NothingT):
        return b if not isinstance(a, AnyT) else a
    if assignable(b, a):
        return a
    if isinstance(a, ListT) and isinstance(b, ListT):
        item = join(a.item, b.item)
        return ListT(item) if item is not None else None
    if isinstance(a, MapT) and isinstance(b, MapT):
        value = join(a.value, b.value)
        return MapT(value) if value is not None else None
    return None


def type_of_value(value: Any) -> Type:
    """The type of a Python value from JSON (used for literals and instance data)."""
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, str):
        return STR
    if isinstance(value, list):
        item: Type = NOTHING
        for v in value:
            item = join(item, type_of_value(v)) or ANY
        return ListT(item)
    if isinstance(value, dict):
        return RecordT(tuple((str(k), type_of_value(v)) for k, v in value.items()))
    return ANY


def to_annotation(t: Type) -> Any:
    """A Python annotation under which pydantic validates JSON values of type ``t``.

    Text and truth values are strict (a number is not a text); numbers accept their text form
    and ints where floats are declared. Records ignore keys they do not declare.
    """
    from pydantic import StrictBool, StrictStr
    from typing_extensions import TypedDict

    if t == STR:
        return StrictStr
    if t == BOOL:
        return StrictBool
    if t == INT:
        return int
    if t == FLOAT:
        return float
    if isinstance(t, ListT):
        return list[to_annotation(t.item)]  # type: ignore[misc]
    if isinstance(t, MapT):
        return dict[str, to_annotation(t.value)]  # type: ignore[misc]
    if isinstance(t, RecordT):
        return TypedDict("Record", {n: to_annotation(ft) for n, ft in t.fields})  # type: ignore[misc]
    return Any
