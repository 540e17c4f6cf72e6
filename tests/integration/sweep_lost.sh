#!/usr/bin/env bash
# A lost worker under mpiexec, without Slurm (tests/slurm/slurm_jobs.sh does the same under a
# real Slurm, with requeues): once a checkpoint is committed, one worker is stopped (kill -STOP:
# a hung process). Rank 0 must notice the silence after lost.toml's worker_timeout (10 s), record
# that trial interrupted with the reason, stop the others, and end the job with exit code 4 and
# a line saying how to resume, within a bound; nothing of the job may live on. The rerun must
# finish the sweep equal to an uninterrupted run.
# usage: sweep_lost.sh BUILD_DIR SOURCE_DIR MPIEXEC
set -euo pipefail
build=$1 src=$2 mpiexec=$3
export PYTHONPATH="$src/analysis${PYTHONPATH:+:$PYTHONPATH}"  # results_h5: the file read with h5py
source "$src/tests/support/expect.sh"
work=$(mktemp -d)
pid=
cleanup() {
  pkill -9 -f -- "-o $work/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
sweep=("$build/aecnn-sweep" "$src/tests/data/sweeps/lost.toml" --threads 1 --progress plain)

"$mpiexec" -n 3 "${sweep[@]}" -o "$work/reference.h5" > "$work/reference.log" 2>&1 || { cat "$work/reference.log"; fail "the reference run"; }

"$mpiexec" -n 3 "${sweep[@]}" -o "$work/r.h5" > "$work/lost.log" 2>&1 &
pid=$!
wait_for_line "$work/lost.log" " epoch 1/6 " 120 "a committed checkpoint"
worker=
for child in $(pgrep -P "$pid"); do
  tr '\0' '\n' < "/proc/$child/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1" && worker=$child
done
[ -n "$worker" ] || fail "no process of rank 1"
start=$SECONDS
kill -STOP "$worker"
# Bounded: the timeout, a step of every other trial, the abort. A hang would wait forever.
rc=0
timeout 120 tail --pid="$pid" -f /dev/null || fail "the job still runs 120 s after a worker stopped"
wait "$pid" || rc=$?
pid=
ended=$((SECONDS - start))
expect_code 4 "$rc" "the job with a stopped worker" "$work/lost.log"
expect_line "$work/lost.log" "a worker was lost: no new trials" "the stop"
expect_line "$work/lost.log" "interrupted \(lost: no word from rank\(s\) 1 for 1[0-9] s \(hung, stopped or cut off\)\)" "the lost trial"
expect_line "$work/lost.log" "^the sweep can be resumed: run the same command again" "the summary"
expect_line "$work/lost.log" "ending the job \(exit code 4\)" "the last line"
# Open MPI kills the job's processes as it ends (a stopped one too: SIGKILL), the last maybe
# just after mpirun has returned.
for _ in $(seq 100); do kill -0 "$worker" 2>/dev/null || break; sleep 0.1; done
kill -0 "$worker" 2>/dev/null && fail "the stopped worker (pid $worker) outlived the job by 10 s"
# Prints how many interrupted trials have a checkpoint to continue from: whether the lost
# trial had finished an epoch when its worker stopped is a matter of timing (epochs take a
# fraction of a second here), so the rerun is checked against what the file holds.
resumable=$(/usr/bin/python3 - "$work/r.h5" <<'PY'
import sys, h5py, results_h5
trials = results_h5.trials(h5py.File(sys.argv[1], "r"))
lost = [t for t in trials.values() if t.attrs["stop_reason"].startswith("lost: no word from rank(s) 1")]
assert len(lost) == 1 and lost[0].attrs["status"] == "interrupted", {n: t.attrs for n, t in trials.items()}
print(sum(1 for t in trials.values()
          if t.attrs["status"] == "interrupted" and t.checkpoint is not None and t.checkpoint.attrs["epochs_done"] > 0))
PY
) || fail "the lost trial in the file"
/usr/bin/python3 "$src/tests/integration/check_killed.py" "$work/r.h5" --logs "$work/lost.log" \
  --reference "$work/reference.h5" || fail "a trial committed before the loss is not whole"

"$mpiexec" -n 3 "${sweep[@]}" -o "$work/r.h5" > "$work/resume.log" 2>&1 || { cat "$work/resume.log"; fail "the rerun"; }
if [ "$resumable" -gt 0 ]; then
  expect_count "$work/resume.log" "continuing after epoch" "$resumable" "the rerun (interrupted trials with a checkpoint)"
else
  expect_no_line "$work/resume.log" "continuing after epoch" "the rerun (no interrupted trial had a checkpoint)"
fi
expect_line "$work/resume.log" "8 of 8 trials done, 0 failed" "the rerun"
/usr/bin/python3 "$src/tests/integration/check_killed.py" "$work/r.h5" --logs "$work/lost.log" "$work/resume.log" \
  --reference "$work/reference.h5" --complete --weights || fail "the resumed sweep differs from the uninterrupted run"
echo "sweep_lost: ok: the job ended with exit code 4 ${ended} s after its worker stopped; the rerun finished the sweep" \
     "($resumable interrupted trial(s) continued from a checkpoint)"
