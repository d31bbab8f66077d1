"""`gamelang validate`: compile game files (and their instances) and collect every problem.

With ``use_cache``, a game whose files are all unchanged since an earlier clean validation is
reported from :mod:`gamelang.compilecache` without compiling it (the compiler is then not even
imported).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import compilecache
from .lang.diagnostics import Diagnostic, SourcePos, did_you_mean, render_json, render_text

if TYPE_CHECKING:
    from .compiler import CompileResult

#: At most this many bad instances are reported per game.
MAX_INSTANCE_PROBLEMS = 20


@dataclass
class FileReport:
    """The diagnostics of one game file (and of its instance file)."""

    display: str
    result: CompileResult | None  # None when the report came from the cache
    diagnostics: list[Diagnostic]
    sources: dict[str, str]

    @property
    def errors(self) -> int:
        return sum(d.is_error for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(not d.is_error for d in self.diagnostics)

    def summary(self) -> str:
        if not self.diagnostics:
            return f"{self.display}: ok"
        parts = []
        if self.errors:
            parts.append(f"{self.errors} error{'s' * (self.errors != 1)}")
        if self.warnings:
            parts.append(f"{self.warnings} warning{'s' * (self.warnings != 1)}")
        status = "ok, " if not self.errors else ""
        return f"{self.display}: {status}{', '.join(parts)}"


@dataclass
class ValidationOutcome:
    """Everything `validate` found, and the exit code it implies."""

    reports: list[FileReport] = field(default_factory=list)
    usage_problems: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.usage_problems:
            return 2
        return 1 if any(r.errors for r in self.reports) else 0

    def render_text(self) -> str:
        blocks = []
        for r in self.reports:
            if r.diagnostics:
                blocks.append(render_text(r.diagnostics, r.sources))
            blocks.append(r.summary())
        return "\n".join(blocks)

    def render_json(self) -> str:
        return render_json([d for r in self.reports for d in r.diagnostics])


def _game_files(path: Path) -> list[Path]:
    if path.is_dir():
        return [p for p in sorted(path.rglob("*")) if p.is_file()
                and p.name.endswith((".game", ".game.yaml", ".game.yml"))]
    return [path]


def validate_paths(paths: list[Path], check_instances: bool = True, use_cache: bool = False) -> ValidationOutcome:
    """Validate files and folders; unreadable paths become usage problems (exit code 2).

    ``use_cache``: report a game unchanged since a clean validation from :mod:`gamelang.compilecache`
    (and store clean results there). Off by default: a program that validates games it writes
    itself gains nothing from it, and the command line turns it on.
    """
    outcome = ValidationOutcome()
    for path in paths:
        if not path.exists():
            outcome.usage_problems.append(f"no such file or folder: {path}")
            continue
        files = _game_files(path)
        if not files:
            outcome.usage_problems.append(f"no game files (*.game, *.game.yaml) under {path}")
        for file in files:
            report = validate_file(file, check_instances, use_cache)
            if isinstance(report, str):
                outcome.usage_problems.append(report)
            else:
                outcome.reports.append(report)
    return outcome


def validate_file(file: Path, check_instances: bool = True, use_cache: bool = False) -> FileReport | str:
    """The report of one game file, or a usage problem (the file cannot be read)."""
    display = str(file)
    variant = "instances" if check_instances else "no-instances"
    if use_cache:
        cached = compilecache.lookup(file, display, variant)
        if cached is not None:
            return FileReport(display, None, cached.diagnostics, cached.sources)
    from .compiler import compile_file

    with compilecache.recording() as opened:
        try:
            result = compile_file(file, display)
        except OSError as err:
            return f"cannot read {file}: {err.strerror or err}"
        diagnostics = list(result.diagnostics)
        sources = result.sources()
        if check_instances and result.machine is not None:
            diagnostics += _instance_diagnostics(result, sources)
    if use_cache:
        compilecache.store(file, display, variant, opened, diagnostics, sources)
    return FileReport(display, result, diagnostics, sources)


def _instance_diagnostics(result: CompileResult, sources: dict[str, str]) -> list[Diagnostic]:
    from .instances import InstanceError, load_instances

    machine = result.machine
    assert machine is not None
    if machine.instance_source is None:
        return []
    try:
        instances = load_instances(machine)
    except InstanceError as err:
        display = str(Path(result.loaded.display).parent / err.file.name)
        try:
            sources[display] = err.file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            sources[display] = ""
        return [Diagnostic(display, SourcePos(max(line, 1), 1), "GL0037", message)
                for line, message in err.problems[:MAX_INSTANCE_PROBLEMS]]
    return _experiment_diagnostics(result, {i.experiment for i in instances})


def _experiment_diagnostics(result: CompileResult, groups: set[str]) -> list[Diagnostic]:
    """A warning for each declared experiment that no instance belongs to (it would play nothing)."""
    loaded = result.loaded
    spec = loaded.spec
    assert spec is not None
    out = []
    for name in spec.experiments:
        if name not in groups:
            by = spec.instances.by if spec.instances is not None else None
            what = f"no instance has {by} '{name}'" if by else "the instances are not grouped (no `by FIELD`)"
            shown = ", ".join(sorted(groups)) or "none"
            out.append(Diagnostic(loaded.display, loaded.smap.key(("experiments", name)), "GL0039",
                                  f"experiment '{name}' matches no instance: {what} (groups: {shown})",
                                  did_you_mean(name, groups) or "name the experiment after a group of the instances"))
    return out
