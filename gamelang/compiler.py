"""Compiling a game file: load, check, build the machine. The one entry point tools use."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .builder import MachineBuilder
from .lang.checks import check
from .lang.diagnostics import Diagnostic, render_text
from .lang.loader import LoadedSpec, load_spec, report_too_deep
from .lang.source import confined_path
from .machine import Machine


@dataclass
class CompileResult:
    """The outcome of compiling one file."""

    loaded: LoadedSpec
    machine: Machine | None

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """All diagnostics, sorted by position."""
        return self.loaded.diags.sorted()

    @property
    def ok(self) -> bool:
        """Whether the game compiled (warnings allowed)."""
        return self.machine is not None

    def sources(self) -> dict[str, str]:
        """Source texts by display path, for rendering diagnostics."""
        out = {self.loaded.display: self.loaded.source.text if self.loaded.source else ""}
        out.update({shown: f.source.text for shown, f in self.loaded.imports.items()})
        base = Path(self.loaded.display).parent
        for d in self.diagnostics:
            if d.path not in out:
                try:
                    # confined like every file a game names (OutsideFolder is a ValueError); a file
                    # of an imported declaration may lie in a game folder beside this one
                    rel = os.path.relpath(d.path, base)
                    file = confined_path(self.loaded.base_dir, rel, self.loaded.base_dir.parent)
                    out[d.path] = file.read_text(encoding="utf-8")
                except (OSError, ValueError, UnicodeDecodeError):
                    out[d.path] = ""
        return out

    def render(self) -> str:
        """The diagnostics as text, with source lines and carets."""
        return render_text(self.diagnostics, self.sources())


def compile_file(path: Path, display: str | None = None) -> CompileResult:
    """Compile a game file. Raises OSError only if the file cannot be opened."""
    loaded = load_spec(path, display)
    return compile_loaded(loaded)


def compile_loaded(loaded: LoadedSpec) -> CompileResult:
    """Check a loaded spec and, if it has no errors, build its machine."""
    try:
        analysis = check(loaded)
        if analysis is None or loaded.diags.has_errors:
            return CompileResult(loaded, None)
        hashed = content_hash(loaded, analysis.files, analysis.instances_file)
        return CompileResult(loaded, MachineBuilder(loaded, analysis, hashed).build())
    except RecursionError:  # a net under the parser's own nesting limit (GL0040 where it is)
        report_too_deep(loaded.source.text if loaded.source else "", loaded.display, loaded.diags)
        return CompileResult(loaded, None)


def content_hash(loaded: LoadedSpec, files: dict[str, str], instances_file: Path | None = None) -> str:
    """A hash of everything that defines the game: its text, the files it reads, its instances."""
    h = hashlib.sha256()
    h.update((loaded.source.text if loaded.source else "").encode())
    for shown in sorted(loaded.imports):  # the files it imported declarations from
        h.update(shown.rsplit("/", 1)[-1].encode())
        h.update(loaded.imports[shown].source.text.encode())
    for name in sorted(files):
        h.update(name.rsplit("/", 1)[-1].encode())
        h.update(files[name].encode())
    if instances_file is not None:  # resolved and confined to the game's folder by the checker
        try:
            h.update(instances_file.read_bytes())
        except OSError:
            pass
    return h.hexdigest()[:16]
