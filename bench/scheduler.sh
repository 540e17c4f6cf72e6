#!/usr/bin/env bash
# What scheduling costs without training, on 8 MPI ranks (rank 0 schedules and writes, 7 workers),
# with benchmark-aid trials (`aecnn-sweep --benchmark-trials`: the workers return at once, or
# sleep, instead of training; every trial is still dispatched and committed to results.h5 with
# its flushes). Never results: the files say so and cannot be resumed as real sweeps.
#  1. no-op trials, 100 / 1,000 / 10,000 / 100,000: wall time, dispatches per second, rank 0's CPU
#     time and peak memory, file size per trial; then the goals (>= 5,000 dispatches/s at 10,000
#     and 100,000 trials, <= 2 KB of file per trial, rank 0 under 300 MiB at 100,000), met or missed,
#     and the memory rank 0 takes for each trial past 10,000;
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
declare -A rate per_trial memory
for n in 100 1000 10000 100000; do
  sweep_of $n
  run $n noop
  line=$(grep "^rank 0 (scheduler and writer)" "$work/log")
  cpu=$(sed -E 's/.* used ([0-9.]+) s of CPU.*/\1/' <<<"$line")
  wall=$(sed -E 's/.* of CPU in ([0-9.]+) s.*/\1/' <<<"$line")
  mem=$(sed -E 's/.*peak resident memory ([0-9]+) MiB.*/\1/' <<<"$line")
  grep -q "$n of $n trials done, 0 failed" "$work/log"
  bytes=$(stat -c %s "$work/r.h5")
  rate[$n]=$(printf "%.0f" "$(echo "$n / $wall" | bc -l)")
  per_trial[$n]=$(printf "%.2f" "$(echo "$bytes / $n / 1000" | bc -l)")
  memory[$n]=$mem
  printf "| %d | %.1f | %s | %s | %s | %.1f | %s |\n" $n "$wall" "${rate[$n]}" "$cpu" "$mem" \
    "$(echo "$bytes / 1000000" | bc -l)" "${per_trial[$n]}"
done
verdict() { if [ "$1" = 1 ]; then echo met; else echo missed; fi; }
echo
echo "- >= 5,000 no-op dispatches/s at 10,000 and 100,000 trials: **$(verdict $(( rate[10000] >= 5000 && rate[100000] >= 5000 )))** (${rate[10000]} and ${rate[100000]})"
echo "- <= 2 KB of file per no-op trial: **$(verdict $(echo "${per_trial[10000]} <= 2 && ${per_trial[100000]} <= 2" | bc))** (${per_trial[10000]} KB at 10,000, ${per_trial[100000]} KB at 100,000)"
echo "- rank 0 resident memory at 100,000 trials < 300 MiB: **$(verdict $(( memory[100000] < 300 )))** (${memory[100]} MiB at 100 trials, ${memory[10000]} at 10,000, ${memory[100000]} at 100,000)"
# Flat in the trial count: what each trial past 10,000 adds (MiB to KB: x 1048.576 / 90,000 trials).
# It was 0.85 KB while rank 0 held the expanded trial list; what is left is each trial's id, its
# row indexes and its place in the queue, and the sweep file's own list of 100,000 seeds.
echo "- rank 0 memory for each trial past 10,000: $(printf "%.2f" "$(echo "(${memory[100000]} - ${memory[10000]}) * 1048.576 / 90000" | bc -l)") KB (${memory[10000]} MiB at 10,000 trials, ${memory[100000]} at 100,000)"

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
