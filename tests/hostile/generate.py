"""Hostile inputs for gamelang, generated (so the repository stays small) and deterministic.

* :func:`hostile_replies`: what a model, a server or a replay file may send back: encoding traps
  (lone surrogates, NUL, bidi overrides), terminal escapes, rich markup, Jinja and format syntax,
  huge and deeply nested JSON, catastrophic-regex inputs, path names, and mixtures of them with
  the prefixes the shipped games expect (so that they reach the parsers, not only the format check).
* :func:`hostile_games`: game files that try to read outside their folder, to exhaust the
  compiler or a template, or that are mangled versions of a valid game.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

# the pieces replies are made of
ATOMS = [
    "\ud800", "\udfff", "a\ud83d", "\ude00b", "\x00", "\x1b[31mRED\x1b[0m", "\x1b]0;pwned\x07", "\x1b]8;;http://e\x1b\\x",
    "\x1b[2J\x1b[H", "\x9b1m", "\r", "\r\n", "\u202e", "\u2066", "\u200b", "\ufeff", "\ufffd", "e\u0301" * 50,
    "[/x]", "[bold red]", "[link=file:///etc/passwd]x[/link]", "[/]", "{{ 7 * 7 }}", "{% for i in range(10**9) %}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}", "%s%n%x", "{0.__class__}", "{:>1000000000}", "$(rm -rf ~)",
    "../../etc/passwd", "/proc/self/environ", "\\u0000", "🙂" * 20, "null", "true", "-0", "NaN", "1e999",
    "<script>alert(1)</script>", "</textarea>", "&amp;&#0;", "\t" * 50, "\n" * 50, "a" * 5000 + "!",
]
PREFIXES = ["", "CLUE: ", "GUESS: ", "Expression: ", "Answer: ", "explanation: x guess: ", "```json\n"]


def _json_bombs() -> list[str]:
    return [
        '{"n": ' + "9" * 5000 + "}",
        '{"n": ' + "[" * 50_000 + "]" * 50_000 + "}",
        '{"n": ' + "[" * 500 + "]" * 500 + "}",
        '{"name": "x", "arguments": {"k": "' + "v" * 300_000 + '"}}',
        '{"[/x]": "\\u001b[31m", "a": "\\ud800"}',
        '{"n": 1e999, "m": NaN, "o": -Infinity}',
        "{" * 100_000,
        '{"a": 1, "a": 2, "__proto__": {}}',
    ]


def hostile_replies(n: int = 400, seed: int = 15) -> list[str]:
    """``n`` hostile replies: every atom alone and with each prefix, JSON bombs, huge texts, mixtures."""
    rng = random.Random(seed)
    out: list[str] = []
    for atom in ATOMS:
        out.append(atom)
        out.append(rng.choice(PREFIXES[1:]) + atom)
    out += _json_bombs()
    out += ["x" * 1_000_000, "CLUE: " + "y" * 1_000_000, "GUESS: " + "\ud800" * 100_000, "\x1b" * 200_000,
            "[" * 100_000, "(" * 100_000 + ")" * 100_000, "CLUE: " + "a" * 30_000 + "\n" * 30_000]
    while len(out) < n:
        parts = [rng.choice(ATOMS) for _ in range(rng.randint(1, 6))]
        out.append(rng.choice(PREFIXES) + "".join(parts) + rng.choice(["", " word", "\nGUESS: winter", " ```"]))
    return out[:n]


def dump_replies(replies: list[str]) -> str:
    """A replay JSON file holding ``replies`` (lone surrogates become \\ud800 escapes, as a server sends them)."""
    return json.dumps(replies)


@dataclass
class HostileGame:
    """One generated game: its file name and text, and files to put beside it (name -> text)."""

    name: str
    text: str
    files: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # name -> target (outside paths are made absolute)
    raw: bytes | None = None  # for files that are not UTF-8


BASE = '''game g {{ version 1 }}
instance {{ word: str = "apple" }}
{decls}
role a {{ intro {intro} }}
move m by a = regex /^SAY: (?P<text>.+)$/
state s {{
  ask a {ask}
  parse m else abort "no SAY"
  {body}
  end lose
}}
'''

TEMPLATE_BOMBS = [
    "{{ ((((10**64)**64)**64)**64)**64 }}", "{{ '%1000000000s'|format('x') }}", "{{ ['a','b']|join('x' * 199999) }}",
    "{{ 'x'.center(10**9) }}", "{{ '{:>1000000000}'.format('x') }}", "{{ 'x' * 10**9 }}",
    "{% for a in range(20000) %}{% for b in range(20000) %}{% endfor %}{% endfor %}",
    "{{ ''.__class__.__mro__ }}", "{{ lipsum(10**9) }}", "{{ cycler }}", "{{ self }}", "{{ range(10**9) }}",
    "{% set s = 'y' * 150000 %}{{ s ~ s ~ s }}", "{{ (1).to_bytes(10**9, 'big') }}",
    "{% set s %}{% for i in range(20000) %}{{ 'y' * 1000 }}{% endfor %}{% endset %}{{ s|length }}",
    "{{ ('a' * 1000)|indent(10**6) }}", "{{ [1]|batch(10**9, 0)|list }}", "{{ word.__class__ }}",
    "{{ config }}", "{{ request }}", "{% include '/etc/passwd' %}", "{% import 'os' as os %}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "{{ word|attr('__class__') }}",
]


def hostile_games(secret_dir: str) -> list[HostileGame]:
    """About a hundred hostile games; ``secret_dir`` is a folder outside theirs that they try to read."""
    games: list[HostileGame] = []

    def add(name: str, *, decls: str = "", intro: str = '"hi"', ask: str = '"go"', body: str = "",
            files: dict[str, str] | None = None, links: dict[str, str] | None = None) -> None:
        games.append(HostileGame(f"{name}.game", BASE.format(decls=decls, intro=intro, ask=ask, body=body),
                                 files or {}, links or {}))

    # 1. files out of the folder: every kind of file, every way out
    for kind, ext in (("template", "j2"), ("const", "txt"), ("json", "json"), ("instances", "jsonl")):
        for way, ref in (("abs", f"{secret_dir}/secret.{ext}"), ("dotdot", f"../outside/secret.{ext}"),
                         ("deep-dotdot", f"a/b/../../../outside/secret.{ext}"), ("link", f"link.{ext}"),
                         ("dirlink", f"outdir/secret.{ext}"), ("proc", "/proc/self/environ"),
                         ("etc", "/etc/passwd"), ("home", "~/.ssh/id_rsa"), ("empty", ""), ("dot", ".")):
            links = {f"link.{ext}": f"{secret_dir}/secret.{ext}", "outdir": secret_dir}
            if kind == "template":
                add(f"out-{kind}-{way}", intro=f'file "{ref}"', links=links)
            elif kind == "const":
                add(f"out-{kind}-{way}", decls=f'const c: list[str] from "{ref}"', ask='"{{ c }}"', links=links)
            elif kind == "json":
                add(f"out-{kind}-{way}", decls=f'const c: map[str, str] from "{ref}"', ask='"{{ c }}"', links=links)
            else:
                add(f"out-{kind}-{way}", decls=f'instances "{ref}"', links=links)
    # 2. template bombs, in the intro (rendered at the start of every episode)
    for i, bomb in enumerate(TEMPLATE_BOMBS):
        add(f"template-bomb-{i}", intro=json.dumps(bomb))
    # 3. deep nesting and huge numbers in expressions
    add("deep-not", decls="const c: bool = " + "not " * 10_000 + "true")
    add("deep-plus", decls="const c: int = " + "1 + " * 50_000 + "1")
    add("deep-if", body="if true { " * 3000 + "end win" + " }" * 3000)
    add("deep-list", decls="const c: list[int] = " + "[" * 100_000 + "]" * 100_000)
    add("deep-type", decls="var c: " + "list[" * 3000 + "int" + "]" * 3000 + " = []")
    add("huge-pow", decls="var c: int = 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 "
                          "* 10 * 10 * 10 * 10", body="set c = c * c * c * c")
    add("huge-int-literal", decls="const c: int = " + "9" * 5000)
    add("huge-text", decls='const c: str = "' + "x" * 900_000 + '"')
    add("huge-instance-number", decls='instances "i.jsonl"', files={"i.jsonl": '{"word": "a", "n": ' + "9" * 5000 + "}\n"})
    add("deep-instance", decls='instances "i.jsonl"', files={"i.jsonl": '{"word": ' + "[" * 100_000 + "]" * 100_000 + "}\n"})
    add("deep-json-const", decls='const c: list[int] from "c.json"', files={"c.json": "[" * 100_000 + "]" * 100_000})
    # 4. regexes and moves
    for i, rx in enumerate([r"(a+)+$", r"(a|a)*b", r"(?P<x>a)\1", r"(?<=a)b", r"(?=a)", "[", r"(?P<x>", "a{1000000}"]):
        games.append(HostileGame(f"regex-{i}.game", BASE.format(decls="", intro='"hi"', ask='"go"', body="")
                                 .replace(r"/^SAY: (?P<text>.+)$/", f"/{rx}/")))
    # 5. encodings and malformed files
    games.append(HostileGame("nul.game", "", raw=b"game g { version 1 }\x00\n"))
    games.append(HostileGame("latin1.game", "", raw="game g { version 1 } # caf\xe9\n".encode("latin-1")))
    games.append(HostileGame("surrogate-escape.game", "", raw=b"game g { version 1 }\n\xed\xa0\x80\n"))
    games.append(HostileGame("bom.game", "\ufeff" + BASE.format(decls="", intro='"hi"', ask='"go"', body="")))
    games.append(HostileGame("escapes.game", BASE.format(decls="", intro='"\x1b]0;pwned\x07 [/x]"', ask='"go"',
                                                         body="goto nowhere\x1b[2J")))
    games.append(HostileGame("yaml-bomb.game.yaml",
                             'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
                             'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n'
                             'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n'
                             'g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n'))
    games.append(HostileGame("yaml-deep.game.yaml", "game: {name: g, version: 1}\nstates:\n  s:\n"
                             + "".join("  " * i + "- if: true\n" + "  " * i + "  then:\n" for i in range(400))))
    games.append(HostileGame("yaml-python-tag.game.yaml", "game: !!python/object/apply:os.system ['echo pwned']\n"))
    # 6. mangled versions of a valid game: truncated, and with random bytes changed
    valid = BASE.format(decls="var n: int = 0", intro='"Say {{ word }}"', ask='"go {{ n }}"',
                        body="set n = n + 1\n  if m.text == word end win")
    rng = random.Random(15)
    for i in range(10):
        games.append(HostileGame(f"truncated-{i}.game", valid[: rng.randint(1, len(valid) - 1)]))
    for i in range(10):
        chars = list(valid)
        for _ in range(rng.randint(1, 8)):
            chars[rng.randrange(len(chars))] = rng.choice('{}()[]"\'/\\\n %#|~*`$\x00\u202e')
        games.append(HostileGame(f"mangled-{i}.game", "".join(chars)))
    return games


def secret_files() -> dict[str, str]:
    """The files outside every game's folder that games try to read: each holds :data:`SECRET`."""
    return {"secret.txt": SECRET + "\n", "secret.j2": SECRET, "secret.json": json.dumps({"k": SECRET}),
            "secret.jsonl": json.dumps({"word": SECRET}) + "\n"}


SECRET = "HOSTILE-SECRET-0f5b"
