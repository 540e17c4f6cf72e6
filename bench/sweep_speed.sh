#!/usr/bin/env bash
# Sweep throughput: the grid of bench/sweep_grid.toml (4 attention variants x 2 seeds, 2 epochs on
# the shipped subset) run by aecnn-sweep and by Optuna 3.1 (bench/optuna_sweep.py: journal-file
# storage, N processes, PyTorch-Python trials at their best settings), each in two layouts of
# this machine's 2 cores: two 1-thread trainers, or one 2-thread trainer; aecnn-sweep also with
# three 1-thread trainers (does a trainer on rank 0 pay?). Both tools run the same trial: epochs
# with a validation pass each, then the final model on the training and the test split. Wall time
# to finish the grid, trials completed (duplicates counted), best final validation accuracy.
#   bench/sweep_speed.sh [BUILD_DIR]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }

ours() {  # ranks threads
  local start end
  start=$(now)
  local flags=()
  [ "$1" -le "$(nproc)" ] || flags=(--oversubscribe)  # rank 0 only schedules and sleeps
  mpirun "${flags[@]}" -n "$1" "$build/aecnn-sweep" "$src/bench/sweep_grid.toml" -o "$work/ours$1.h5" --threads "$2" \
    --progress plain > "$work/ours$1.log"
  end=$(now)
  /usr/bin/python3 - "$work/ours$1.h5" "$(echo "$end - $start" | bc)" "$1" "$2" "$work/ours$1.log" <<'PY'
import h5py, json, re, sys
f = h5py.File(sys.argv[1])
cpu = re.search(r"rank 0 \(scheduler and writer\) used ([0-9.]+) s of CPU in ([0-9.]+) s", open(sys.argv[5]).read())
done = [t for t in f["trials"].values() if t.attrs["status"] == "done"]
hashes = [t.attrs["hash"] for t in done]
print(json.dumps({"tool": "aecnn-sweep", "processes": int(sys.argv[3]) - 1, "threads": int(sys.argv[4]),
                  "wall_seconds": float(sys.argv[2]), "trials_completed": len(done),
                  "duplicates": len(hashes) - len(set(hashes)),
                  "best_val_accuracy": max(float(t["history/val_accuracy"][-1]) for t in done),
                  "rank0_cpu_seconds": float(cpu.group(1))}))
PY
}
peer() {  # processes threads
  /usr/bin/python3 "$src/bench/optuna_sweep.py" "$src/data/fashion-mnist-subset" --processes "$1" --threads "$2" \
    --journal "$work/journal$1.log"
}

{
  ours 3 1   # rank 0 schedules, 2 workers x 1 thread
  ours 2 2   # rank 0 schedules, 1 worker x 2 threads
  # A third 1-thread trainer on the 2 cores: what letting rank 0 train as well would add to the
  # first layout (rank 0 itself stays idle here; it costs ~1% of a core either way).
  ours 4 1
  peer 2 1
  peer 1 2
} > "$work/results"

/usr/bin/python3 - "$work/results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
best_peer = min(r["wall_seconds"] for r in rows if r["tool"] == "optuna")
print("| tool | layout | wall (s) | trials completed | duplicates | best val accuracy | speed vs Optuna's best | rank 0 CPU |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    layout = f"{r['processes']} trainer(s) x {r['threads']} thread(s)"
    cpu = f"{r['rank0_cpu_seconds']:.1f} s ({100 * r['rank0_cpu_seconds'] / r['wall_seconds']:.1f}% of a core)" \
        if "rank0_cpu_seconds" in r else "-"
    print(f"| {r['tool']} | {layout} | {r['wall_seconds']:.1f} | {r['trials_completed']} | {r['duplicates']} "
          f"| {r['best_val_accuracy']:.4f} | {best_peer / r['wall_seconds']:.2f}x | {cpu} |")
print("\n(Both tools' trials evaluate the final model on the training and the test split, as the study "
      "records. aecnn-sweep's trainers are its worker ranks; rank 0 schedules and writes.)")
PY
