#!/usr/bin/env bash
# Crash at every write point, deterministically: a small real sweep (tests/data/sweeps/crash.toml:
# a 1-rank trial, a 2-rank gang, a failing trial tried twice) runs once per write point N, with
# crash_shim.so ending rank 0 (the only writer) at its N-th call that changes the results file or
# its journal. After each crash:
#   - the raw file is tried with h5dump before any tool of ours touches it (counted, not required:
#     a commit cut halfway is in the file until its journal is rolled back);
#   - aecnn-analyze opens it (rolling back an unfinished commit), then h5dump and h5py do, and
#     every trial the crashed run reported done is whole (check_killed.py);
#   - the sweep is run again and must end exactly as the uninterrupted run: statuses, histories,
#     test metrics, confusion matrices and final weights, bitwise (one thread per rank).
# The points include the end of a run that compacts the file (a copy written beside it, then
# renamed over it): a crash there must leave the old file or the new one, and the rerun removes a
# leftover copy. MODE exit ends the process before the N-th call; torn cuts the N-th write to half its bytes
# first (a power loss mid-write). STEP > 1 tries every STEP-th point from OFFSET (default: the day
# number, so that successive days cover different points); AECNN_CRASH_OFFSET=K repeats a run.
# usage: crash_points.sh BUILD_DIR SOURCE_DIR MPIEXEC SHIM MODE [STEP]
set -euo pipefail
build=$1 src=$2 mpiexec=$3 shim=$4 mode=$5 step=${6:-1}
source "$src/tests/support/expect.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The two modes start half a step apart, so that together they cover twice the points.
shift_by=$([ "$mode" = torn ] && echo $((step / 2)) || echo 0)
offset=${AECNN_CRASH_OFFSET:-$(( ($(date +%s) / 86400 + shift_by) % step + 1 ))}
sweep=("$build/aecnn-sweep" "$src/tests/data/sweeps/crash.toml" --threads 1 --progress plain)
check() { /usr/bin/python3 "$src/tests/integration/check_killed.py" "$@"; }

# The uninterrupted run: its file is the reference, its call count the number of write points.
AECNN_CRASH_FILE=$work/ref.h5 AECNN_CRASH_AT=0 AECNN_CRASH_REPORT=$work/ref.report LD_PRELOAD=$shim \
  "$mpiexec" -n 3 "${sweep[@]}" -o "$work/ref.h5" > "$work/ref.log" 2>&1 || true
expect_line "$work/ref.log" "^sweep finished .*: 2 of 3 trials done, 1 failed" "the uninterrupted run"
expect_line "$work/ref.report" "^completed after [0-9]+ calls" "the shim's count"
points=$(grep -o "[0-9]\+" "$work/ref.report")
echo "crash_points: $mode: $points write points in the uninterrupted run; trying every ${step}th from $offset" \
     "(AECNN_CRASH_OFFSET=$offset repeats)"

tried=0 crashed=0 passed=0 raw_ok=0 rolled_back=0 discarded=0 never_committed=0
for ((n = offset; n <= points; n += step)); do
  r=$work/r.h5
  rm -f "$r" "$r.journal" "$r.compacting" "$work"/*.log "$work/crash.report"
  tried=$((tried + 1))
  AECNN_CRASH_FILE=$r AECNN_CRASH_AT=$n AECNN_CRASH_MODE=$mode AECNN_CRASH_REPORT=$work/crash.report \
    LD_PRELOAD=$shim "$mpiexec" -n 3 "${sweep[@]}" -o "$r" > "$work/crash.log" 2>&1 || true
  if grep -q "^crashed at $n:" "$work/crash.report" 2>/dev/null; then
    crashed=$((crashed + 1))
    what=$(sed 's/^crashed at [0-9]*: //; s|'"$work"'/||' "$work/crash.report")
  else
    what="no crash: this run made fewer calls ($(cat "$work/crash.report" 2>/dev/null))"
  fi
  state=
  if [ ! -s "$r" ]; then
    # Nothing reaches the file before its first commit completes.
    never_committed=$((never_committed + 1))
    state="never committed"
    [ ! -s "$r.journal" ] || [ -e "$r" ] || fail "point $n: a journal without its file"
  else
    if h5dump -H "$r" > /dev/null 2>&1; then raw_ok=$((raw_ok + 1)); state="raw file opens"; else state="raw file torn"; fi
    if [ "$(head -c 8 "$r.journal" 2>/dev/null)" = AECNN-J1 ]; then
      # An undo record (complete or not): h5py users are sent to an aecnn tool first.
      ! /usr/bin/python3 "$src/analysis/load_results.py" "$r" "$work/py.png" > "$work/py.log" 2>&1 ||
        fail "point $n ($what): load_results.py read a file with an unfinished commit"
      expect_line "$work/py.log" "a commit was left unfinished .*run .aecnn-analyze" "point $n: load_results.py"
    elif [ -e "$r.journal" ]; then
      # Empty or retired: the file is as its last commit left it, and h5py may read it as it is.
      /usr/bin/python3 "$src/analysis/load_results.py" "$r" "$work/py.png" > "$work/py.log" 2>&1 ||
        { cat "$work/py.log"; fail "point $n ($what): load_results.py refused a file whose journal holds no commit"; }
    fi
    analyzed=0
    "$build/aecnn-analyze" "$r" > "$work/analyze.log" 2> "$work/analyze.err" && analyzed=1
    if grep -q "rolled back" "$work/analyze.err"; then rolled_back=$((rolled_back + 1)); state="$state, rolled back"; fi
    if grep -q "leftover journal" "$work/analyze.err"; then discarded=$((discarded + 1)); state="$state, journal discarded"; fi
    [ ! -e "$r.journal" ] || fail "point $n ($what): the journal is still there after aecnn-analyze"
    if [ "$analyzed" -eq 0 ] && [ ! -s "$r" ] && grep -q "stopped before its first commit" "$work/analyze.err"; then
      never_committed=$((never_committed + 1))  # the first commit itself was rolled back
      state="$state to never committed"
    elif [ "$analyzed" -eq 0 ]; then
      cat "$work/analyze.err"
      fail "point $n ($what): aecnn-analyze cannot open the file after the crash"
    else
      h5dump -H "$r" > /dev/null 2> "$work/h5dump.err" ||
        { cat "$work/h5dump.err"; fail "point $n ($what): h5dump cannot open the recovered file"; }
      check "$r" --logs "$work/crash.log" --reference "$work/ref.h5" > /dev/null ||
        fail "point $n ($what): a trial committed before the crash is not whole"
    fi
  fi
  rc=0
  "$mpiexec" -n 3 "${sweep[@]}" -o "$r" > "$work/resume.log" 2>&1 || rc=$?
  expect_code 1 "$rc" "point $n ($what): the resumed sweep (1 = the failing trial failed)" "$work/resume.log"
  expect_line "$work/resume.log" "^sweep finished .*: 2 of 3 trials done, 1 failed" "point $n: the resumed sweep"
  check "$r" --logs "$work/crash.log" "$work/resume.log" --reference "$work/ref.h5" --complete --weights > /dev/null ||
    fail "point $n ($what): the resumed sweep differs from the uninterrupted run"
  [ ! -e "$r.compacting" ] || fail "point $n ($what): the resumed sweep left a compaction's copy behind"
  if [[ $what == *compacting* ]]; then
    # The crashed run had recorded the dead space it was giving back; the run that finishes must
    # finish the job (the uninterrupted run's file is compacted).
    size=$(stat -c %s "$r") ref_size=$(stat -c %s "$work/ref.h5")
    [ "$size" -le $((ref_size * 5 / 4)) ] ||
      fail "point $n ($what): the resumed sweep left the file uncompacted ($size bytes; the uninterrupted run's: $ref_size)"
  fi
  passed=$((passed + 1))
  echo "crash_points: $mode point $n: $what: $state; resumed to the uninterrupted run's results"
done
echo "crash_points: $mode: $passed of $tried points passed ($crashed crashed there; of the crashed files" \
     "$raw_ok opened raw, $rolled_back needed a roll-back, $discarded had a leftover journal," \
     "never committed: $never_committed) out of $points write points"
[ "$passed" -eq "$tried" ] || fail "$((tried - passed)) points failed"
