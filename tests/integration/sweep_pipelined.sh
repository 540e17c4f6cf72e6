#!/usr/bin/env bash
# Pipelining (trials shorter than 20 ms: each worker is handed several at once, one commit covers
# many). 4,000 sleep trials of 3 ms on 4 ranks: the log says pipelining went on; every trial is
# done exactly once, with one live metrics row, and the file reads back with h5py. Then the same
# sweep is stopped with SIGTERM to its ranks once pipelining is on (a state, not a time): no trial starts after
# the signal, none is left `running` in the file, the trials handed out and not run are recorded
# interrupted, and the rerun finishes all 4,000, each done once.
# usage: sweep_pipelined.sh BUILD_DIR SOURCE_DIR MPIEXEC
set -euo pipefail
build=$1 src=$2 mpiexec=$3
export PYTHONPATH="$src/analysis${PYTHONPATH:+:$PYTHONPATH}"  # results_h5: the file read with h5py
source "$src/tests/support/expect.sh"
work=$(mktemp -d)
pid=
cleanup() {
  [ -z "$pid" ] || kill -9 "$pid" 2>/dev/null || true
  pkill -9 -f -- "-o $work/" 2>/dev/null || true
  [ -n "${AECNN_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
n=4000
printf 'name = "pipe"\ndata_dir = "%s"\n[grid]\nseed = [%s]\n' "$src/data/fashion-mnist-subset" \
  "$(seq -s, 0 $((n - 1)))" > "$work/pipe.toml"
sweep=("$build/aecnn-sweep" "$work/pipe.toml" --benchmark-trials sleep=0.003 --progress plain)

# statuses FILE: "status count" lines; checks every done trial has exactly one live metrics row.
statuses() {
  /usr/bin/python3 - "$1" <<'PY' || fail "$1: see above"
import collections, sys
import h5py, numpy as np, results_h5
with h5py.File(sys.argv[1], "r") as f:
    results_h5.check_format(f)
    trials = results_h5.columns(f["trials"])
    live = results_h5.columns(f["metrics"])["trial"] if "trial" in f["metrics"] else np.array([], dtype=np.int64)
    live = live[live >= 0]
    per_row = collections.Counter(int(r) for r in live)
    for row, status in enumerate(trials["status"]):
        want = 1 if status == "done" else 0
        assert per_row.get(row, 0) == want, (trials["id"][row], status, per_row.get(row, 0), "live metrics rows")
    for status, count in sorted(collections.Counter(trials["status"]).items()):
        print(status, count)
PY
}

"$mpiexec" -n 4 "${sweep[@]}" -o "$work/full.h5" > "$work/full.log"
expect_line "$work/full.log" "^pipelining: the last 32 trials each took under 20 ms"
expect_line "$work/full.log" "$n of $n trials done, 0 failed"
statuses "$work/full.h5" > "$work/full.status"
expect_line "$work/full.status" "^done $n$"

# SIGTERM to every rank while pipelined, as `scancel` sends it to a job's tasks. (Not to mpirun:
# Open MPI's mpirun stops relaying the ranks' output when it gets SIGTERM and kills them a moment
# later, so rank 0, blocked writing a line per trial, is killed before it records the stop: the
# file is then as after kill -9, which sweep_kill.sh covers.) Rank 0 exits 3, and mpirun with it.
"$mpiexec" -n 4 "${sweep[@]}" -o "$work/stop.h5" > "$work/stop.log" 2>&1 &
pid=$!
wait_for_line "$work/stop.log" "^pipelining: " 120 "pipelining on before the signal"
pkill -TERM -f -- "^$build/aecnn-sweep $work/pipe.toml" || fail "no rank to signal: $(tail -3 "$work/stop.log")"
rc=0
wait "$pid" || rc=$?
pid=
if grep -Eq "$n of $n trials done" "$work/stop.log"; then
  fail "the sweep ended before SIGTERM landed; make its trials longer: $(tail -3 "$work/stop.log")"
fi
expect_code 3 "$rc" "SIGTERM" "$work/stop.log"
expect_line "$work/stop.log" "received: no new trials"
[ -z "$(sed -n '/received: no new trials/,$p' "$work/stop.log" | grep " started on rank")" ] ||
  fail "a trial started after SIGTERM: $(sed -n '/received: no new trials/,$p' "$work/stop.log" | grep -m3 " started on rank")"
statuses "$work/stop.h5" > "$work/stop.status"
expect_no_line "$work/stop.status" "^running " "no trial left running"
expect_line "$work/stop.status" "^interrupted [0-9]+$" "handed-out trials recorded interrupted"
expect_line "$work/stop.status" "^pending [0-9]+$" "trials not handed out"

"$mpiexec" -n 4 "${sweep[@]}" -o "$work/stop.h5" > "$work/resume.log"
expect_line "$work/resume.log" "$n of $n trials done, 0 failed"
statuses "$work/stop.h5" > "$work/resume.status"
expect_line "$work/resume.status" "^done $n$"
echo "sweep_pipelined: ok ($(tr '\n' ' ' < "$work/stop.status")after SIGTERM)"
