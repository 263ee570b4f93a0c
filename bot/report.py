"""Printing a matching plan for operators (``binome match``)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from mentoring.matching.batch import Assignment

BUCKETS = ((0.8, "≥ 0.8"), (0.6, "0.6–0.8"), (0.4, "0.4–0.6"), (0.0, "< 0.4"))


def print_plan(plan: Assignment, waiting: int, volunteers: int, made: int | None) -> None:
    table = Table(title="Matching of the waiting list" + (" (dry run)" if made is None else ""))
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("students waiting", str(waiting))
    table.add_row("volunteers with room", str(volunteers))
    table.add_row("students matched", str(plan.matched))
    mean = plan.total_score / plan.matched if plan.matched else 0.0
    table.add_row("mean score", f"{mean:.3f}")
    scores = [value for _s, _v, value in plan.pairs]
    lower = 1.01
    for floor, label in BUCKETS:
        table.add_row(f"  score {label}", str(sum(floor <= s < lower for s in scores)))
        lower = floor
    table.add_row("objective / proven bound", f"{100 * plan.ratio:.2f}%")
    table.add_row("solver rounds, seconds", f"{plan.rounds}, {plan.seconds:.1f}")
    if made is not None:
        table.add_row("proposals sent", str(made))
    Console().print(table)
