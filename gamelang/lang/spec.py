"""The spec models: what a game says, independent of how it was written.

Both front ends produce plain data of the shape below, and :class:`GameSpec` validates it. The
shape is the YAML form of a game: ``gamelang schema`` prints its JSON schema, generated from
these models, for editors. Expressions and types are held parsed, and compare by meaning, so
the .game and YAML forms of one game give equal specs.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Optional, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    Tag,
    WithJsonSchema,
    model_validator,
)

from . import expr as ex
from .types import Type


def _to_expr(value: Any) -> ex.Expr:
    if isinstance(value, ex.Expr):
        return value
    if isinstance(value, str):  # the YAML form's text (the .game front end hands expressions built)
        from .parser import parse_expression

        return parse_expression(value)
    return ex_literal(value)


def ex_literal(value: Any) -> ex.Expr:
    """An expression for a plain data value (a YAML number, list, mapping)."""
    if value is None:
        raise ValueError("an expression is required here, got null")
    if isinstance(value, (bool, int, float, str)):
        return ex.Lit(value)
    if isinstance(value, list):
        return ex.ListLit(tuple(ex_literal(v) for v in value))
    if isinstance(value, dict):
        return ex.MapLit(tuple((str(k), ex_literal(v)) for k, v in value.items()))
    raise ValueError(f"cannot use {type(value).__name__} as an expression")


def _to_type(value: Any) -> Type:
    if isinstance(value, Type):
        return value
    if isinstance(value, str):
        from .parser import parse_type

        return parse_type(value)
    raise ValueError("a type is written as text, such as str, list[str] or {name: str}")


Expression = Annotated[ex.Expr, PlainValidator(_to_expr), PlainSerializer(str, return_type=str),
                       WithJsonSchema({"type": ["string", "number", "boolean", "array"], "description": "an expression"})]
TypeExpr = Annotated[Type, PlainValidator(_to_type), PlainSerializer(str, return_type=str),
                     WithJsonSchema({"type": "string", "description": "a type: str, int, float, bool, list[T], map[str, T], {a: T}"})]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class Model(BaseModel):
    """Base of spec models: unknown keys are errors, and the YAML keys are the aliases.

    Validators are built on first use (``defer_build``): building them for every model costs
    tens of milliseconds, and a command whose games were validated in an earlier process reads
    them validated from the cache (gamelang/parsedcache.py) and never validates.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


# ------------------------------------------------------------------ templates

class TemplateRef(Model):
    """A reference to a template declared with `template NAME ...`."""

    template: Name


class TemplateFile(Model):
    """A template read from a file beside the game file."""

    file: str


#: Inline Jinja2 text, a named template, or a template file.
Template = Union[str, TemplateRef, TemplateFile]


# ------------------------------------------------------------------ declarations

class Header(Model):
    """`game NAME { version ... description ... }`."""

    name: Name
    version: Union[int, str] = 1
    description: str = ""
    languages: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    #: the state every episode begins in, when not the game's first own state (an imported one)
    start: Optional[Name] = None


class Import(Model):
    """`import "file"` (every importable declaration of the file) or `import a, b from "file"` (those)."""

    file: str
    names: Optional[list[Name]] = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"file": value} if isinstance(value, str) else value


class FieldDecl(Model):
    """A typed instance field with an optional default."""

    type: TypeExpr
    default: Optional[Expression] = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"type": value} if isinstance(value, str) else value


class InstancesDecl(Model):
    """Where instances come from: a JSONL or JSON file, grouped into experiments by a field."""

    file: str
    by: Optional[Name] = None
    id: Optional[Name] = None


class Role(Model):
    """A player's role: its system prompt, first message and optional persona field."""

    system: Optional[Template] = None
    intro: Optional[Template] = None
    persona: Optional[Name] = None
    description: str = ""


class Const(Model):
    """A constant: a value computed when the game is compiled, or read from a file."""

    type: TypeExpr
    value: Optional[Expression] = None
    file: Optional[str] = None

    @model_validator(mode="after")
    def _one_source(self) -> "Const":
        if (self.value is None) == (self.file is None):
            raise ValueError("a constant needs exactly one of `value` and `file`")
        return self


class Var(Model):
    """A typed game variable with its initial value."""

    type: TypeExpr
    init: Expression


class ToolArg(Model):
    """A typed argument of a tool; optional ones may be left out of a call."""

    type: TypeExpr
    optional: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"type": value} if isinstance(value, str) else value


class Tool(Model):
    """`tool NAME(arg: T, opt?: T) "description"`: a function a role may call (a tool move parses the call)."""

    description: str = ""
    args: dict[Name, ToolArg] = Field(default_factory=dict)


def _all_tools(value: Any) -> Any:
    """YAML `tool: all` offers every declared tool, as `tool` with no list does in a .game file."""
    return [] if value == "all" else value


#: The most items a list move (`each`) may parse from one reply.
MAX_EACH = 1000
#: The count bounds of a list move that gives none.
DEFAULT_EACH_COUNT = (1, 100)


def _count_shorthand(value: Any) -> Any:
    """`count: 3` means exactly three items."""
    return [value, value] if isinstance(value, int) and not isinstance(value, bool) else value


class Move(Model):
    """How a role's reply becomes a move: a regex, a choice list, or a JSON object; with ``each``, a
    list of such records: every match of the regex, every line, or every item of a JSON array."""

    by: Name
    regex: Optional[str] = None
    flags: Annotated[str, StringConstraints(pattern=r"^[ism]*$")] = ""
    types: dict[Name, TypeExpr] = Field(default_factory=dict)
    choice: Optional[list[str]] = None
    json_fields: Optional[dict[Name, TypeExpr]] = Field(None, alias="json")
    tool: Annotated[Optional[list[Name]], BeforeValidator(_all_tools)] = None  # [] offers every tool
    each: Optional[Literal["match", "line", "item"]] = None
    count: Annotated[Optional[tuple[int, int]], BeforeValidator(_count_shorthand)] = None

    @model_validator(mode="after")
    def _one_parser(self) -> "Move":
        kinds = [k for k in ("regex", "choice", "json_fields", "tool") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a move needs exactly one of `regex`, `choice`, `json` and `tool`")
        if (self.flags or self.types) and self.regex is None:
            raise ValueError("`flags` and `types` apply to regex moves only")
        if self.choice is not None and not self.choice:
            raise ValueError("a choice move needs at least one option")
        if self.count is not None and self.each is None:
            raise ValueError("`count` applies to list moves (`each match|line|item`) only")
        if self.count is not None and self.count[0] > self.count[1]:
            raise ValueError(f"`count {self.count[0]} to {self.count[1]}`: the least is more than the most")
        if self.count is not None and not (0 <= self.count[0] and 1 <= self.count[1] <= MAX_EACH):
            raise ValueError(f"`count` must be at most {MAX_EACH} (and the most at least 1)")
        needs = {"match": ("regex",), "line": ("regex", "choice"), "item": ("json", "tool")}
        if self.each is not None and self.kind not in needs[self.each]:
            raise ValueError(f"`each {self.each}` takes a {' or '.join(needs[self.each])} move, not {self.kind}")
        return self

    @property
    def bounds(self) -> tuple[int, int]:
        """(least, most) items of a list move."""
        return self.count or DEFAULT_EACH_COUNT

    @property
    def kind(self) -> str:
        """'regex', 'choice', 'json' or 'tool'."""
        if self.tool is not None:
            return "tool"
        return "regex" if self.regex is not None else "choice" if self.choice is not None else "json"


# ------------------------------------------------------------------ failures and statements

def _failure_shorthand(value: Any) -> Any:
    """`else: abort` in YAML means `else: {abort: null}`."""
    return {value: None} if value in ("abort", "lose") else value


def _key_of(keys: tuple[str, ...]):
    def pick(value: Any) -> str | None:
        if isinstance(value, dict):
            return next((k for k in keys if k in value), None)
        return next((k for k in keys if getattr(type(value), "KEY", None) == k), None)
    return pick


class AbortFailure(Model):
    """End the episode as aborted (the player broke the format)."""

    KEY: ClassVar[str] = "abort"
    abort: Optional[str] = None

    @property
    def reason(self) -> Optional[str]:
        """The reason given (a template), as for every ending failure."""
        return self.abort


class LoseFailure(Model):
    """End the episode as lost."""

    KEY: ClassVar[str] = "lose"
    lose: Optional[str] = None

    @property
    def reason(self) -> Optional[str]:
        """The reason given (a template), as for every ending failure."""
        return self.lose


#: `abort "reason"` or `lose "reason"`.
EndFailure = Annotated[
    Union[Annotated[AbortFailure, Tag("abort")], Annotated[LoseFailure, Tag("lose")]],
    Discriminator(_key_of(("abort", "lose")), custom_error_type="invalid_failure",
                  custom_error_message="expected `abort` or `lose`"),
    BeforeValidator(_failure_shorthand),
]


class GotoFailure(Model):
    """A failure that is not fatal: the game goes on in another state (the move keeps its old value)."""

    KEY: ClassVar[str] = "goto"
    goto: Name


class Reprompt(Model):
    """Ask the same role again with a message, at most ``reprompt`` times, then give up."""

    KEY: ClassVar[str] = "reprompt"
    reprompt: Annotated[int, Field(ge=1, le=20)]
    message: Template
    then: Optional[EndFailure] = None


#: What happens when a parse or check fails.
Failure = Annotated[
    Union[Annotated[AbortFailure, Tag("abort")], Annotated[LoseFailure, Tag("lose")],
          Annotated[Reprompt, Tag("reprompt")], Annotated[GotoFailure, Tag("goto")]],
    Discriminator(_key_of(("abort", "lose", "reprompt", "goto")), custom_error_type="invalid_failure",
                  custom_error_message="expected `abort`, `lose`, `reprompt` or `goto` after `else`"),
    BeforeValidator(_failure_shorthand),
]


class Ask(Model):
    """Ask a role for a reply, optionally sending it a message first. A probe (`probe ROLE MESSAGE`)
    is an ask whose exchange stays out of the role's later history (it is still in the record)."""

    ask: Name
    message: Optional[Template] = None
    probe: bool = False


class Parse(Model):
    """Parse the last reply as a move; on failure abort (default), lose, or reprompt."""

    parse: Name
    otherwise: Optional[Failure] = Field(None, alias="else")


class Check(Model):
    """Check a rule; on failure abort (default), lose, or reprompt."""

    check: Expression
    otherwise: Optional[Failure] = Field(None, alias="else")


class SetVar(Model):
    """Assign a new value to a variable."""

    var: Name = Field(alias="set")
    to: Expression


class Tell(Model):
    """Send a role a message (it is merged with other messages until the role is asked)."""

    tell: Name
    message: Template


class Result(Model):
    """Send the result of the tool call parsed by a tool move back to its role, as a tool message."""

    result: Name
    message: Template


class Reward(Model):
    """Give a partial reward, to a role (default: the role asked last); with ``once``, a key that pays
    at most once per episode."""

    reward: Expression
    to: Optional[Name] = None
    once: Optional[Expression] = None


class Goto(Model):
    """Move to another state."""

    goto: Name


class End(Model):
    """End the episode with an outcome and an optional reason."""

    end: Literal["win", "lose", "abort"]
    reason: Optional[str] = None


class If(Model):
    """Run ``then`` if the condition holds, else ``else``."""

    cond: Expression = Field(alias="if")
    then: list["Statement"]
    otherwise: list["Statement"] = Field(default_factory=list, alias="else")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        # YAML may say `{if: cond, goto: x}` or `{if: cond, end: win, reason: ...}` for one branch
        if isinstance(value, dict) and "then" not in value:
            branch = {k: v for k, v in value.items() if k in ("goto", "end", "reason")}
            if branch:
                rest = {k: v for k, v in value.items() if k not in branch}
                return {**rest, "then": [branch]}
        return value


class ForEach(Model):
    """Run the statements once for each item of a list, with the item bound to a name."""

    var: Name = Field(alias="for")
    items: Expression = Field(alias="in")
    body: list["Statement"] = Field(alias="do")


#: Every statement kind: its keyword (its YAML key, and its tag in the union) and its model.
#: What each pass does with a kind is declared in gamelang/lang/statements.py.
STATEMENT_MODELS: dict[str, type[Model]] = {
    "ask": Ask, "parse": Parse, "check": Check, "set": SetVar, "tell": Tell, "result": Result, "reward": Reward,
    "goto": Goto, "end": End, "if": If, "for": ForEach,
}
STATEMENT_KEYS = tuple(STATEMENT_MODELS)
_KEY_OF_MODEL = {model: key for key, model in STATEMENT_MODELS.items()}

Statement = Annotated[
    Union[tuple(Annotated[model, Tag(key)] for key, model in STATEMENT_MODELS.items())],  # type: ignore[valid-type]
    Discriminator(lambda v: _statement_kind(v), custom_error_type="invalid_statement",
                  custom_error_message="a statement is one of: " + ", ".join(STATEMENT_KEYS)),
]


def statement_key(model: type) -> str:
    """The keyword of a statement model (`ask`, `set`, `if`, ...)."""
    return _KEY_OF_MODEL[model]


def _statement_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        if "if" in value:  # `{if: cond, goto: x}` is an if, not a goto
            return "if"
        return next((k for k in STATEMENT_KEYS if k in value), None)
    return _KEY_OF_MODEL.get(type(value))


# `If` and `ForEach` hold statements, named before `Statement` was defined: pydantic resolves the
# name from this module when it first builds their validators (defer_build: on first use, which
# a command whose game was validated in an earlier process never reaches; parsedcache.py).


class Score(Model):
    """How an episode is scored when it ends."""

    main: Optional[Expression] = None
    reward: Optional[Expression] = None
    metrics: dict[Name, Expression] = Field(default_factory=dict)


class Player(Model):
    """A scripted reference player for one role: a reply template rendered with full knowledge."""

    role: Name = Field(alias="for")
    reply: Template


class Limits(Model):
    """Global bounds that make every episode end."""

    requests: Optional[Annotated[int, Field(ge=1, le=100_000)]] = None
    steps: Optional[Annotated[int, Field(ge=1, le=1_000_000)]] = None
    reply_chars: Optional[Annotated[int, Field(ge=1, le=1_000_000)]] = None
    reply_tokens: Optional[Annotated[int, Field(ge=1, le=100_000)]] = None
    on_limit: Optional[EndFailure] = None


class GameSpec(Model):
    """A whole game."""

    game: Header
    imports: list[Import] = Field(default_factory=list)
    use: list[Name] = Field(default_factory=list)  # the function libraries the game opens
    instance: dict[Name, FieldDecl] = Field(default_factory=dict)
    instances: Optional[InstancesDecl] = None
    experiments: dict[Name, dict[Name, Expression]] = Field(default_factory=dict)
    roles: dict[Name, Role] = Field(default_factory=dict)
    templates: dict[Name, Template] = Field(default_factory=dict)
    consts: dict[Name, Const] = Field(default_factory=dict)
    vars: dict[Name, Var] = Field(default_factory=dict)
    moves: dict[Name, Move] = Field(default_factory=dict)
    tools: dict[Name, Tool] = Field(default_factory=dict)
    states: dict[Name, list[Statement]] = Field(default_factory=dict)
    score: Score = Field(default_factory=Score)
    players: dict[Name, Player] = Field(default_factory=dict)
    limits: Limits = Field(default_factory=Limits)

    @property
    def name(self) -> str:
        """The game's registry name."""
        return self.game.name

    @property
    def start_state(self) -> str | None:
        """Where every episode begins: the state the header names (`start NAME`), else the first
        state declared (the game's own come before imported ones: see lang/imports.py)."""
        return self.game.start or next(iter(self.states), None)


#: Sections whose keys are names chosen by the author (used when pruning invalid entries).
NAMED_SECTIONS = ("instance", "experiments", "roles", "templates", "consts", "vars", "moves", "tools", "states",
                  "players")
