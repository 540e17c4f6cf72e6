#!/usr/bin/env bash
# Sweep throughput and the accuracy it buys: the grid of bench/sweep_grid.toml (4 attention
# variants x 2 seeds, 7 epochs on the shipped subset) run by aecnn-sweep and by Optuna 3.1
# (bench/optuna_sweep.py: journal-file storage, N processes, PyTorch-Python trials with
# channels-last and index_select batches) in the layouts of this machine's 2 cores: two 1-thread
# trainers, or one 2-thread trainer. Optuna runs at its best: with glibc's allocator kept from
# returning freed memory to the kernel (MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ at
# 1 GiB), which PyTorch-Python needs on these virtual machines (2x, bench/train_speed.sh) and
# aecnn-sweep does in-process (`peer N T installed` would add a layout without it). Both tools
# run the same trial: epochs with a validation pass each, then the final model on the training
# and the test split. Wall time to finish the grid, trials completed (duplicates counted), the
# final validation and test accuracy (mean over the grid, and the seed spread: mean |seed 0 -
# seed 1| over the attention variants), then the goal lines.
#   bench/sweep_speed.sh [BUILD_DIR]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
export PYTHONPATH="$src/analysis${PYTHONPATH:+:$PYTHONPATH}"  # results_h5: the results file read with h5py
build=${1:-$src/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }

ours() {  # ranks threads
  local start end
  start=$(now)
  # Unbound: mpirun binds each rank to one core when it starts 2 or fewer, which would put the
  # 2-thread worker's threads on one core (aecnn-sweep warns of that).
  local flags=(--bind-to none)
  [ "$1" -le "$(nproc)" ] || flags+=(--oversubscribe)  # rank 0 only schedules and sleeps
  mpirun "${flags[@]}" -n "$1" "$build/aecnn-sweep" "$src/bench/sweep_grid.toml" -o "$work/ours$1.h5" --threads "$2" \
    --progress plain > "$work/ours$1.log"
  end=$(now)
  /usr/bin/python3 - "$work/ours$1.h5" "$(echo "$end - $start" | bc)" "$1" "$2" "$work/ours$1.log" <<'PY'
import h5py, json, re, sys, results_h5
f = h5py.File(sys.argv[1], "r")
cpu = re.search(r"rank 0 \(scheduler and writer\) used ([0-9.]+) s of CPU in ([0-9.]+) s", open(sys.argv[5]).read())
done = [t for t in results_h5.trials(f).values() if t.attrs["status"] == "done"]
hashes = [t.attrs["hash"] for t in done]
points = [{"attention": t.config["attention"], "seed": int(t.config["seed"]),
           "val_accuracy": float(t.history["val_accuracy"][-1]),
           "test_accuracy": float(t.metrics["test_accuracy"])} for t in done]
print(json.dumps({"tool": "aecnn-sweep", "processes": int(sys.argv[3]) - 1, "threads": int(sys.argv[4]),
                  "wall_seconds": float(sys.argv[2]), "trials_completed": len(done),
                  "duplicates": len(hashes) - len(set(hashes)), "points": points,
                  "rank0_cpu_seconds": float(cpu.group(1))}))
PY
}
peer() {  # processes threads allocator(installed|kept)
  local env=()
  [ "$3" = kept ] && env=(MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=1073741824)
  env "${env[@]}" /usr/bin/python3 "$src/bench/optuna_sweep.py" "$src/data/fashion-mnist-subset" --processes "$1" \
    --threads "$2" --journal "$work/journal$1-$3.log" | sed "s/^{/{\"allocator\": \"$3\", /"
}

{
  ours 3 1   # rank 0 schedules, 2 workers x 1 thread
  ours 2 2   # rank 0 schedules, 1 worker x 2 threads
  peer 2 1 kept
  peer 1 2 kept
} > "$work/results"

/usr/bin/python3 - "$work/results" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]


def mean(r, key):
    return statistics.fmean(p[key] for p in r["points"])


def seed_spread(r, key="test_accuracy"):
    """Mean |seed 0 - seed 1| over the attention variants: how far chance alone moves a result."""
    by = {}
    for p in r["points"]:
        by.setdefault(p["attention"], {})[p["seed"]] = p[key]
    pairs = [v for v in by.values() if len(v) == 2]
    return statistics.fmean(abs(v[0] - v[1]) for v in pairs)


peers = [r for r in rows if r["tool"] == "optuna"]
best_peer = min(peers, key=lambda r: r["wall_seconds"])
ours = [r for r in rows if r["tool"] == "aecnn-sweep"]
best_ours = min(ours, key=lambda r: r["wall_seconds"])
print("| tool | layout | wall (s) | trials completed | duplicates | val accuracy, mean | test accuracy, mean "
      "| test accuracy, seed spread | speed vs Optuna's best | rank 0 CPU |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    layout = f"{r['processes']} trainer(s) x {r['threads']} thread(s)"
    if "allocator" in r:
        layout += ", allocator " + ("kept" if r["allocator"] == "kept" else "as installed")
    cpu = f"{r['rank0_cpu_seconds']:.1f} s ({100 * r['rank0_cpu_seconds'] / r['wall_seconds']:.1f}% of a core)" \
        if "rank0_cpu_seconds" in r else "-"
    print(f"| {r['tool']} | {layout} | {r['wall_seconds']:.1f} | {r['trials_completed']} | {r['duplicates']} "
          f"| {mean(r, 'val_accuracy'):.4f} | {mean(r, 'test_accuracy'):.4f} | {seed_spread(r):.4f} "
          f"| {best_peer['wall_seconds'] / r['wall_seconds']:.2f}x | {cpu} |")
print("\n(Both tools' trials evaluate the final model on the training and the test split, as the study "
      "records. aecnn-sweep's trainers are its worker ranks; rank 0 schedules and writes. Seed spread: "
      "mean |seed 0 - seed 1| of the test accuracy over the 4 attention variants.)\n")
speedup = best_peer["wall_seconds"] / best_ours["wall_seconds"]
print(f"Goal: aecnn-sweep's fastest layout >= 2x Optuna's fastest: {speedup:.2f}x, "
      f"**{'met' if speedup >= 2 else 'missed'}**.")
gap = mean(best_ours, "test_accuracy") - mean(best_peer, "test_accuracy")
noise = max(seed_spread(best_ours), seed_spread(best_peer))
print(f"Goal: the same accuracy within seed noise (fastest layouts): mean test accuracy "
      f"{mean(best_ours, 'test_accuracy'):.4f} against {mean(best_peer, 'test_accuracy'):.4f}, a gap of "
      f"{gap:+.4f} against a seed spread of {noise:.4f}: **{'met' if abs(gap) <= noise else 'missed'}**.")
PY
