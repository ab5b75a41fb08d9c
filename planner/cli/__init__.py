"""The `dcplan` command line: plan, sweep, validate, explain, report, init, schema, catalog,
compare. Each command lives in the module of its kind; heavy imports wait until a command
runs, so bad input is refused in well under a second.

Exit codes: 0 plan found (or input valid); 2 bad input; 3 infeasible (explained);
4 no solution within the time limit; 1 anything else (a bug: please report it).
"""

from __future__ import annotations

import typer

from planner.cli.common import EXIT_BUG, EXIT_INFEASIBLE, EXIT_INPUT, EXIT_NO_SOLUTION, EXIT_OK
from planner.cli.files import init, report
from planner.cli.inspect import catalog_command, compare, explain, schema, validate
from planner.cli.planning import plan_command
from planner.cli.sweeping import sweep

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Capacity planner for converting bitcoin-mining sites into AI/HPC datacenters.",
)
app.command("plan")(plan_command)
app.command("sweep")(sweep)
app.command("validate")(validate)
app.command("explain")(explain)
app.command("report")(report)
app.command("init")(init)
app.command("schema")(schema)
app.command("catalog")(catalog_command)
app.command("compare")(compare)

__all__ = ["EXIT_BUG", "EXIT_INFEASIBLE", "EXIT_INPUT", "EXIT_NO_SOLUTION", "EXIT_OK", "app"]
