#!/usr/bin/env bash
# What keep_weights saves, and whether the space of dropped weights is reused: 24 real trials
# (2 short epochs each on the shipped images, 3 ranks) under keep_weights "all", "best:3" and
# "none", once in one run and once stopped twice (SIGTERM after 8 and 16 trials, resumed).
# Prints one markdown row per case: the file's size before the last run compacted it (the space
# HDF5 did not reuse) and after, the weights it still holds, and the size h5repack makes it (the
# floor: every live object, packed).
#   bench/weights_space.sh [BUILD_DIR]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
export PYTHONPATH="$src/analysis${PYTHONPATH:+:$PYTHONPATH}"  # results_h5: the results file read with h5py
build=${1:-$src/build}
mpiexec=$(command -v mpiexec)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=()
[ "$(nproc)" -ge 3 ] || flags=(--oversubscribe)  # rank 0 only schedules and sleeps

sweep_file() {  # POLICY -> a sweep of 24 trials keeping POLICY
  local file=$work/${1/:/_}.toml
  cat > "$file" <<TOML
name = "space"
data_dir = "$src/data/fashion-mnist-subset"
keep_weights = "$1"
[base]
epochs = 2
train_images = 256
eval_images = 128
[grid]
seed = [$(seq -s, 0 23)]
TOML
  echo "$file"
}

# Runs the sweep, sending SIGTERM once `stop_after` trials are done (0: never).
run() {
  local sweep=$1 file=$2 stop_after=$3 log=$work/run.log
  OMP_NUM_THREADS=1 "$mpiexec" "${flags[@]}" -n 3 "$build/aecnn-sweep" "$sweep" -o "$file" > "$log" 2>&1 &
  local pid=$!
  if [ "$stop_after" -gt 0 ]; then
    # A state, not a time: the N-th done line has been printed (after its commit).
    until [ "$(grep -c ' done: ' "$log" || true)" -ge "$stop_after" ] || ! kill -0 $pid 2>/dev/null; do sleep 0.2; done
    kill -TERM $pid 2>/dev/null || true
  fi
  wait $pid || true
  # A stopped run exits 3; anything else it says in its log, which ends up here.
  grep -q -e "^sweep finished after" -e "^sweep stopped after" "$log" || { echo "bench/weights_space.sh: the sweep did not run:" >&2; tail -5 "$log" >&2; exit 1; }
}

row() {  # POLICY RUNS FILE LAST_LOG
  # The size before the last run's compaction, from its line (none: the file was not compacted).
  local before
  before=$(sed -n 's/.*: compacted from \([0-9.]*\) MB to .*/\1/p' "$4")
  h5repack "$3" "$work/repacked.h5"
  /usr/bin/python3 - "$1" "$2" "$3" "$work/repacked.h5" "${before:-}" <<'PY'
import os, sys, h5py
policy, runs, path, repacked, before = sys.argv[1:]
weights = 0
def add(name, obj):
    global weights
    if isinstance(obj, h5py.Dataset): weights += obj.id.get_storage_size()
with h5py.File(path, "r") as f:
    f["checkpoints"].visititems(add)
size = os.path.getsize(path) / 1e6
print(f"| {policy} | {runs} | {before or f'{size:.1f}'} | {size:.1f} | {weights / 1e6:.1f} | "
      f"{os.path.getsize(repacked) / 1e6:.1f} |")
PY
}

echo "| keep_weights | runs | file before compaction (MB) | file at the end (MB) | weights held (MB) | h5repack of it (MB) |"
echo "|---|---|---|---|---|---|"
for policy in all best:3 none; do
  sweep=$(sweep_file "$policy")
  run "$sweep" "$work/one.h5" 0
  row "$policy" "1" "$work/one.h5" "$work/run.log"
  run "$sweep" "$work/three.h5" 8
  run "$sweep" "$work/three.h5" 8
  run "$sweep" "$work/three.h5" 0
  /usr/bin/python3 -c "
import h5py, sys
f = h5py.File(sys.argv[1], 'r')
done = sum(s == 'done' for s in f['trials/status'].asstr()[()])
sys.exit(0 if done == 24 else 'only %d of 24 done' % done)" "$work/three.h5"
  row "$policy" "3 (stopped twice)" "$work/three.h5" "$work/run.log"
  rm -f "$work"/*.h5
done
