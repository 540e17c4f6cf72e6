#!/usr/bin/env bash
# Gang scheduling under mpiexec -n 6: 1-, 2- and 3-rank trials in one sweep all finish (a
# timeout guards against deadlock), the gangs are recorded, and a trial whose rank 1 throws is
# failed as a whole while the sweep goes on.
# usage: sweep_gangs.sh BUILD_DIR SOURCE_DIR MPIEXEC
set -uo pipefail
build=$1 src=$2 mpiexec=$3
export PYTHONPATH="$src/analysis${PYTHONPATH:+:$PYTHONPATH}"  # results_h5: the file read with h5py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

timeout 300 "$mpiexec" -n 6 "$build/aecnn-sweep" "$src/tests/data/sweeps/gangs.toml" -o "$work/g.h5" --threads 1 \
  >"$work/run.log" 2>&1
code=$?
cat "$work/run.log"
[ $code -eq 0 ] || fail "exit code $code (124: a deadlock hit the timeout)"
grep -q "6 of 6 trials done, 0 failed" "$work/run.log" || fail "not every trial finished"
grep -Eq "gangs-0000 started on rank [0-9],[0-9],[0-9]:" "$work/run.log" || fail "the 3-rank trial did not get 3 ranks"
grep -q "worker utilisation:" "$work/run.log" || fail "no utilisation line"
/usr/bin/python3 - "$work/g.h5" <<'PY' || fail "results"
import sys, h5py, results_h5
with h5py.File(sys.argv[1], "r") as f:
    for name, t in results_h5.trials(f).items():
        ranks = t.config["ranks"]
        assert len(t.attrs["ranks"].split(",")) == ranks, (name, t.attrs["ranks"], ranks)
        assert t.attrs["status"] == "done" and t.attrs["epochs_run"] == 2, name
print("gangs recorded with their ranks")
PY

# Rank 1 of every multi-rank trial throws in its second step: those trials fail on all their
# ranks, the one-rank trials finish, nothing hangs, and the exit code says some failed.
AECNN_TEST_FAIL_RANK=1 timeout 300 "$mpiexec" -x AECNN_TEST_FAIL_RANK -n 6 "$build/aecnn-sweep" \
  "$src/tests/data/sweeps/gangs.toml" -o "$work/f.h5" --threads 1 >"$work/fail.log" 2>&1
code=$?
cat "$work/fail.log"
[ $code -eq 1 ] || fail "exit code $code with injected failures (want 1)"
grep -q "2 of 6 trials done, 4 failed" "$work/fail.log" || fail "want the 2 one-rank trials done, 4 gangs failed"
grep -q "failed: gangs-0002: injected failure (AECNN_TEST_FAIL_RANK=1) (rank" "$work/fail.log" || fail "the failing rank's own message"
"$build/aecnn-analyze" "$work/f.h5" | grep -Eq "^gangs-0000 +failed" || fail "analyze shows the failed gang"
echo "sweep_gangs: ok"
