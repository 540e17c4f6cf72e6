#!/usr/bin/env bash
# Data-parallel throughput on CPU: one trial on 1 rank, then the same trial on 2 ranks (one
# compute thread each), images/s of the training steps and the parallel efficiency; then the
# worker utilisation of a sweep mixing 1-, 2- and 3-rank trials. Prints markdown tables.
#   bench/data_parallel.sh [BUILD_DIR]        (as root, export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)
# Timings, not tests: run it on an otherwise idle machine; the ratio is what carries over.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
export PYTHONPATH="$src/analysis${PYTHONPATH:+:$PYTHONPATH}"  # results_h5: the results file read with h5py
build=${1:-$src/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cores=$(nproc)
mpi_flags=()
[ "$cores" -ge 3 ] || mpi_flags=(--oversubscribe)  # rank 0 only schedules and sleeps

trial() {  # name ranks
  cat >"$work/$1.toml" <<TOML
name = "$1"
data_dir = "$src/data/fashion-mnist-subset"
[base]
epochs = 3
train_images = 4096
eval_images = 512
ranks = $2
TOML
  mpirun "${mpi_flags[@]}" -np $(($2 + 1)) "$build/aecnn-sweep" "$work/$1.toml" -o "$work/$1.h5" --threads 1 >"$work/$1.log"
}
trial one 1
trial two 2

/usr/bin/python3 - "$work" <<'PY'
import sys, h5py, numpy as np, results_h5
work = sys.argv[1]
def rate(name):
    with h5py.File(f"{work}/{name}.h5", "r") as f:
        (t,) = results_h5.trials(f).values()
        seconds = t.history["train_seconds"][1:]          # the first epoch warms up
        return t.attrs["train_images"] / seconds.mean(), t.history["val_accuracy"][-1]
one, acc1 = rate("one")
two, acc2 = rate("two")
print("| ranks (1 thread each) | train images/s | speed-up | parallel efficiency |")
print("|---|---|---|---|")
print(f"| 1 | {one:.0f} | 1.00 | 100% |")
print(f"| 2 | {two:.0f} | {two/one:.2f} | {100*two/(2*one):.0f}% |")
PY

cat >"$work/mixed.toml" <<TOML
name = "mixed"
data_dir = "$src/data/fashion-mnist-subset"
[base]
epochs = 2
train_images = 1024
eval_images = 256
[zip]
ranks = [2, 1, 3, 1, 2, 1, 1, 3, 1, 2]
seed = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
TOML
mpirun --oversubscribe -np 5 "$build/aecnn-sweep" "$work/mixed.toml" -o "$work/mixed.h5" --threads 1 >"$work/mixed.log"
echo
echo "| mixed sweep (10 trials of 1, 2 and 3 ranks on 4 workers) | |"
echo "|---|---|"
echo "| $(grep "worker utilisation" "$work/mixed.log" | sed 's/: /| /') |"
