"""Running games: the interpreter, the scheduler and run folders."""
