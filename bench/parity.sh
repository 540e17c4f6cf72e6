#!/usr/bin/env bash
# Accuracy parity of the final phase: aecnn-sweep against an independent PyTorch-Python
# implementation of the notebook (bench/pytorch_final.py), 3 seeds each, side by side.
#   bench/parity.sh [BUILD_DIR] [HORIZON] [WORK_DIR]
# HORIZON is the cosine schedule's (50: the notebook's; 0: the trial's own 30 epochs). Each side
# runs sweeps/final.toml's settings (batch 64, up to 30 epochs, EarlyStopping patience 5
# restoring the best weights) on the shipped subset, one thread per process, the two sides at
# once: about 40 minutes on an idle 2-core machine. Prints a Markdown table and Welch's t-test on
# test accuracy. Needs python3-torch and python3-scipy. An accuracy benchmark, not a test.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
export PYTHONPATH="$src/analysis${PYTHONPATH:+:$PYTHONPATH}"  # results_h5: the results file read with h5py
build=${1:-$src/build}
horizon=${2:-50}
work=${3:-$(mktemp -d)}
mkdir -p "$work"
[ -x "$build/aecnn-sweep" ] || { echo "bench/parity.sh: $build/aecnn-sweep is missing: build first" >&2; exit 2; }
/usr/bin/python3 -c "import torch, scipy, h5py" 2>/dev/null ||
  { echo "bench/parity.sh: needs python3-torch, python3-scipy and python3-h5py" >&2; exit 2; }

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
"$build/aecnn-sweep" "$src/sweeps/final.toml" --set lr_horizon="$horizon" --threads 1 -o "$work/aecnn.h5" \
  --progress plain >"$work/aecnn.log" 2>&1 &
sweep=$!
: >"$work/pytorch.jsonl"
for seed in 0 1 2; do
  /usr/bin/python3 "$src/bench/pytorch_final.py" "$src/data/fashion-mnist-subset" --seed "$seed" \
    --horizon "$([ "$horizon" -gt 0 ] && echo "$horizon" || echo 30)" >>"$work/pytorch.jsonl"
done
wait "$sweep" || { cat "$work/aecnn.log"; exit 1; }

/usr/bin/python3 - "$work/aecnn.h5" "$work/pytorch.jsonl" "$horizon" <<'PY'
import json, sys
import h5py
import numpy as np
import results_h5
from scipy import stats

results, jsonl, horizon = sys.argv[1], sys.argv[2], sys.argv[3]
ours = []
with h5py.File(results, "r") as f:
    for t in results_h5.trials(f).values():
        ours.append((int(t.config["seed"]), int(t.attrs["epochs_run"]), int(t.attrs["best_epoch"]),
                     float(t.metrics["test_accuracy"])))
theirs = [(r["seed"], r["epochs_run"], r["best_epoch"], r["test_accuracy"]) for r in map(json.loads, open(jsonl))]
print(f"| cosine horizon {horizon if horizon != '0' else 'the trial epochs (30)'} | seed | epochs run | best epoch | test accuracy |")
print("|---|---|---|---|---|")
for name, rows in (("aecnn-sweep", sorted(ours)), ("PyTorch-Python", sorted(theirs))):
    for seed, epochs, best, acc in rows:
        print(f"| {name} | {seed} | {epochs} | {best} | {acc:.4f} |")
    accs = [r[3] for r in rows]
    print(f"| {name} | mean +- sd | {np.mean([r[1] for r in rows]):.1f} | {np.mean([r[2] for r in rows]):.1f} | "
          f"{np.mean(accs):.4f} +- {np.std(accs, ddof=1):.4f} |")
test = stats.ttest_ind([r[3] for r in ours], [r[3] for r in theirs], equal_var=False)
print(f"\nDifference of means {np.mean([r[3] for r in ours]) - np.mean([r[3] for r in theirs]):+.4f}, "
      f"Welch's t-test p = {test.pvalue:.3f}")
PY
