"""gamelang: dialogue games for language models, written as declarative .game files."""

__version__ = "0.1.0"
