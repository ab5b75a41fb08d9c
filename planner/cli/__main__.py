"""python -m planner.cli: the dcplan command line."""

from planner.cli import app

app()
