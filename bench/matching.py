"""Matching benchmark: the global assignment of a waiting list next to the greedy baseline,
an exact optimum to check the proven bound, and the instant search for one student.

    .venv/bin/python bench/matching.py                      # everything (a few minutes)
    .venv/bin/python bench/matching.py --task assign --volunteers 25000
    .venv/bin/python bench/matching.py --json results.json

Populations come from :func:`mentoring.population.generate` (seeded). Each measurement runs
in a fresh child process, so the peak memory it reports (``ru_maxrss``, which includes the
generated population) is its own. Times exclude generating the population.

- ``assign`` and ``greedy``: ``--students`` waiting students and ``--volunteers`` volunteers
  with all their places free, and ``--excluded`` random (student, volunteer) pairs excluded
  (past declines). The ratio of greedy is to the bound proven by ``assign``.
- ``exact``: a smaller instance (``--exact-students``, ``--exact-volunteers``) solved exactly
  on its full graph (every eligible pair) with OR-tools, to compare ``assign`` and its
  proven bound with the true optimum.
- ``pool``: ``VolunteerPool.best`` (5 best) for ``--queries`` students against
  ``--pool-volunteers`` volunteers: median and 99th percentile latency.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from ortools.graph.python import min_cost_flow

from mentoring.matching.batch import QUANTUM, assign, greedy
from mentoring.matching.encoding import Vocabularies, pair_values
from mentoring.matching.pool import VolunteerPool
from mentoring.matching.scoring import DEFAULT_WEIGHTS
from mentoring.population import Population, generate

Result = dict[str, Any]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def population(students: int, volunteers: int, seed: int, excluded: int
               ) -> tuple[Population, set[tuple[int, int]], float]:
    """A generated population, random excluded pairs, and the seconds it took."""
    start = time.monotonic()
    people = generate(students, volunteers, seed)
    rng = random.Random(seed)
    pairs = {(rng.choice(people.students).profile.user_id, rng.choice(people.volunteers).user_id)
             for _ in range(excluded)}
    return people, pairs, time.monotonic() - start


def run_assign(args: argparse.Namespace) -> Result:
    people, excluded, made = population(args.students, args.volunteers, args.seed,
                                        args.excluded)
    plan = assign(people.students, people.available(), excluded,
                  time_budget=args.time_budget, target=args.target)
    return {"seconds": plan.seconds, "matched": plan.matched, "total": plan.total_score,
            "bound": plan.upper_bound, "ratio": plan.ratio, "rounds": plan.rounds,
            "places": sum(free for _v, free in people.available()),
            "generate_seconds": made, "peak_mb": peak_mb()}


def run_greedy(args: argparse.Namespace) -> Result:
    people, excluded, made = population(args.students, args.volunteers, args.seed,
                                        args.excluded)
    plan = greedy(people.students, people.available(), excluded)
    return {"seconds": plan.seconds, "matched": plan.matched, "total": plan.total_score,
            "generate_seconds": made, "peak_mb": peak_mb()}


def exact_optimum(people: Population, excluded: set[tuple[int, int]]) -> tuple[int, float, int]:
    """Most students matched, then best total score (scores rounded as in ``assign``), by
    min-cost flow on every eligible pair. Returns them and the number of pairs."""
    codes = Vocabularies()
    V = codes.volunteers(people.volunteers)
    S = codes.students(w.profile for w in people.students)
    ns, nv = S.shape[1], V.shape[1]
    student_at = {w.profile.user_id: i for i, w in enumerate(people.students)}
    volunteer_at = {v.user_id: j for j, v in enumerate(people.volunteers)}
    banned = {student_at[s] * nv + volunteer_at[v] for s, v in excluded}
    es, ev, gain = [], [], []
    for a in range(0, ns, 500):
        values, ok = pair_values(S[:, a:a + 500, None], V[:, None, :], DEFAULT_WEIGHTS)
        s, v = np.nonzero(ok)
        keep = ~np.isin((s + a) * nv + v, list(banned))
        es.append(s[keep] + a)
        ev.append(v[keep])
        gain.append(np.rint(values[s[keep], v[keep]] * QUANTUM).astype(np.int64))
    students, volunteers = np.concatenate(es), np.concatenate(ev)
    capacity = np.array([v.capacity for v in people.volunteers])
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = ns + nv, ns + nv + 1
    flow.add_arcs_with_capacity_and_unit_cost(
        np.r_[np.full(ns, source), students, ns + np.arange(nv)],
        np.r_[np.arange(ns), ns + volunteers, np.full(nv, sink)],
        np.r_[np.ones(ns + len(students), np.int64), capacity],
        np.r_[np.zeros(ns, np.int64), -np.concatenate(gain), np.zeros(nv, np.int64)])
    flow.set_node_supply(source, ns)
    flow.set_node_supply(sink, -ns)
    assert flow.solve_max_flow_with_min_cost() == flow.OPTIMAL
    return flow.maximum_flow(), -flow.optimal_cost() / QUANTUM, len(students)


def run_exact(args: argparse.Namespace) -> Result:
    people, excluded, _made = population(args.exact_students, args.exact_volunteers,
                                         args.seed, args.exact_students // 10)
    start = time.monotonic()
    matched, total, pairs = exact_optimum(people, excluded)
    exact_seconds = time.monotonic() - start
    plan = assign(people.students, people.available(), excluded,
                  time_budget=args.time_budget, target=args.target)
    baseline = greedy(people.students, people.available(), excluded)
    return {"pairs": pairs, "exact_seconds": exact_seconds, "exact_matched": matched,
            "exact_total": total, "seconds": plan.seconds, "matched": plan.matched,
            "total": plan.total_score, "bound": plan.upper_bound, "ratio": plan.ratio,
            "rounds": plan.rounds, "greedy_matched": baseline.matched,
            "greedy_total": baseline.total_score, "peak_mb": peak_mb()}


def run_pool(args: argparse.Namespace) -> Result:
    people = generate(args.queries, args.pool_volunteers, args.seed)
    start = time.monotonic()
    pool = VolunteerPool(people.available())
    built = time.monotonic() - start
    pool.best(people.students[0].profile, limit=5)  # warm up
    latency = []
    for waiting in people.students:
        began = time.perf_counter()
        pool.best(waiting.profile, limit=5)
        latency.append((time.perf_counter() - began) * 1000)
    return {"build_seconds": built, "median_ms": float(np.median(latency)),
            "p99_ms": float(np.percentile(latency, 99)), "max_ms": max(latency),
            "queries": len(latency), "peak_mb": peak_mb()}


TASKS = {"assign": run_assign, "greedy": run_greedy, "exact": run_exact, "pool": run_pool}


def child(task: str, args: argparse.Namespace, **changes: Any) -> Result:
    """Run one task in a fresh Python process and return what it printed."""
    options = {**vars(args), **changes, "task": task}
    command = [sys.executable, __file__]
    for name, value in options.items():
        if name not in ("json", "scenarios") and value is not None:
            command += [f"--{name.replace('_', '-')}", str(value)]
    print("…", task, {k: v for k, v in changes.items()}, file=sys.stderr, flush=True)
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: Result = json.loads(output.strip().splitlines()[-1])
    return result


def percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def report(results: dict[str, Any]) -> str:
    """The results as Markdown tables, for bench/README.md."""
    lines = ["| students | volunteers (places) | method | seconds | peak RSS | matched | "
             "total score | proven bound | score / bound |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for scenario in results["scenarios"]:
        best, base = scenario["assign"], scenario["greedy"]
        head = f"| {scenario['students']:,} | {scenario['volunteers']:,} ({scenario['places']:,})"
        lines.append(f"{head} | assign | {best['seconds']:.1f} | {best['peak_mb']:.0f} MB | "
                     f"{best['matched']:,} | {best['total']:,.1f} | {best['bound']:,.1f} | "
                     f"{percent(best['ratio'])} ({best['rounds']} rounds) |")
        lines.append(f"{head} | greedy | {base['seconds']:.1f} | {base['peak_mb']:.0f} MB | "
                     f"{base['matched']:,} | {base['total']:,.1f} | | "
                     f"{percent(base['total'] / best['bound'])} |")
    exact = results["exact"]
    lines += ["", "| exact check | students | volunteers | eligible pairs | seconds | matched | "
              "total score | of the optimum | proven bound / optimum |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
              f"| full graph, OR-tools | {exact['students']:,} | {exact['volunteers']:,} | "
              f"{exact['pairs']:,} | {exact['exact_seconds']:.1f} | {exact['exact_matched']:,} | "
              f"{exact['exact_total']:,.2f} | 100% | |",
              f"| assign | | | | {exact['seconds']:.1f} | {exact['matched']:,} | "
              f"{exact['total']:,.2f} | {percent(exact['total'] / exact['exact_total'])} | "
              f"{exact['bound'] / exact['exact_total']:.5f} (reported ratio "
              f"{percent(exact['ratio'])}) |",
              f"| greedy | | | | | {exact['greedy_matched']:,} | {exact['greedy_total']:,.2f} | "
              f"{percent(exact['greedy_total'] / exact['exact_total'])} | |"]
    pool = results["pool"]
    lines += ["", "| VolunteerPool.best (5 best) | volunteers | queries | median | p99 | max |",
              "|---|---:|---:|---:|---:|---:|",
              f"| one student | {pool['volunteers']:,} | {pool['queries']:,} | "
              f"{pool['median_ms']:.2f} ms | {pool['p99_ms']:.2f} ms | {pool['max_ms']:.2f} ms |"]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", choices=sorted(TASKS), help="run one measurement only")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--volunteers", type=int, default=25_000)
    parser.add_argument("--scenarios", default="25000,40000",
                        help="volunteer counts to run against --students (full run)")
    parser.add_argument("--excluded", type=int, default=10_000)
    parser.add_argument("--time-budget", type=float, default=50.0)
    parser.add_argument("--target", type=float, default=0.995)
    parser.add_argument("--exact-students", type=int, default=10_000)
    parser.add_argument("--exact-volunteers", type=int, default=2_500)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--pool-volunteers", type=int, default=25_000)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if args.task:
        print(json.dumps(TASKS[args.task](args)))
        return 0
    results: dict[str, Any] = {"python": platform.python_version(),
                               "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
                               "seed": args.seed, "scenarios": []}
    for volunteers in (int(v) for v in args.scenarios.split(",")):
        best = child("assign", args, volunteers=volunteers)
        results["scenarios"].append({
            "students": args.students, "volunteers": volunteers, "places": best["places"],
            "assign": best, "greedy": child("greedy", args, volunteers=volunteers)})
    results["exact"] = {"students": args.exact_students, "volunteers": args.exact_volunteers,
                        **child("exact", args)}
    results["pool"] = {"volunteers": args.pool_volunteers, **child("pool", args)}
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
