"""The Ray sweep's figures: tasks per second on a local Ray instance, and the time for
100 trained models (examples/trained/, each with its language's formula) against the
same checks run sequentially in this process.

    pip install ./python ray
    python3 python/benches/sweep.py            # from the repository root; --cpus N

Not a timed test: it prints the figures of one run (docs/book/guide/python.md).
"""
from __future__ import annotations

import argparse
import json
import os
import time
from typing import List, Tuple

import ray

import ltlattn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pairs(n: int, heavy: bool) -> List[Tuple[str, str]]:
    """n (model, spec) pairs of the trained models with formula specs, each with its own
    language: the fastest (local attention, then global), or with ``heavy`` the hybrid
    models first (their checks take up to seconds, many stop at the timeout)."""
    manifest = json.load(open(os.path.join(ROOT, "examples/trained/manifest.json")))
    rows = [(os.path.join("examples/trained", m["model"]), m["spec"], m["architecture"])
            for m in manifest["models"] if not m["spec"].startswith("dfa:")]
    if heavy:
        rows.sort(key=lambda r: not r[2].startswith("hybrid"))
    else:
        rows.sort(key=lambda r: (not r[2].startswith("local"), r[2] != "global"))
    return [(p, s) for p, s, _ in rows[:n]]


def holds(path: str, spec: str, timeout: float) -> object:
    try:
        return ltlattn.check(ltlattn.load(path), spec, timeout=timeout).holds
    except ltlattn.BudgetExceeded:
        return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=int, default=100)
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--heavy", action="store_true", help="the hybrid models, timeout 2 s")
    args = ap.parse_args()
    os.chdir(ROOT)
    work = pairs(args.models, args.heavy)
    timeout = 2.0 if args.heavy else 60.0
    started = time.perf_counter()
    direct = [holds(p, s, timeout) for p, s in work]
    sequential = time.perf_counter() - started

    ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
    ltlattn.sweep(pairs=work[: args.cpus * 2], progress=False)  # start the workers
    started = time.perf_counter()
    records = ltlattn.sweep(pairs=work, progress=False, timeout=timeout)
    swept = time.perf_counter() - started
    ray.shutdown()
    if not args.heavy:  # a timeout may fall either side of an answer
        assert [r["holds"] for r in records] == direct, "the sweep and the direct calls differ"
    worker = sum(r["seconds"] for r in records)
    print(f"{len(work)} models{' (hybrid first, timeout 2 s)' if args.heavy else ''}, "
          f"each checked against its language's formula")
    print(f"sequential, in this process: {sequential:.2f} s ({len(work) / sequential:.1f} checks/s)")
    print(f"Ray, num_cpus={args.cpus}: {swept:.2f} s ({len(work) / swept:.1f} tasks/s); "
          f"{worker:.2f} s of checking inside the tasks")
    print(f"speed-up over sequential: {sequential / swept:.2f}x")


if __name__ == "__main__":
    main()
