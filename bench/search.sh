#!/usr/bin/env bash
# Adaptive search's sampler and pruners, measured without training: aecnn's TPE against random
# search and against Optuna's TPESampler on Branin and Hartmann-6 (known optima 0.397887 and
# -3.32237), SEEDS seeds x EVALS sequential evaluations each, both with the search library alone
# and through aecnn-sweep itself (`--benchmark-trials`, bench/search_through_sweep.sh); then the
# time per TPE suggestion with 1,000 and 10,000 finished trials (aecnn and Optuna side by side)
# and per pruning verdict.
#   bench/search.sh [BUILD_DIR] [SEEDS] [EVALS]      (defaults: build 30 100; about 10 minutes)
# Needs python3-optuna and python3-scipy. Prints Markdown tables.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
seeds=${2:-30}
evals=${3:-100}
bench=$build/aecnn_bench_search_sampler
[ -x "$bench" ] || { echo "bench/search.sh: $bench is missing: build first" >&2; exit 2; }
/usr/bin/python3 -c "import optuna, scipy" 2>/dev/null || { echo "bench/search.sh: needs python3-optuna and python3-scipy" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bench" quality "$seeds" "$evals" > "$work/aecnn.csv"
"$src/bench/search_through_sweep.sh" "$build" "$seeds" "$evals" > "$work/sweep.csv"
/usr/bin/python3 "$src/bench/optuna_tpe.py" quality "$seeds" "$evals" > "$work/optuna.csv"
/usr/bin/python3 "$src/bench/optuna_tpe.py" quality "$seeds" "$evals" --fixed > "$work/optuna-fixed.csv"
"$bench" timing > "$work/timing.md"
# The same with glibc's allocator kept from giving memory back to the kernel (fresh pages are
# costly on virtual machines): what rank 0 gains from it, side by side.
MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_MMAP_THRESHOLD_=1073741824 "$bench" timing > "$work/timing-kept.md"
/usr/bin/python3 "$src/bench/optuna_tpe.py" timing > "$work/optuna-timing.csv"

/usr/bin/python3 - "$work" "$seeds" "$evals" <<'PY'
import csv, sys
import numpy as np
from scipy import stats

work, seeds, evals = sys.argv[1], sys.argv[2], sys.argv[3]
rows = []
for name in ("aecnn.csv", "sweep.csv", "optuna.csv", "optuna-fixed.csv"):
    with open(f"{work}/{name}") as f:
        rows += [r for r in csv.reader(f) if r and r[0] != "function"]
optimum = {"branin": 0.397887, "hartmann6": -3.32237}
methods = ["aecnn-tpe", "aecnn-random", "sweep-tpe", "sweep-random", "optuna-tpe", "optuna-tpe-fixed"]
for function in ("branin", "hartmann6"):
    best = {m: np.array([float(r[3]) for r in rows if r[0] == function and r[1] == m]) for m in methods}
    print(f"\n{function} (optimum {optimum[function]}): best value after {evals} evaluations, {seeds} seeds\n")
    print("| method | mean | sd | median | mean gap to optimum |\n|---|---:|---:|---:|---:|")
    for m in methods:
        v = best[m]
        print(f"| {m} | {v.mean():.5f} | {v.std(ddof=1):.5f} | {np.median(v):.5f} | {v.mean() - optimum[function]:.5f} |")
    def welch(a, b, alternative):
        return stats.ttest_ind(best[a], best[b], equal_var=False, alternative=alternative).pvalue
    print(f"\naecnn-tpe better than aecnn-random (lower; Welch, one-sided): p = {welch('aecnn-tpe', 'aecnn-random', 'less'):.3g}")
    print(f"aecnn-tpe against optuna-tpe (two-sided): p = {welch('aecnn-tpe', 'optuna-tpe', 'two-sided'):.3g}; "
          f"worse than it (one-sided): p = {welch('aecnn-tpe', 'optuna-tpe', 'greater'):.3g}")
    print(f"aecnn-tpe against optuna-tpe-fixed (two-sided): p = {welch('aecnn-tpe', 'optuna-tpe-fixed', 'two-sided'):.3g}")
    print(f"Through aecnn-sweep: sweep-tpe better than sweep-random (one-sided): p = {welch('sweep-tpe', 'sweep-random', 'less'):.3g}; "
          f"worse than optuna-tpe (one-sided): p = {welch('sweep-tpe', 'optuna-tpe', 'greater'):.3g}; "
          f"against optuna-tpe-fixed (two-sided): p = {welch('sweep-tpe', 'optuna-tpe-fixed', 'two-sided'):.3g}")
    same = sum(1 for a, b in zip(sorted((r for r in rows if r[0] == function and r[1] == "aecnn-tpe"), key=lambda r: int(r[2])),
                                 sorted((r for r in rows if r[0] == function and r[1] == "sweep-tpe"), key=lambda r: int(r[2])))
               if a[3] == b[3])
    print(f"sweep-tpe and aecnn-tpe found the same best value (9 digits) in {same} of {seeds} seeds")

print("\nDecision cost on one core (aecnn: C++, this build; Optuna: Python, TPESampler defaults)\n")
print(open(f"{work}/timing.md").read().rstrip())
for line in open(f"{work}/timing-kept.md").read().splitlines()[2:]:
    if line.startswith("| TPE"):
        print(line.replace("| TPE suggestion, 6 parameters |", "| TPE suggestion, 6 parameters, memory kept (MALLOC_TRIM_THRESHOLD_) |"))
with open(f"{work}/optuna-timing.csv") as f:
    for n, ms in csv.reader(f):
        print(f"| Optuna TPE suggestion, 6 parameters | {n} | {float(ms):.1f} |")
PY
