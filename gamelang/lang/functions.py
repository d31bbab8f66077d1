"""The whitelisted functions of the expression language (also available in templates).

Each function has one or more typed signatures, checked at compile time, and an implementation
that is bounded in time and in the size of what it returns.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Any, Callable, Iterable

from .moves import MoveError, compile_regex
from .types import (
    ANY,
    BOOL,
    FLOAT,
    INT,
    STR,
    AnyT,
    ListT,
    MapT,
    NothingT,
    Type,
    TypeVar,
)

#: Longest string and list a function may build; past this an expression fails instead.
MAX_TEXT = 200_000
MAX_ITEMS = 20_000
#: edit_distance is quadratic: its inputs are capped.
MAX_EDIT_INPUT = 1_000


class EvalError(Exception):
    """An expression failed at run time (division by zero, index out of range, ...)."""


@dataclass(frozen=True)
class Signature:
    """Parameter types and result type; may use type variables T and U."""

    params: tuple[Type, ...]
    result: Type


@dataclass(frozen=True)
class Function:
    """A built-in function: name, signatures, implementation, one-line description."""

    name: str
    signatures: tuple[Signature, ...]
    impl: Callable[..., Any]
    doc: str
    library: str | None = None  # the function library that holds it; None: every game has it


#: The functions every game may call (and whose names no game may declare).
FUNCTIONS: dict[str, Function] = {}
#: Function libraries by name: functions for some games, opened with `use NAME`, so that a
#: function added for one game reserves no name in another.
LIBRARIES: dict[str, dict[str, Function]] = {}
#: Every function, for the interpreter: a name belongs to one library at most.
ALL_FUNCTIONS: dict[str, Function] = {}

T, U = TypeVar("T"), TypeVar("U")
NUM = TypeVar("N")  # int or float, checked by the unifier


def _sig(spec: str) -> Signature:
    """Parse 'str, list[T] -> bool' into a Signature."""
    params_text, result_text = spec.split("->")
    params = tuple(_type(p.strip()) for p in _split_top(params_text) if p.strip())
    return Signature(params, _type(result_text.strip()))


def _split_top(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch in "[{"
        depth -= ch in "]}"
        cur += ch
    parts.append(cur)
    return parts


def _type(text: str) -> Type:
    simple = {"str": STR, "int": INT, "float": FLOAT, "bool": BOOL, "T": T, "U": U, "N": NUM, "any": ANY}
    if text in simple:
        return simple[text]
    if text.startswith("list[") and text.endswith("]"):
        return ListT(_type(text[5:-1]))
    if text.startswith("map[str, ") and text.endswith("]"):
        return MapT(_type(text[9:-1]))
    raise ValueError(f"bad signature type {text}")


def builtin(name: str, *signatures: str, doc: str, library: str | None = None) -> Callable[[Callable], Callable]:
    """Register a function under ``name`` with its signatures: for every game, or in ``library``."""

    def register(fn: Callable) -> Callable:
        if name in ALL_FUNCTIONS:  # the interpreter resolves a name in one table
            raise ValueError(f"function '{name}' is registered twice")
        f = Function(name, tuple(_sig(s) for s in signatures), fn, doc, library)
        ALL_FUNCTIONS[name] = f
        (LIBRARIES.setdefault(library, {}) if library else FUNCTIONS)[name] = f
        return fn

    return register


def functions_for(libraries: Iterable[str]) -> dict[str, Function]:
    """The functions a game that opens ``libraries`` may call (unknown names are ignored)."""
    out = dict(FUNCTIONS)
    for lib in libraries:
        out.update(LIBRARIES.get(lib, {}))
    return out


def library_of(name: str) -> str | None:
    """The library that holds function ``name``, or None (a function of every game, or none)."""
    fn = ALL_FUNCTIONS.get(name)
    return fn.library if fn is not None else None


# ------------------------------------------------------------------ signature matching

def _bind(param: Type, arg: Type, env: dict[str, Type]) -> bool:
    if isinstance(arg, AnyT):
        return True
    if isinstance(param, TypeVar):
        if param.name == "N" and arg not in (INT, FLOAT) and not isinstance(arg, (AnyT,)):
            return False
        bound = env.get(param.name)
        if bound is None or isinstance(bound, NothingT):
            env[param.name] = arg
            return True
        if isinstance(arg, NothingT) or arg.fits(bound):
            return True
        if bound.fits(arg):
            env[param.name] = arg
            return True
        return False
    if isinstance(arg, NothingT):
        return True
    if isinstance(param, ListT):
        return isinstance(arg, ListT) and _bind(param.item, arg.item, env)
    if isinstance(param, MapT):
        return isinstance(arg, MapT) and _bind(param.value, arg.value, env)
    return arg.fits(param)


def _subst(t: Type, env: dict[str, Type]) -> Type:
    if isinstance(t, TypeVar):
        bound = env.get(t.name, ANY)
        return ANY if isinstance(bound, NothingT) and t.name != "T" else bound
    if isinstance(t, ListT):
        return ListT(_subst(t.item, env))
    if isinstance(t, MapT):
        return MapT(_subst(t.value, env))
    return t


def result_type(fn: Function, args: list[Type]) -> Type | None:
    """The result type of calling ``fn`` with arguments of these types, or None if no signature fits."""
    for sig in fn.signatures:
        if len(sig.params) != len(args):
            continue
        env: dict[str, Type] = {}
        if all(_bind(p, a, env) for p, a in zip(sig.params, args, strict=True)):
            return _subst(sig.result, env)
    return None


def describe_signatures(fn: Function) -> str:
    """`len(str) -> int; len(list[T]) -> int` for error messages and docs."""
    return "; ".join(f"{fn.name}({', '.join(map(str, s.params))}) -> {s.result}" for s in fn.signatures)


# ------------------------------------------------------------------ helpers

def _text(s: str) -> str:
    if len(s) > MAX_TEXT:
        raise EvalError(f"text would be {len(s):,} characters long; the limit is {MAX_TEXT:,}")
    return s


_JUST_TEXT = {str}


def text_weight(value: Any, budget: int) -> int:
    """About how many characters ``str(value)`` has, counted only until ``budget`` is passed.

    Used to refuse building a text before it is built: a list may hold the same long text many
    times (cheap in memory, huge once written out). The walk stops as soon as the count passes
    ``budget``, so its cost is bounded by the budget, not by the value.
    """
    if (type(value) is list or type(value) is tuple) and len(value) <= budget and value:
        if set(map(type, value)) == _JUST_TEXT:  # texts only (the common case): the same sum, without the walk
            return 2 + 2 * len(value) + sum(map(len, value))
    total = 0
    stack = [value]
    while stack and total <= budget:
        v = stack.pop()
        if isinstance(v, str):
            total += len(v)
        elif isinstance(v, (list, tuple, set, frozenset)):
            total += 2 + 2 * len(v)
            stack.extend(islice(v, budget + 1))
        elif isinstance(v, dict):
            total += 2 + 4 * len(v)
            stack.extend(islice(v.keys(), budget + 1))
            stack.extend(islice(v.values(), budget + 1))
        elif isinstance(v, int) and not isinstance(v, bool):
            total += v.bit_length() * 3 // 10 + 2  # decimal digits of the number, and a sign
        else:
            total += 24  # a float, a bool, None, another object's short repr
    return total


def _items(items: list) -> list:
    if len(items) > MAX_ITEMS:
        raise EvalError(f"list would have {len(items):,} items; the limit is {MAX_ITEMS:,}")
    return items


_WORD = re.compile(r"\w+(?:[-']\w+)*", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer  # loaded when a game first stems a word (its C back end, PyStemmer, when installed)

    return snowballstemmer.stemmer("english")


#: The stems of the words seen, by word: a plain dict (a hit is one lookup, cheaper than an LRU
#: cache's bookkeeping), emptied when it reaches this size.
_STEMS: dict[str, str] = {}
_MAX_STEMS = 65536


def _stem(word: str) -> str:
    stem = _STEMS.get(word)
    if stem is None:
        stem = _stemmer().stemWord(word.lower())
        if len(_STEMS) >= _MAX_STEMS:
            _STEMS.clear()
        _STEMS[word] = stem
    return stem


_ASCII_PUNCTUATION_CHARS = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"  # Python's string.punctuation
_ASCII_PUNCTUATION_BYTES = _ASCII_PUNCTUATION_CHARS.encode("ascii")


def _strip_punctuation(text: str) -> str:
    """Remove ASCII punctuation and every Unicode punctuation character."""
    if text.isascii():  # the common case, done in C (bytes.translate deletes from a table, str's maps each character)
        return text.encode("ascii").translate(None, _ASCII_PUNCTUATION_BYTES).decode("ascii")
    return "".join(ch for ch in text
                   if ch not in _ASCII_PUNCTUATION_CHARS and not unicodedata.category(ch).startswith("P"))


def _normalised_stems(text: str, ignore: frozenset[str] = frozenset()) -> list[str]:
    words = _strip_punctuation(text.lower()).split()
    stems = _STEMS
    return [stems.get(w) or _stem(w) for w in words if w not in ignore]


_LOWERED: dict[int, tuple[list, frozenset[str]]] = {}


def _lowered_set(words: list[str]) -> frozenset[str]:
    """The lower-cased words as a set, cached per list object (stop-word lists are constants)."""
    hit = _LOWERED.get(id(words))
    if hit is not None and hit[0] is words:
        return hit[1]
    result = frozenset(w.lower() for w in words)
    if len(_LOWERED) > 256:
        _LOWERED.clear()
    _LOWERED[id(words)] = (words, result)  # keeping the list alive keeps its id unique
    return result


# ------------------------------------------------------------------ the functions

@builtin("len", "str -> int", "list[T] -> int", "map[str, T] -> int", doc="Length of a text, list or map.")
def _len(x):
    return len(x)


@builtin("lower", "str -> str", doc="The text in lower case.")
def _lower(s):
    return s.lower()


@builtin("upper", "str -> str", doc="The text in upper case.")
def _upper(s):
    return s.upper()


@builtin("strip", "str -> str", doc="The text without leading and trailing white space.")
def _strip(s):
    return s.strip()


@builtin("strip_punctuation", "str -> str", doc="The text without punctuation characters.")
def _strip_punct(s):
    return _strip_punctuation(s)


#: The built-in functions of one argument that are exactly a method call on it (``lower(s)`` is
#: ``s.lower()``: the same value, the same error) or a call of another function (``len``): the
#: expressions written out as Python (evaluate.ExpressionWriter) make that call without the
#: function's own. A function changed to do more must leave this table.
ONE_ARGUMENT_CALLS: dict[Callable[..., Any], tuple[str, Any]] = {
    _lower: ("method", "lower"),
    _upper: ("method", "upper"),
    _strip: ("method", "strip"),
    _len: ("function", len),
    _strip_punct: ("function", _strip_punctuation),
}


@builtin("stem", "str -> str", doc="The English Snowball stem of a word, in lower case.")
def _stem_fn(s):
    return _stem(s.strip())


@builtin("words", "str -> list[str]", doc="The words of a text (letters, digits, inner - and ').")
def _words(s):
    return _items(_WORD.findall(s))


@builtin("split", "str -> list[str]", "str, str -> list[str]",
         doc="Split a text on white space, or on a separator.")
def _split(s, sep=None):
    if sep == "":
        raise EvalError("split: the separator is empty")
    return _items(s.split(sep))


@builtin("join", "list[str], str -> str", doc="Join texts with a separator.")
def _join(items, sep):
    # measured before joining: a list may repeat one long text many times
    if sum(len(x) for x in items if isinstance(x, str)) + len(sep) * max(0, len(items) - 1) > MAX_TEXT:
        raise EvalError(f"join: the text would be longer than {MAX_TEXT:,} characters")
    return _text(sep.join(items))


@builtin("replace", "str, str, str -> str", doc="Replace every occurrence of a text by another.")
def _replace(s, old, new):
    if old == "":
        raise EvalError("replace: the text to replace is empty")
    if new and len(s) // len(old) * len(new) > MAX_TEXT:
        raise EvalError("replace: the result would be too long")
    return _text(s.replace(old, new))


@builtin("is_alpha", "str -> bool", doc="Whether the text is non-empty and made of letters only.")
def _is_alpha(s):
    return s.isalpha()


@builtin("is_digit", "str -> bool", doc="Whether the text is non-empty and made of digits only.")
def _is_digit(s):
    return s.isdigit()


ONE_ARGUMENT_CALLS.update({_is_alpha: ("method", "isalpha"), _is_digit: ("method", "isdigit")})


@builtin("startswith", "str, str -> bool", doc="Whether a text starts with a prefix.")
def _startswith(s, prefix):
    return s.startswith(prefix)


@builtin("endswith", "str, str -> bool", doc="Whether a text ends with a suffix.")
def _endswith(s, suffix):
    return s.endswith(suffix)


@builtin("contains_any", "str, list[str] -> bool", doc="Whether the text contains any of the texts (ignoring case).")
def _contains_any(s, needles):
    low = s.lower()
    return any(n.lower() in low for n in needles if n)


@builtin("mentions_any", "str, list[str] -> bool", "str, list[str], list[str] -> bool",
         doc="Whether any word of the text has the stem of any of the words; punctuation and case are "
             "ignored, and so are the words of the optional third list (stop words).")
def _mentions_any(text, words, ignore=()):
    if isinstance(ignore, list):  # _lowered_set, its cache hit written out
        hit = _LOWERED.get(id(ignore))
        skip = hit[1] if hit is not None and hit[0] is ignore else _lowered_set(ignore)
    else:
        skip = frozenset(w.lower() for w in ignore)
    # set(_normalised_stems(text, skip)), written out (a turn of taboo checks every clue)
    lowered = text.lower()
    if lowered.isascii():
        lowered = lowered.encode("ascii").translate(None, _ASCII_PUNCTUATION_BYTES).decode("ascii")
    else:
        lowered = _strip_punctuation(lowered)
    known = _STEMS
    stems = {known.get(w) or _stem(w) for w in lowered.split() if w not in skip}
    single, phrases = _target_stems(words)
    if not stems.isdisjoint(single):
        return True
    if phrases:  # the text's stems joined, stop words kept, against each phrase's
        phrase = " ".join(_normalised_stems(text))
        return any(p in phrase for p in phrases)
    return False


_TARGETS: dict[tuple, tuple[frozenset[str], tuple[str, ...]]] = {}
_MAX_TARGETS = 4096


def _target_stems(words: list[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The stems :func:`_mentions_any` looks for: those of its one-word targets, and the stems of
    each target of several words joined. The same list comes back at every turn (an instance's
    target and related words), so it is worked out once per list of words."""
    key = tuple(words)
    found = _TARGETS.get(key)
    if found is None:
        single: set[str] = set()
        phrases: list[str] = []
        for w in words:
            target = _word_stems(w)
            if len(target) == 1:
                single.add(target[0])
            elif target:
                phrases.append(" ".join(target))
        found = (frozenset(single), tuple(phrases))
        if len(_TARGETS) >= _MAX_TARGETS:
            _TARGETS.clear()
        _TARGETS[key] = found
    return found


@lru_cache(maxsize=4096)
def _word_stems(word: str) -> tuple[str, ...]:
    """The stems of a word (or phrase) to look for: the same few words come back at every turn
    (an instance's target and related words), so they are stemmed once."""
    return tuple(_normalised_stems(word))


@builtin("edit_distance", "str, str -> int", doc="Levenshtein distance between two texts (each at most 1000 characters).")
def _edit_distance(a, b):
    if len(a) > MAX_EDIT_INPUT or len(b) > MAX_EDIT_INPUT:
        raise EvalError(f"edit_distance: inputs are limited to {MAX_EDIT_INPUT} characters")
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


@builtin("letter_feedback", "str, str -> list[str]", library="wordle",
         doc="Wordle feedback for a guess against a target: per letter 'green' (right place), 'yellow' "
             "(elsewhere in the word, counting repeated letters once each) or 'red'.")
def _letter_feedback(guess, target):
    guess, target = guess.lower(), target.lower()
    if len(guess) != len(target):
        raise EvalError(f"letter_feedback: guess and target differ in length ({len(guess)} vs {len(target)})")
    if guess == target:
        return ["green"] * len(guess)
    # the target's letters not matched in place, counted: each makes one guessed letter yellow,
    # from the left (what crossing out the first unused one of the target does)
    left: dict[str, int] = {}
    for g, t in zip(guess, target):
        if g != t:
            left[t] = left.get(t, 0) + 1
    result = []
    for g, t in zip(guess, target):
        if g == t:
            result.append("green")
        elif left.get(g):
            left[g] -= 1
            result.append("yellow")
        else:
            result.append("red")
    return result


@builtin("count", "list[T], T -> int", "str, str -> int", doc="How often an item (or a text) occurs.")
def _count(xs, x):
    if isinstance(xs, str) and x == "":
        raise EvalError("count: the text to count is empty")
    return xs.count(x)


@builtin("index_of", "list[T], T -> int", doc="The position of the first occurrence of an item, or -1.")
def _index_of(xs, x):
    return xs.index(x) if x in xs else -1


@builtin("sorted", "list[T] -> list[T]", doc="The items in ascending order.")
def _sorted(xs):
    try:
        return sorted(xs)
    except TypeError:
        raise EvalError("sorted: the items cannot be compared") from None


@builtin("unique", "list[T] -> list[T]", doc="The items without repetitions, in first-seen order.")
def _unique(xs):
    try:  # every item hashable (the common case): a dict keeps the first of equal items, in order
        return list(dict.fromkeys(xs))
    except TypeError:
        pass
    # a set for the items that can be hashed keeps this linear (a list of 20,000 items is allowed)
    out, seen = [], set()
    for x in xs:
        try:
            if x in seen:
                continue
            seen.add(x)
        except TypeError:  # an unhashable item (a list, a map): compare with the earlier ones
            if x in out:
                continue
        out.append(x)
    return out


@builtin("reversed", "list[T] -> list[T]", "str -> str", doc="The items (or characters) in reverse order.")
def _reversed(xs):
    return xs[::-1]


@builtin("slice", "list[T], int, int -> list[T]", "str, int, int -> str",
         doc="Items (or characters) from a start position up to, not including, an end position.")
def _slice(xs, start, end):
    return xs[start:end]


#: Functions whose second argument is a regex; in expressions it must be a constant (`/.../` or a
#: string), checked when the game is compiled.
REGEX_FUNCTIONS = ("matches", "search", "find_all")


#: Longest pattern matches(), search() and find_all() take (a template may build one at run time).
MAX_PATTERN = 2_000


@lru_cache(maxsize=64)
def compiled_regex(pattern: str):
    """``pattern`` compiled under RE2 with the moves' bounds (linear time, bounded memory)."""
    if not isinstance(pattern, str):
        raise EvalError("a regex must be a text")
    if len(pattern) > MAX_PATTERN:
        raise EvalError(f"a regex may have at most {MAX_PATTERN:,} characters, not {len(pattern):,}")
    try:
        return compile_regex(pattern)
    except MoveError as err:
        raise EvalError(str(err)) from None


def _group(m: Any, groups: int) -> str:
    return (m.group(1) if groups else m.group(0)) or ""


@builtin("matches", "str, str -> bool", doc="Whether a regex (RE2) matches somewhere in the text.")
def _matches(text, pattern):
    return compiled_regex(pattern).search(text) is not None


@builtin("search", "str, str -> str",
         doc="The first match of a regex in the text (its first group, if it has groups), or \"\".")
def _search(text, pattern):
    r = compiled_regex(pattern)
    m = r.search(text)
    return _group(m, r.groups) if m is not None else ""


@builtin("find_all", "str, str -> list[str]",
         doc="Every match of a regex in the text, in order (the first group of each, if it has groups).")
def _find_all(text, pattern):
    r = compiled_regex(pattern)
    return _items([_group(m, r.groups) for m in islice(r.finditer(text), MAX_ITEMS + 1)])


@builtin("sum", "list[N] -> N", doc="The sum of numbers.")
def _sum(xs):
    return sum(xs)


@builtin("mean", "list[N] -> float", doc="The mean of numbers (0.0 for an empty list).")
def _mean(xs):
    return sum(xs) / len(xs) if xs else 0.0


@builtin("min", "list[T] -> T", "T, T -> T", doc="The smallest of a list, or of two values.")
def _min(*args):
    return _extreme(min, args)


@builtin("max", "list[T] -> T", "T, T -> T", doc="The largest of a list, or of two values.")
def _max(*args):
    return _extreme(max, args)


def _extreme(pick, args):
    values = args[0] if len(args) == 1 else args
    if not values:
        raise EvalError(f"{pick.__name__} of an empty list")
    try:
        return pick(values)
    except TypeError:
        raise EvalError(f"{pick.__name__}: the values cannot be compared") from None


@builtin("abs", "N -> N", doc="The absolute value.")
def _abs(x):
    return abs(x)


@builtin("round", "N -> int", "N, int -> float", doc="Round to a whole number, or to a number of decimals.")
def _round(x, digits=None):
    return round(x) if digits is None else round(float(x), max(-10, min(digits, 10)))


@builtin("int", "str -> int", "float -> int", "bool -> int", doc="A whole number from a text, a number or a bool.")
def _int(x):
    try:
        if isinstance(x, str) and len(x.strip()) > 50:
            raise ValueError
        return int(x.strip()) if isinstance(x, str) else int(x)
    except (ValueError, OverflowError):
        raise EvalError(f"int: {x!r} is not a whole number") from None


@builtin("float", "str -> float", "int -> float", doc="A number from a text or a whole number.")
def _float(x):
    try:
        if isinstance(x, str) and len(x.strip()) > 50:
            raise ValueError
        return float(x)
    except ValueError:
        raise EvalError(f"float: {x!r} is not a number") from None


@builtin("str", "any -> str", doc="A value as text.")
def _str(x):
    if isinstance(x, bool):
        return "true" if x else "false"
    if text_weight(x, MAX_TEXT) > MAX_TEXT:  # before str(): a list's text can be far larger than the list
        raise EvalError(f"str: the text would be longer than {MAX_TEXT:,} characters")
    return _text(str(x))


@builtin("keys", "map[str, T] -> list[str]", doc="The keys of a map, in insertion order.")
def _keys(m):
    return list(m.keys())


@builtin("values", "map[str, T] -> list[T]", doc="The values of a map, in insertion order.")
def _values(m):
    return list(m.values())


@builtin("get", "map[str, T], str, T -> T", doc="The value for a key, or a default if the key is absent.")
def _get(m, key, default):
    return m.get(key, default)


@builtin("with_key", "map[str, T], str, T -> map[str, T]", doc="A copy of a map with one key set.")
def _with_key(m, key, value):
    if key not in m and len(m) >= MAX_ITEMS:
        raise EvalError(f"with_key: a map may hold at most {MAX_ITEMS:,} keys")
    return {**m, key: value}


@builtin("any", "list[bool] -> bool", doc="Whether any item is true.")
def _any(xs):
    return any(xs)


@builtin("all", "list[bool] -> bool", doc="Whether every item is true.")
def _all(xs):
    return all(xs)


@builtin("range", "int -> list[int]", "int, int -> list[int]", doc="Whole numbers from a start (default 0) up to an end.")
def _range(a, b=None):
    start, end = (0, a) if b is None else (a, b)
    return _items(list(range(start, min(end, start + MAX_ITEMS + 1))))


def _membership(items: list):
    """A membership test for ``items`` that is linear overall: a set of the hashable items."""
    try:  # every item hashable (the common case)
        hashable, others = set(items), []
    except TypeError:
        hashable, others = set(), []
        for x in items:
            try:
                hashable.add(x)
            except TypeError:  # a list or a map: compared one by one
                others.append(x)

    def contains(x) -> bool:
        try:
            if x in hashable:
                return True
        except TypeError:
            pass
        return x in others

    return contains


@builtin("intersect", "list[T], list[T] -> list[T]",
         doc="The items of the first list that are also in the second, in the first list's order, without repetitions.")
def _intersect(a, b):
    inside = _membership(b)
    return _unique([x for x in a if inside(x)])


@builtin("difference", "list[T], list[T] -> list[T]",
         doc="The items of the first list that are not in the second, in order, without repetitions.")
def _difference(a, b):
    inside = _membership(b)
    return _unique([x for x in a if not inside(x)])


@builtin("union", "list[T], list[T] -> list[T]",
         doc="The items of both lists, first-seen order, without repetitions.")
def _union(a, b):
    if len(a) + len(b) > 2 * MAX_ITEMS:
        raise EvalError(f"union: the lists have more than {2 * MAX_ITEMS:,} items")
    return _items(_unique(a + b))
