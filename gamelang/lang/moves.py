"""Move parsers: how a reply becomes a typed record.

* regex moves use RE2, which matches in linear time (no catastrophic backtracking on model
  text); named groups become fields (str unless typed with ``as {n: int}``);
* choice moves accept one option of a fixed list, ignoring case, surrounding space and final
  punctuation; the record is ``{value, index}``;
* json moves read one JSON object (bare, or in a ```json fence) and validate it against a
  record type with pydantic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import re2
from pydantic import TypeAdapter, ValidationError

from .diagnostics import did_you_mean
from .spec import Move, Tool
from .types import BOOL, FLOAT, INT, STR, ListT, MapT, RecordT, Type, to_annotation

#: Fields of a tool move's record besides one per tool (so no tool may have these names).
TOOL_RECORD_FIELDS = ("name", "id", "given")

#: RE2 compiles within this much memory; a pattern that needs more is refused.
RE2_MAX_MEM = 8 << 20


class MoveError(Exception):
    """A move whose declaration cannot be compiled (bad regex, bad group types)."""


@dataclass(slots=True)  # one per reply parsed: slots make it cheaper to build
class ParseResult:
    """The outcome of parsing one reply: a record, or why it did not parse."""

    ok: bool
    value: dict[str, Any] | None = None
    error: str | None = None


def compile_regex(pattern: str, flags: str = ""):
    """Compile under RE2 (linear time); raise MoveError with RE2's message if it does not compile."""
    options = re2.Options()
    options.log_errors = False
    options.max_mem = RE2_MAX_MEM
    options.case_sensitive = "i" not in flags
    options.dot_nl = "s" in flags
    inline = "(?m)" if "m" in flags else ""
    try:
        return re2.compile(inline + pattern, options)
    except re2.error as err:
        message = err.args[0].decode() if err.args and isinstance(err.args[0], bytes) else str(err)
        raise MoveError(f"regex does not compile under RE2: {message}") from None


#: RE2's matcher itself, under its Python wrapper: the wrapper's ``search`` maps byte offsets to
#: character offsets through a generator, a dict and a Match object on every call, which cost
#: most of a short reply's parse. None where the wrapper does not have these names.
_RE2_UNANCHORED = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)


def search_groups(regex: Any, text: str, numbers: tuple[int, ...]) -> list[str | None] | None:
    """The texts of groups ``numbers`` in the first match of ``regex`` (compiled by
    :func:`compile_regex`) in ``text``, None for a group that took no part; None if nothing matches.

    Same answer as ``regex.search(text)`` and ``m.group(n)``, still RE2 (linear time): see
    :func:`group_reader`, which a caller that searches often makes once.
    """
    return group_reader(regex, numbers)(text)


def group_reader(regex: Any, numbers: tuple[int, ...]) -> Callable[[str], list[str | None] | None]:
    """A function of a text that does what :func:`search_groups` does, with ``regex`` and ``numbers``.

    RE2 is called on the text's UTF-8 bytes directly and the groups are cut from them, or from the
    text itself when it is ASCII (its byte and character offsets are the same).
    """
    matcher = getattr(regex, "_regexp", None)
    if matcher is None or _RE2_UNANCHORED is None:  # another wrapper version: its public API
        def read_public(text: str) -> list[str | None] | None:
            m = regex.search(text)
            return None if m is None else [m.group(n) for n in numbers]

        return read_public
    match, anchor = matcher.Match, _RE2_UNANCHORED

    def read(text: str) -> list[str | None] | None:
        data = text.encode("utf-8")
        size = len(data)
        spans = match(anchor, data, 0, size)
        if spans[0][0] < 0:  # (-1, -1): no match; a group that took no part has that span too
            return None
        if size == len(text):
            return [None if spans[n][0] < 0 else text[spans[n][0]:spans[n][1]] for n in numbers]
        return [None if spans[n][0] < 0 else data[spans[n][0]:spans[n][1]].decode("utf-8") for n in numbers]

    return read


def _text_regex_parser(regex: Any, names: list[str], numbers: tuple[int, ...],
                       failure: str) -> tuple[Callable[[str], ParseResult], Callable[[str], Any]] | None:
    """What :meth:`MoveParser._parse_regex` does for a move whose fields are all text, in one
    function (RE2's matcher called as :func:`group_reader` calls it), and the same without the
    :class:`ParseResult`: the record, or None where the reply does not match; None where the RE2
    wrapper does not have the names :func:`group_reader` uses."""
    matcher = getattr(regex, "_regexp", None)
    if matcher is None or _RE2_UNANCHORED is None:
        return None
    # written out for this move's groups (names as literals, numbers as numbers): no loop per reply
    spans = [f"s{i}, e{i} = spans[{int(n)}]\n    " for i, n in enumerate(numbers)]
    ascii_ = ", ".join(f"{name!r}: text[s{i}:e{i}] if s{i} >= 0 else ''" for i, name in enumerate(names))
    utf8 = ", ".join(f"{name!r}: data[s{i}:e{i}].decode('utf-8') if s{i} >= 0 else ''" for i, name in enumerate(names))
    source = ("def value(reply):\n"
              "    text = reply.strip()\n    data = text.encode('utf-8')\n    size = len(data)\n"
              "    spans = match(anchor, data, 0, size)\n"
              "    if spans[0][0] < 0:\n        return None\n"
              f"    {''.join(spans)}if size == len(text):  # ASCII: byte and character offsets are the same\n"
              f"        return {{{ascii_}}}\n"
              f"    return {{{utf8}}}\n")
    space = {"__builtins__": {"len": len}, "match": matcher.Match, "anchor": _RE2_UNANCHORED}
    exec(compile(source, "<move parser>", "exec"), space)  # noqa: S102 - group names as literals, numbers as ints
    value = space["value"]

    def parse(reply: str) -> ParseResult:
        record = value(reply)
        return ParseResult(False, None, failure) if record is None else ParseResult(True, record)

    return parse, value


def move_type(move: Move, tools: dict[str, Tool] | None = None) -> Type:
    """The type a move parses into (used by the type checker): a record, or a list of records."""
    record = record_type(move, tools)
    return ListT(record) if move.each is not None else record


def offered_tools(move: Move, tools: dict[str, Tool] | None) -> dict[str, Tool]:
    """The tools a tool move accepts calls of (all declared ones when it names none)."""
    tools = tools or {}
    return {t: tools[t] for t in (move.tool or tools) if t in tools}


def tool_record_type(offered: dict[str, Tool]) -> RecordT:
    """{name, id, given, TOOL: {its arguments}...}: the called tool's arguments under its name."""
    return RecordT((("name", STR), ("id", STR), ("given", ListT(STR)))
                   + tuple((t, RecordT(tuple((a, arg.type) for a, arg in tool.args.items())))
                           for t, tool in offered.items()))


def default_value(t: Type) -> Any:
    """The value an argument has when it was not given (and the arguments of tools not called)."""
    if isinstance(t, ListT):
        return []
    if isinstance(t, MapT):
        return {}
    if isinstance(t, RecordT):
        return {n: default_value(ft) for n, ft in t.fields}
    return _SCALAR_DEFAULTS.get(t, "")


_SCALAR_DEFAULTS: dict[Type, Any] = {STR: "", INT: 0, FLOAT: 0.0, BOOL: False}


def default_record(tool: Tool) -> Callable[[], dict[str, Any]]:
    """A function making the record of ``tool``'s arguments, each at its :func:`default_value`
    (what a call of another tool holds for this one): worked out once, a new dict each time,
    with new lists and maps inside."""
    base = {a: default_value(arg.type) for a, arg in tool.args.items()}
    if any(isinstance(v, (list, dict)) for v in base.values()):
        return lambda: {a: default_value(arg.type) for a, arg in tool.args.items()}
    return base.copy


def record_type(move: Move, tools: dict[str, Tool] | None = None) -> RecordT:
    """The record one reply (or, for a list move, one match, line or item) parses into."""
    if move.kind == "tool":
        return tool_record_type(offered_tools(move, tools))
    if move.kind == "regex":
        groups = compile_regex(move.regex or "", move.flags).groupindex
        return RecordT(tuple((g, move.types.get(g, STR)) for g in sorted(groups, key=groups.get)))
    if move.kind == "choice":
        return RecordT((("value", STR), ("index", INT)))
    return RecordT(tuple((move.json_fields or {}).items()))


class MoveParser:
    """Parses replies for one move."""

    def __init__(self, name: str, move: Move, tools: dict[str, Tool] | None = None) -> None:
        self.name, self.move, self.kind = name, move, move.kind
        self.type = move_type(move, tools)
        self.record = record_type(move, tools)
        if self.kind == "tool":
            self.tools = offered_tools(move, tools)
            self.arg_adapters = {(t, a): _adapter_of(arg.type) for t, tool in self.tools.items()
                                 for a, arg in tool.args.items()}
            self.default_records = {t: default_record(tool) for t, tool in self.tools.items()}
        elif self.kind == "regex":
            self.regex = compile_regex(move.regex or "", move.flags)
            self.groups = [n for n, _ in self.record.fields]
            # group numbers, found once: re2 looks a group name up by rebuilding its name table
            index = self.regex.groupindex
            self.group_numbers = {n: index.get(n, n) for n in self.groups}
            self.numbers = tuple(self.group_numbers[n] for n in self.groups)
            self.read_groups = group_reader(self.regex, self.numbers)
            # (name, type) of each field, and whether it is text (kept as matched, no conversion)
            self.converted = tuple((n, t, t == STR) for n, t in self.record.fields)
            if move.each is None and all(is_text for _, _, is_text in self.converted):
                made = _text_regex_parser(self.regex, self.groups, self.numbers,
                                          f"the reply does not match {self.describe()}")
                if made is not None:
                    self._parse_fast, self.parse_value = made
        elif self.kind == "choice":
            self.options = {o.strip().lower(): (o, i) for i, o in enumerate(move.choice or [])}
        else:
            self.adapter = _adapter(self.record)

    def describe(self) -> str:
        """What the move expects, for messages."""
        if self.kind == "regex":
            return f"/{self.move.regex}/{self.move.flags}"
        if self.kind == "choice":
            return "one of: " + ", ".join(self.move.choice or [])
        if self.kind == "tool":
            return "a call of one of the tools " + ", ".join(self.tools)
        return "a JSON object " + str(self.record)

    #: For a regex move whose fields are all text (most of them): the whole parse in one function.
    _parse_fast: Callable[[str], ParseResult] | None = None
    #: For the same moves, the parse without its :class:`ParseResult`, for the interpreter's hot
    #: path: the record :meth:`parse` would give, or None where it would give an error (which
    #: :meth:`parse` then says).
    parse_value: Callable[[str], dict[str, Any] | None] | None = None

    def parse(self, reply: str) -> ParseResult:
        """Parse one reply."""
        fast = self._parse_fast
        if fast is not None:
            return fast(reply)
        if self.move.each is not None:
            return self._parse_each(reply)
        if self.kind == "regex":  # the common case, without a further call
            return self._parse_regex(reply)
        return self._parse_one(reply)

    def _parse_one(self, reply: str) -> ParseResult:
        if self.kind == "tool":
            return self._parse_tool(reply)
        if self.kind == "regex":
            return self._parse_regex(reply)
        if self.kind == "choice":
            return self._parse_choice(reply)
        return self._parse_json(reply)

    def _parse_each(self, reply: str) -> ParseResult:
        """A list move: every match, every line or every JSON item, within the count bounds."""
        least, most = self.move.bounds
        each = self.move.each
        items: list[Any] = []
        if each == "match":
            for m in self.regex.finditer(reply.strip()):
                if len(items) == most:
                    return ParseResult(False, error=f"the reply has more than {most} matches of {self.describe()}")
                record = self._record(m)
                if not record.ok:
                    return ParseResult(False, error=f"match {len(items) + 1}: {record.error}")
                items.append(record.value)
            what = f"matches of {self.describe()}"
        elif each == "line":
            lines = [ln.strip() for ln in reply.strip().splitlines() if ln.strip()]
            if len(lines) > most:
                return ParseResult(False, error=f"the reply has {len(lines)} lines; at most {most} are expected")
            for number, line in enumerate(lines, 1):
                one = self._parse_one(line)
                if not one.ok:
                    return ParseResult(False, error=f"line {number} ({_shorten(line)}): {one.error}")
                items.append(one.value)
            what = "lines"
        else:
            data, problem = _json_array(reply)
            if problem is not None:
                return ParseResult(False, error=problem)
            if len(data) > most:
                return ParseResult(False, error=f"the reply's JSON list has {len(data)} items; at most {most} are "
                                                "expected")
            for number, value in enumerate(data, 1):
                if not isinstance(value, dict):
                    return ParseResult(False, error=f"item {number} of the reply's JSON list is not an object")
                one = self.tool_call(value) if self.kind == "tool" else self._validate(value)
                if not one.ok:
                    return ParseResult(False, error=f"item {number}: {one.error}")
                items.append(one.value)
            what = "items in the reply's JSON list"
        if len(items) < least:
            found = f"only {len(items)}" if items else "no"
            return ParseResult(False, error=f"the reply has {found} {what}; expected at least {least}")
        return ParseResult(True, items)

    def _parse_tool(self, reply: str) -> ParseResult:
        """A tool call in the text form: {"name": TOOL, "arguments": {...}}, bare, fenced or in <tool_call> tags."""
        text = reply.strip()
        if "<tool_call>" in text:  # the form of Hermes and Qwen chat templates
            text = text.split("<tool_call>", 1)[1].split("</tool_call>", 1)[0]
        body = _json_object_text(text)
        if body is None:
            return ParseResult(False, error='the reply holds no tool call: expected {"name": TOOL, "arguments": {...}}')
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as err:
            return ParseResult(False, error=f"the tool call's JSON is invalid: {_json_problem(err)}")
        return self.tool_call(data)

    def tool_call(self, data: Any) -> ParseResult:
        """Check one call (a JSON object, as parsed or as a native tool call) against the declared tools."""
        if isinstance(data, dict) and isinstance(data.get("function"), dict):  # {"type": "function", "function": ...}
            data = {**data["function"], "id": data.get("id", "")}
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            return ParseResult(False, error='the tool call has no "name": expected {"name": TOOL, "arguments": {...}}')
        name = data["name"]
        if name not in self.tools:
            hint = did_you_mean(name, self.tools)
            return ParseResult(False, error=f"unknown tool '{name}'" + (f"; {hint}" if hint else "")
                               + f" (tools: {', '.join(self.tools)})")
        args = data.get("arguments", data.get("parameters", {}))
        if isinstance(args, str):  # OpenAI sends the arguments as JSON text
            try:
                args = json.loads(args) if args.strip() else {}
            except (ValueError, RecursionError):
                return ParseResult(False, error=f"{name}: the arguments are not valid JSON")
        if not isinstance(args, dict):
            return ParseResult(False, error=f"{name}: the arguments must be a JSON object")
        tool = self.tools[name]
        shown = ", ".join(a + ("?" if arg.optional else "") for a, arg in tool.args.items()) or "none"
        for a in args:
            if a not in tool.args:
                hint = did_you_mean(str(a), tool.args)
                return ParseResult(False, error=f"{name}: unknown argument '{a}'" + (f"; {hint}" if hint else "")
                                   + f" (arguments: {shown})")
        values: dict[str, Any] = {}
        for a, arg in tool.args.items():
            if a not in args or args[a] is None:
                if not arg.optional:
                    return ParseResult(False, error=f"{name}: missing argument '{a}' (arguments: {shown})")
                values[a] = default_value(arg.type)
                continue
            try:
                values[a] = self.arg_adapters[(name, a)].validate_python(args[a])
            except ValidationError as err:
                first = err.errors(include_url=False)[0]
                return ParseResult(False, error=f"{name}: argument '{a}' must be {arg.type}: {first['msg']}")
        record: dict[str, Any] = {"name": name, "id": str(data.get("id") or ""), "given": [a for a in tool.args
                                                                                            if a in args]}
        for t, make in self.default_records.items():
            record[t] = values if t == name else make()
        return ParseResult(True, record)

    def _parse_regex(self, reply: str) -> ParseResult:
        texts = self.read_groups(reply.strip())
        if texts is None:
            return ParseResult(False, error=f"the reply does not match {self.describe()}")
        record: dict[str, Any] = {}
        for (name, t, is_text), text in zip(self.converted, texts):
            if is_text:
                record[name] = text or ""
                continue
            try:
                record[name] = _convert(text or "", t)
            except ValueError:
                return ParseResult(False, error=f"group '{name}' is {text or ''!r}, not a {t}")
        return ParseResult(True, record)

    def _record(self, m: Any) -> ParseResult:
        record: dict[str, Any] = {}
        numbers = self.group_numbers
        for name, t in self.record.fields:
            text = m.group(numbers.get(name, name)) or ""
            try:
                record[name] = _convert(text, t)
            except ValueError:
                return ParseResult(False, error=f"group '{name}' is {text!r}, not a {t}")
        return ParseResult(True, record)

    def _parse_choice(self, reply: str) -> ParseResult:
        key = reply.strip().rstrip(".!").strip().lower()
        if key not in self.options:
            return ParseResult(False, error=f"the reply is not {self.describe()}")
        value, index = self.options[key]
        return ParseResult(True, {"value": value, "index": index})

    def _parse_json(self, reply: str) -> ParseResult:
        text = _json_object_text(reply)
        if text is None:
            return ParseResult(False, error="the reply holds no JSON object")
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as err:  # ValueError: a number of more than 4,300 digits too
            message = getattr(err, "msg", None) or ("too deeply nested" if isinstance(err, RecursionError) else str(err))
            return ParseResult(False, error=f"the reply's JSON is invalid: {message}")
        if not isinstance(data, dict):
            return ParseResult(False, error="the reply's JSON is not an object")
        return self._validate(data)

    def _validate(self, data: dict) -> ParseResult:
        try:
            return ParseResult(True, self.adapter.validate_python(data))
        except ValidationError as err:
            first = err.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "the object"
            return ParseResult(False, error=f"the reply's JSON does not fit {self.record}: {where}: {first['msg']}")


def _convert(text: str, t: Type) -> Any:
    if t == STR:
        return text
    if t == INT:
        return int(text.strip())
    if t == FLOAT:
        return float(text.strip())
    if t == BOOL:
        low = text.strip().lower()
        if low in ("true", "yes", "1"):
            return True
        if low in ("false", "no", "0"):
            return False
        raise ValueError(text)
    raise ValueError(text)


def _json_problem(err: Exception) -> str:
    """What is wrong with a reply's JSON, in words."""
    return getattr(err, "msg", None) or ("too deeply nested" if isinstance(err, RecursionError) else str(err))


def _shorten(text: str, width: int = 40) -> str:
    return repr(text if len(text) <= width else text[:width - 3] + "...")


def _json_array(reply: str) -> tuple[list, str | None]:
    """The JSON list a reply holds (bare, or in a ```json fence), or why there is none."""
    text = _unfenced(reply)
    start, end = text.find("["), text.rfind("]")
    if start < 0 or end < start:
        return [], "the reply holds no JSON list"
    try:
        data = json.loads(text[start:end + 1])
    except (ValueError, RecursionError) as err:
        return [], f"the reply's JSON list is invalid: {_json_problem(err)}"
    if not isinstance(data, list):
        return [], "the reply's JSON is not a list"
    return data, None


def _unfenced(reply: str) -> str:
    """The reply without a surrounding ``` fence (```json ... ```), stripped."""
    text = reply.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    return text


def _json_object_text(reply: str) -> str | None:
    text = _unfenced(reply)
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        return None
    return text[start:end + 1]


def json_schema(t: Type) -> dict[str, Any]:
    """The JSON schema of a value of type ``t`` (for the tools' parameters)."""
    if isinstance(t, ListT):
        return {"type": "array", "items": json_schema(t.item)}
    if isinstance(t, MapT):
        return {"type": "object", "additionalProperties": json_schema(t.value)}
    if isinstance(t, RecordT):
        return {"type": "object", "properties": {n: json_schema(ft) for n, ft in t.fields},
                "required": [n for n, _ in t.fields]}
    return {"type": {STR: "string", INT: "integer", FLOAT: "number", BOOL: "boolean"}.get(t, "string")}


def tool_schemas(tools: dict[str, Tool]) -> list[dict[str, Any]]:
    """The declared tools in the function-calling form of chat APIs and chat templates:
    ``[{name, description, parameters: JSON schema}]`` (wrap each in ``{"type": "function",
    "function": ...}`` for the OpenAI API)."""
    return [{"name": name, "description": tool.description,
             "parameters": {"type": "object", "properties": {a: json_schema(arg.type) for a, arg in tool.args.items()},
                            "required": [a for a, arg in tool.args.items() if not arg.optional]}}
            for name, tool in tools.items()]


#: The type of the built-in `tools` (a game with tools may show them in a template).
TOOLS_TYPE = ListT(RecordT((("name", STR), ("description", STR), ("parameters", MapT(STR)))))


@lru_cache(maxsize=256)
def _adapter(t: RecordT) -> TypeAdapter:
    return TypeAdapter(to_annotation(t))


@lru_cache(maxsize=1024)
def _adapter_of(t: Type) -> TypeAdapter:
    return TypeAdapter(to_annotation(t))
