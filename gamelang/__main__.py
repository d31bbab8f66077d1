"""`python -m gamelang` runs the command line."""

from .cli import main

main()
