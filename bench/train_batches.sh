#!/usr/bin/env bash
# Seconds per training epoch by batch size, with freed memory kept for reuse (the trainer's
# default, train/memory.hpp) against glibc's defaults, side by side in one run: the `both` AE-CNN,
# 2,048 images of the shipped subset, 3 epochs (the first warms up), 1 thread, batch sizes 64, 128
# and 256 trained one after another in one process as a sweep's worker trains its trials. Each
# setting runs REPS times, interleaved; the table holds medians.
#   bench/train_batches.sh [BUILD_DIR] [REPS=2]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
reps=${2:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for rep in $(seq "$reps"); do
  for memory in glibc kept; do
    "$build/aecnn_bench_train_speed" "$src/data/fashion-mnist-subset" 1 2048 3 cl 64,128,256 "$memory" >> "$work/results"
  done
done
/usr/bin/python3 - "$work/results" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    runs.setdefault((r["settings"].split()[-1], r["batch"]), []).append(r)
print("| batch | s/epoch, glibc defaults | s/epoch, freed memory kept (default) | glibc / kept | same last loss |")
print("|---|---|---|---|---|")
for batch in sorted({b for _, b in runs}):
    glibc = statistics.median(r["train_epoch_seconds"] for r in runs[("glibc", batch)])
    kept = statistics.median(r["train_epoch_seconds"] for r in runs[("kept", batch)])
    losses = {r["last_loss"] for key in (("glibc", batch), ("kept", batch)) for r in runs[key]}
    print(f"| {batch} | {glibc:.2f} | {kept:.2f} | {glibc / kept:.2f}x | {'yes' if len(losses) == 1 else 'no: ' + str(sorted(losses))} |")
print(f"\n({len(runs[('kept', 64)])} runs each, medians; 1 thread, 2,048 images, trials in the order 64, 128, 256 in one process)")
PY
