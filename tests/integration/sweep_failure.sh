#!/usr/bin/env bash
# A diverging trial is recorded failed with its cause and tried again up to max_attempts (2
# here); the others finish; the exit code is 1. A rerun does not try it again.
# usage: sweep_failure.sh BUILD_DIR SOURCE_DIR MPIEXEC
set -uo pipefail
build=$1 src=$2 mpiexec=$3
export PYTHONPATH="$src/analysis${PYTHONPATH:+:$PYTHONPATH}"  # results_h5: the file read with h5py
source "$src/tests/support/expect.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --status (what slurm/run-sweep.sh asks before it believes a launcher's exit code 0): no file
# yet, every trial is still to run: exit code 5.
"$build/aecnn-sweep" --status "$src/tests/data/sweeps/diverge.toml" -o "$work/r.h5" > "$work/status.log" 2>&1
expect_code 5 $? "--status before the first run" "$work/status.log"
expect_line "$work/status.log" "r.h5: no such file yet: diverge has 3 trial\(s\), all still to run" "--status"
"$mpiexec" -n 2 "$build/aecnn-sweep" "$src/tests/data/sweeps/diverge.toml" -o "$work/r.h5" >"$work/run.log" 2>&1
code=$?
cat "$work/run.log"
[ $code -eq 1 ] || { echo "expected exit code 1, got $code"; exit 1; }
expect_line "$work/run.log" "2 of 3 trials done, 1 failed"
expect_line "$work/run.log" "failed: diverge-0001: training loss became"
expect_line "$work/run.log" "diverge-0001 FAILED: .*; trying again \(attempt 2 of 2\)"
expect_count "$work/run.log" "diverge-0001 started" 2 "attempts of the diverging trial"
/usr/bin/python3 -c "
import h5py, sys, results_h5
t = results_h5.trials(h5py.File(sys.argv[1], 'r'))['diverge-0001']
assert (t.attrs['attempts'], t.attrs['failures'], t.attrs['status']) == (2, 2, 'failed'), t.attrs
" "$work/r.h5" || fail "the failed trial's attributes in the file"
# Nothing is left to run once the failed trial is over its budget: --status exits 0.
"$build/aecnn-sweep" --status "$src/tests/data/sweeps/diverge.toml" -o "$work/r.h5" > "$work/status.log" 2>&1 ||
  fail "--status of a file with nothing left to run: exit code $?: $(cat "$work/status.log")"
expect_line "$work/status.log" "diverge: 3 trial\(s\): 2 done, 1 failed too often to try again, 0 still to run" "--status"
# A trial the file does not record as done (an interrupted one, as a kill leaves it) is still to run.
cp "$work/r.h5" "$work/part.h5"
/usr/bin/python3 -c "
import h5py, sys, results_h5
f = h5py.File(sys.argv[1], 'r+')
f['trials/status'][results_h5.row_of(f, 'diverge-0000')] = b'interrupted'
" "$work/part.h5" || fail "h5py could not mark a trial interrupted"
"$build/aecnn-sweep" --status "$src/tests/data/sweeps/diverge.toml" -o "$work/part.h5" > "$work/status.log" 2>&1
expect_code 5 $? "--status of a file with an interrupted trial" "$work/status.log"
expect_line "$work/status.log" "diverge: 3 trial\(s\): 1 done, 1 failed too often to try again, 1 still to run" "--status"
# Over its budget: the rerun trains nothing, still reports the failure, still exits 1.
"$mpiexec" -n 2 "$build/aecnn-sweep" "$src/tests/data/sweeps/diverge.toml" -o "$work/r.h5" >"$work/rerun.log" 2>&1
code=$?
cat "$work/rerun.log"
[ $code -eq 1 ] || { echo "rerun: expected exit code 1, got $code"; exit 1; }
expect_line "$work/rerun.log" "2 trial\(s\) already done, 0 to run, 1 failed too often to try again"
expect_line "$work/rerun.log" "failed: diverge-0001: failed 2 time\(s\) in earlier runs; not tried again \(max_attempts\)"
/usr/bin/python3 "$src/tests/integration/check_results.py" "$work/r.h5" --done 2 --failed 1 --epochs 1 || fail "check_results.py"
"$build/aecnn-analyze" "$work/r.h5" > "$work/analyze.log" || fail "aecnn-analyze"
expect_line "$work/analyze.log" "^diverge-0001 +failed" "aecnn-analyze's row of the failed trial"
# A file with a failed trial still gets its report; lr is numeric: the by_lr panels appear.
"$build/aecnn-analyze" "$work/r.h5" -o "$work/report" >/dev/null || fail "aecnn-analyze -o"
/usr/bin/python3 "$src/tests/integration/check_report.py" "$work/r.h5" "$work/report" diverge-val_accuracy \
  diverge-curves_loss diverge-lr diverge-by_lr diverge-confusion || fail "check_report.py"
echo "sweep_failure: ok"
