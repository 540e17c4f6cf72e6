#!/usr/bin/env bash
# Adaptive search on rank 0, exact on resume. Two small real sweeps: tests/data/sweeps/prune.toml
# (8 random-search trials under ASHA, two 2-rank gangs under the median rule) and tpe.toml
# (10 TPE trials under ASHA). check_pruned.py re-derives every committed pruning decision with
# its own ASHA and median rules (h5py); aecnn_search_replay_check re-derives every committed TPE
# suggestion from the observations committed before it.
#  1. --dry-run shows the rungs, the budget and the search.
#  2. Uninterrupted runs under mpiexec, and one process without it: every decision follows the
#     rules, pruned trials end at their verdict's epoch with no test metrics, every suggestion
#     re-derives, aecnn-analyze reads the files.
#  3. kill -9 of rank 0 or of a worker in the TPE sweep, each right after a decision was
#     committed (its line is printed after the commit) plus a random delay; after each kill what
#     was committed is snapshotted, and the resumed sweep must keep it as it was (decisions and
#     observations a prefix of its own, started trials' values unchanged), never run a pruned trial
#     again, and make new decisions and suggestions that follow from the replayed ones.
#  4. A verdict committed but not yet acted on (the trial's status set back with h5py, as a kill
#     between the two commits leaves it): the resumed sweep records it pruned without running it.
# AECNN_ADAPTIVE_SEED=N repeats a run's kill choices.
# usage: sweep_adaptive.sh BUILD_DIR SOURCE_DIR MPIEXEC
set -euo pipefail
build=$1 src=$2 mpiexec=$3
export PYTHONPATH="$src/analysis${PYTHONPATH:+:$PYTHONPATH}"  # results_h5: the file read with h5py
source "$src/tests/support/expect.sh"
source "$src/tests/support/mpi_kill.sh"
work=$(mktemp -d)
pid=
cleanup() {
  pkill -9 -f -- "-o $work/" 2>/dev/null || true
  [ -n "${AECNN_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
seed=${AECNN_ADAPTIVE_SEED:-$RANDOM}
RANDOM=$seed
echo "sweep_adaptive: kill moments from seed $seed (AECNN_ADAPTIVE_SEED=$seed repeats them)"
sweep=$src/tests/data/sweeps/prune.toml
sweep_cmd=("$build/aecnn-sweep" "$sweep" --threads 1 --progress plain)
search_cmd=("$build/aecnn-sweep" "$src/tests/data/sweeps/tpe.toml" --threads 1 --progress plain)
check() { /usr/bin/python3 "$src/tests/integration/check_pruned.py" "$@" || fail "check_pruned.py $*"; }
replay() { "$build/tests/aecnn_search_replay_check" "$1" || fail "TPE suggestions of $1 do not re-derive"; }

# 1. What the plan says.
"$build/aecnn-sweep" "$sweep" --dry-run > "$work/dry.log"
expect_line "$work/dry.log" "ASHA: rungs at epoch 1, 2; a trial continues past a rung if it is in the best 1/2" "--dry-run"
expect_line "$work/dry.log" "budget: 32 epochs if no trial is pruned; at least 11 " "--dry-run"
expect_line "$work/dry.log" "median: after 1 completed trial\(s\) and from epoch 2" "--dry-run"
"${search_cmd[@]}" --dry-run > "$work/dry-search.log"
expect_line "$work/dry-search.log" "^tpe-0009 +[0-9a-f]{16} +\(tpe\) +\(tpe\) +1$" "--dry-run of a search"
expect_line "$work/dry-search.log" "^search: sampler=tpe n_trials=10 seed=11 .*lr=loguniform\[1e-05,0.03\]" "--dry-run of a search"

# 2. Uninterrupted, with MPI and without.
"$mpiexec" -n 3 "${sweep_cmd[@]}" -o "$work/mpi.h5" > "$work/mpi.log"
check "$work/mpi.h5" --complete
expect_line "$work/mpi.log" "^sweep finished after .*: [0-9]+ of 10 trials done, [1-9][0-9]* pruned, 0 failed" "mpi run"
expect_line "$work/mpi.log" "^gang-000[01] (done|pruned)" "mpi run: the gangs"
"$build/aecnn-analyze" "$work/mpi.h5" -o "$work/analysis" > "$work/analyze.log" 2>&1 ||
  { cat "$work/analyze.log"; fail "aecnn-analyze on a pruned sweep"; }
expect_line "$work/analyze.log" "^asha-00[0-9][0-9] +pruned " "aecnn-analyze"
"${sweep_cmd[@]}" -o "$work/serial.h5" --set ranks=1 > "$work/serial.log"
check "$work/serial.h5" --complete
"$build/aecnn-sweep" "$sweep" --status -o "$work/serial.h5" --set ranks=1 > "$work/status.log" ||
  fail "--status of a finished pruned sweep: exit $?: $(cat "$work/status.log")"
expect_line "$work/status.log" "10 trial\(s\): [0-9]+ done, [1-9][0-9]* pruned, 0 failed too often to try again, 0 still to run" "--status"
"$mpiexec" -n 3 "${search_cmd[@]}" -o "$work/search.h5" > "$work/search.log"
check "$work/search.h5" --complete
replay "$work/search.h5"


# 3. Kills right after committed decisions, until two of rank 0 and two of a worker landed.
file=0 cycle=0 rank0_kills=0 worker_kills=0
snapshots=()
finish_file() {  # resume the file to its end; it must keep every snapshot's decisions
  local results=$work/run$file.h5
  "$mpiexec" -n 3 "${search_cmd[@]}" -o "$results" > "$work/run$file.final.log"
  expect_line "$work/run$file.final.log" "^sweep finished after .*: [0-9]+ of 10 trials done, ([1-9][0-9]* pruned, )?0 failed" \
    "file $file: the final resume"
  check "$results" --complete ${snapshots[@]+--earlier "${snapshots[@]}"}
  replay "$results"
  file=$((file + 1))
  snapshots=()
}
while [ "$rank0_kills" -lt 2 ] || [ "$worker_kills" -lt 2 ]; do
  cycle=$((cycle + 1))
  [ "$cycle" -le 16 ] || fail "kills landed in $cycle runs: $rank0_kills of rank 0, $worker_kills of a worker"
  results=$work/run$file.h5 log=$work/run$file.$cycle.log
  setsid "$mpiexec" -n 3 "${search_cmd[@]}" -o "$results" > "$log" 2>&1 &
  pid=$!
  if [ $((cycle % 2)) -eq 1 ]; then what="rank 0" rank=0; else what=worker rank=$((1 + RANDOM % 2)); fi
  # A decision committed in this run (the line comes after its commit), then a random while.
  for _ in $(seq 1200); do
    grep -Eq "\[rung [0-9]+: (stop|continue)\]| pruned after epoch" "$log" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  delay=$(printf '0.%03d' $((RANDOM % 1000)))
  sleep "$delay"
  target=$(rank_pid "$rank")
  if [ -n "$target" ] && kill -9 "$target" 2>/dev/null; then
    case $what in worker) worker_kills=$((worker_kills + 1)) ;; *) rank0_kills=$((rank0_kills + 1)) ;; esac
    echo "sweep_adaptive: run $cycle: killed $what ${delay}s after a committed decision"
  else
    echo "sweep_adaptive: run $cycle: the run ended before its kill ($what)"
  fi
  wait_gone "$results"
  pid=
  [ -f "$results" ] || continue
  # Our tools roll back a commit the kill cut short; then h5py sees the last complete commit.
  "$build/aecnn-analyze" "$results" > "$work/analyze.log" 2>&1 || { cat "$work/analyze.log"; fail "aecnn-analyze after run $cycle"; }
  h5dump -H "$results" > /dev/null || fail "h5dump cannot open $results after run $cycle"
  if /usr/bin/python3 -c "import h5py, sys; sys.exit(0 if 'pruning' in h5py.File(sys.argv[1], 'r') else 1)" "$results"; then
    check "$results" --snapshot "$work/snap$cycle.json" ${snapshots[@]+--earlier "${snapshots[@]}"}
    replay "$results"
    snapshots+=("$work/snap$cycle.json")
  fi
  if grep -q "^sweep finished" "$log"; then finish_file; fi
done
finish_file

# 4. A verdict on disk, its trial not yet recorded pruned (nor observed by its sampler).
cp "$work/search.h5" "$work/unacted.h5"
trial=$(/usr/bin/python3 - "$work/unacted.h5" <<'PY'
import sys, h5py, results_h5
with h5py.File(sys.argv[1], "r+") as f:
    name = next(n for n, t in results_h5.trials(f).items() if t.attrs["status"] == "pruned")
    index = results_h5.row_of(f, name)
    f["trials/status"][index] = b"interrupted"
    # The observation was committed with the status: drop it, as the kill would have.
    rows = [i for i in range(len(f["search/trial"])) if f["search/trial"][i] == index]
    assert len(rows) == 1, rows
    keep = [i for i in range(len(f["search/trial"])) if i not in rows]
    for column in ("trial", "epochs", "complete", "value"):
        values = f["search"][column][keep]
        f["search"][column].resize((len(keep),))
        f["search"][column][:] = values
    print(name)
PY
)
"$mpiexec" -n 3 "${search_cmd[@]}" -o "$work/unacted.h5" > "$work/unacted.log"
expect_line "$work/unacted.log" "^$trial pruned after epoch [0-9]+ of 3" "an unacted verdict"
expect_no_line "$work/unacted.log" "^$trial started" "an unacted verdict"
check "$work/unacted.h5" --complete
/usr/bin/python3 - "$work/unacted.h5" "$trial" <<'PY' || fail "the unacted verdict's trial was not observed again"
import sys, h5py, results_h5
with h5py.File(sys.argv[1], "r") as f:
    index = results_h5.row_of(f, sys.argv[2])
    rows = [i for i in range(len(f["search/trial"])) if f["search/trial"][i] == index]
    sys.exit(0 if len(rows) == 1 and f["search/complete"][rows[0]] == 0 else 1)
PY
echo "sweep_adaptive: ok ($rank0_kills kill(s) of rank 0, $worker_kills of a worker in $cycle runs; $file file(s) resumed to the end)"
