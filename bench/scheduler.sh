#!/usr/bin/env bash
# What scheduling costs without training, on 8 MPI ranks (rank 0 schedules and writes, 7 workers),
# with benchmark-aid trials (`aecnn-sweep --benchmark-trials`: the workers return at once, or
# sleep, instead of training; every trial is still dispatched and committed to results.h5 with
# its flushes). Never results: the files say so and cannot be resumed as real sweeps.
#  1. no-op trials, 100 / 1,000 / 10,000: wall time, dispatches per second, rank 0's CPU time and
#     peak memory, file size per trial;
#  2. 1-second trials, 10 per worker: parallel efficiency (Ray Tune's published format).
#   bench/scheduler.sh [BUILD_DIR]        (as root: export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ranks=8
flags=()
[ "$(nproc)" -ge "$ranks" ] || flags=(--oversubscribe)

sweep_of() {  # trials
  printf 'name = "sched"\ndata_dir = "%s"\n[grid]\nseed = [%s]\n' "$src/data/fashion-mnist-subset" \
    "$(seq -s, 0 $(($1 - 1)))" > "$work/s$1.toml"
}
run() {  # trials kind
  rm -f "$work/r.h5"
  mpirun "${flags[@]}" -n $ranks "$build/aecnn-sweep" "$work/s$1.toml" -o "$work/r.h5" --benchmark-trials "$2" \
    --progress plain > "$work/log"
}

echo "| no-op trials | wall (s) | dispatches/s | rank 0 CPU (s) | rank 0 peak memory (MiB) | file (MB) | file per trial (KB) |"
echo "|---|---|---|---|---|---|---|"
for n in 100 1000 10000; do
  sweep_of $n
  run $n noop
  line=$(grep "^rank 0 (scheduler and writer)" "$work/log")
  cpu=$(sed -E 's/.* used ([0-9.]+) s of CPU.*/\1/' <<<"$line")
  wall=$(sed -E 's/.* of CPU in ([0-9.]+) s.*/\1/' <<<"$line")
  mem=$(sed -E 's/.*peak resident memory ([0-9]+) MiB.*/\1/' <<<"$line")
  grep -q "$n of $n trials done, 0 failed" "$work/log"
  bytes=$(stat -c %s "$work/r.h5")
  printf "| %d | %.1f | %.0f | %s | %s | %.1f | %.1f |\n" $n "$wall" "$(echo "$n / $wall" | bc -l)" "$cpu" "$mem" \
    "$(echo "$bytes / 1000000" | bc -l)" "$(echo "$bytes / $n / 1000" | bc -l)"
done

echo
n=$(( (ranks - 1) * 10 ))
sweep_of $n
run $n sleep=1
grep -q "$n of $n trials done, 0 failed" "$work/log"
echo "| 1-second trials | workers | wall (s) | parallel efficiency |"
echo "|---|---|---|---|"
wall=$(sed -nE 's/^rank 0 .* of CPU in ([0-9.]+) s.*/\1/p' "$work/log")
printf "| %d | %d | %.1f | %.1f%% |\n" $n $((ranks - 1)) "$wall" "$(echo "100 * $n / ($ranks - 1) / $wall" | bc -l)"
echo
echo "(efficiency: trial-seconds of work over worker-seconds available, from rank 0's start to its end)"
