"""Finding games by name: games/NAME/NAME.game (or .game.yaml) in the known game folders."""

from __future__ import annotations

import os
from pathlib import Path

from .lang.diagnostics import did_you_mean

_PACKAGE = Path(__file__).resolve().parent


class GameNotFound(Exception):
    """Neither a file nor the name of a known game."""


def game_dirs() -> list[Path]:
    """Folders searched for games: $GAMELANG_GAMES, ./games, the project's games/, the installed copy."""
    dirs = [Path(p) for p in os.environ.get("GAMELANG_GAMES", "").split(os.pathsep) if p]
    dirs += [Path.cwd() / "games", _PACKAGE.parent / "games", _PACKAGE / "_games"]
    seen: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [s.resolve() for s in seen]:
            seen.append(d)
    return seen


def _candidates(folder: Path, name: str) -> list[Path]:
    return [folder / name / f"{name}.game", folder / name / f"{name}.game.yaml", folder / f"{name}.game",
            folder / f"{name}.game.yaml"]


def list_games() -> dict[str, Path]:
    """Every game found, by name (the first folder that has a name wins)."""
    found: dict[str, Path] = {}
    for d in game_dirs():
        for sub in sorted(d.iterdir()):
            for cand in _candidates(d, sub.name) + _candidates(d, sub.name.split(".")[0]):
                if cand.is_file():
                    found.setdefault(cand.name.split(".")[0], cand)
                    break
    return found


def resolve_game(ref: str) -> Path:
    """A game file path from a path or a game name; raise GameNotFound with a hint otherwise."""
    path = Path(ref)
    if path.is_file():
        return path
    if path.is_dir():
        for cand in _candidates(path.parent, path.name):
            if cand.is_file():
                return cand
    for d in game_dirs():
        for cand in _candidates(d, ref):
            if cand.is_file():
                return cand
    known = list_games()
    hint = did_you_mean(ref, known)
    listing = ", ".join(sorted(known)) or "none"
    raise GameNotFound(f"no game file or game named '{ref}'" + (f"; {hint}" if hint else f" (known games: {listing})"))


def is_game_folder(path: Path) -> bool:
    """Whether ``path`` is one game's folder (games/taboo holding taboo.game), not a folder of games."""
    return path.is_dir() and any(c.is_file() for c in _candidates(path.parent, path.name))


def game_files_under(folder: Path) -> list[Path]:
    """The game files under a folder, one per game: NAME.game where NAME.game.yaml is its twin."""
    files = [p for p in sorted(folder.rglob("*"))
             if p.is_file() and p.name.endswith((".game", ".game.yaml", ".game.yml"))]
    stems = {(p.parent, p.name) for p in files}
    return [p for p in files if p.name.endswith(".game")
            or (p.parent, p.name.split(".game.")[0] + ".game") not in stems]
