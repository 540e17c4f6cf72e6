#!/usr/bin/env bash
# kill -9 a running sweep again and again, at least KILLS times (default 10): mpirun itself, one
# worker rank, or rank 0 (the writer), in turn; at least one worker and one rank-0 kill must
# really land (a kill that finds its target gone does not count). Each kill waits for its target
# to be running, then a random delay. After every kill the results file must open with h5dump,
# h5py and aecnn-analyze, and every trial committed before the kill must be intact
# (check_killed.py). Each rerun resumes the file. At the end the resumed sweep must equal an
# uninterrupted run trial for trial: same ids, all done, histories, test metrics and final weights
# bitwise equal (one thread per rank makes training deterministic), nothing trained to the end
# twice. (Kills at every single write of the file: tests/crash/crash_points.sh.)
# Then SIGUSR1, SIGTERM and SIGINT stop a sweep cleanly (under mpirun and without it): each is
# sent once the run has committed a checkpoint (a state, not a time), and the rerun continues
# from the checkpoints to the same results. AECNN_KILL_SEED=N repeats a run's choices.
# usage: sweep_kill.sh BUILD_DIR SOURCE_DIR MPIEXEC [KILLS]
set -euo pipefail
build=$1 src=$2 mpiexec=$3 kills=${4:-10}
source "$src/tests/support/expect.sh"
source "$src/tests/support/mpi_kill.sh"
work=$(mktemp -d)
pid=
cleanup() {
  pkill -9 -f -- "-o $work/" 2>/dev/null || true
  [ -n "${AECNN_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
seed=${AECNN_KILL_SEED:-$RANDOM}
RANDOM=$seed
echo "sweep_kill: kill moments from seed $seed (AECNN_KILL_SEED=$seed repeats them)"
sweep=$src/tests/data/sweeps/kill.toml
sweep_cmd=("$build/aecnn-sweep" "$sweep" --threads 1 --progress plain)
check() { /usr/bin/python3 "$src/tests/integration/check_killed.py" "$@" || fail "check_killed.py $*"; }

"$mpiexec" -n 3 "${sweep_cmd[@]}" -o "$work/reference.h5" > "$work/reference.log"
check "$work/reference.h5" --logs "$work/reference.log"


file=0 cycle=0 real_kills=0 worker_kills=0 rank0_kills=0
logs=()
while [ "$real_kills" -lt "$kills" ] || [ "$worker_kills" -lt 1 ] || [ "$rank0_kills" -lt 1 ]; do
  cycle=$((cycle + 1))
  [ "$cycle" -le $((kills * 4)) ] ||
    fail "$real_kills kills landed in $cycle runs ($worker_kills of a worker, $rank0_kills of rank 0)"
  results=$work/run$file.h5 log=$work/run$file.$cycle.log
  setsid "$mpiexec" -n 3 "${sweep_cmd[@]}" -o "$results" > "$log" 2>&1 &
  pid=$!
  # The target first exists (a state), then lives a random while longer.
  case $((cycle % 3)) in
    0) what=mpirun rank= ;;
    1) what=worker rank=$((1 + RANDOM % 2)) ;;
    2) what="rank 0" rank=0 ;;
  esac
  target=
  for _ in $(seq 300); do
    if [ -z "$rank" ]; then target=$pid; else target=$(rank_pid "$rank"); fi
    [ -n "$target" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  # Every other kill lands right after an epoch's checkpoint is committed (its line is printed
  # after the commit) while the trial has epochs left: so some rerun surely continues a trial
  # from a checkpoint. The others land at a random moment.
  if [ $((cycle % 2)) -eq 0 ]; then
    when="right after a committed epoch"
    for _ in $(seq 600); do
      grep -Eq " epoch [1-3]/4 " "$log" 2>/dev/null && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
  else
    when=$(printf '%d.%03ds after it started' $((RANDOM % 4)) $((RANDOM % 1000)))
    sleep "${when%%s *}"
  fi
  if [ -n "$target" ] && kill -9 "$target" 2>/dev/null; then
    real_kills=$((real_kills + 1))
    case $what in worker) worker_kills=$((worker_kills + 1)) ;; "rank 0") rank0_kills=$((rank0_kills + 1)) ;; esac
    echo "sweep_kill: run $cycle: killed $what $when"
  else
    echo "sweep_kill: run $cycle: the run ended before its kill ($what)"
  fi
  wait_gone "$results"
  pid=
  logs+=("$log")
  [ -f "$results" ] || continue  # killed before rank 0 created it
  "$build/aecnn-analyze" "$results" > "$work/analyze.log" 2>&1 || { cat "$work/analyze.log"; fail "aecnn-analyze after run $cycle"; }
  h5dump -H "$results" > /dev/null || fail "h5dump cannot open $results after run $cycle"
  check "$results" --logs "${logs[@]}" --reference "$work/reference.h5"
  if grep -q "^sweep finished" "$log"; then
    # The run ended before its kill: it must equal the reference; the next runs start a new file.
    check "$results" --logs "${logs[@]}" --reference "$work/reference.h5" --complete --weights
    file=$((file + 1))
    logs=()
  fi
done

# Signals stop a sweep cleanly: running trials are interrupted at their next step, no trial
# starts after the signal, the exit code says so (3; mpirun itself answers SIGTERM and SIGINT
# with 1, forwarding them as SIGTERM), and the rerun continues each trial from its checkpoint to
# the uninterrupted run's results. Each signal gets a fresh file of signals.toml, whose trials
# run 30 epochs: sent once the first epoch is committed, it finds them running.
signals=("$build/aecnn-sweep" "$src/tests/data/sweeps/signals.toml" --threads 1 --progress plain)
"$mpiexec" -n 3 "${signals[@]}" -o "$work/signals-reference.h5" > "$work/signals-reference.log"
for sig in USR1 TERM INT; do
  out=$work/signal.$sig
  "$mpiexec" -n 3 "${signals[@]}" -o "$out.h5" > "$out.log" 2>&1 &
  pid=$!
  # " epoch 1/30 " is printed once that epoch's checkpoint is committed.
  wait_for_line "$out.log" " epoch 1/30 " 120 "SIG$sig: a committed checkpoint"
  kill -"$sig" "$pid"
  rc=0
  wait "$pid" || rc=$?
  pid=
  expect_code "$([ "$sig" = USR1 ] && echo 3 || echo 1)" "$rc" "SIG$sig" "$out.log"
  expect_line "$out.log" "received: no new trials" "SIG$sig"
  [ -z "$(sed -n '/received: no new trials/,$p' "$out.log" | grep " started on rank")" ] ||
    fail "SIG$sig: a trial started after the signal: $(cat "$out.log")"
  expect_line "$out.log" " interrupted \(SIG[A-Z0-9]+ received\); its last checkpoint is in the results file" "SIG$sig"
  # The whole command, mpiexec's part too: the ranks' own command line alone does not resume it.
  expect_line "$out.log" "^the sweep can be resumed: run the same command again \(.*mpiexec -n 3 .*signals.toml" "SIG$sig"
  check "$out.h5" --logs "$out.log" --reference "$work/signals-reference.h5"
  "$mpiexec" -n 3 "${signals[@]}" -o "$out.h5" > "$out.resume.log"
  expect_line "$out.resume.log" "continuing after epoch" "SIG$sig: the rerun"
  expect_line "$out.resume.log" "2 of 2 trials done, 0 failed" "SIG$sig: the rerun"
  check "$out.h5" --logs "$out.log" "$out.resume.log" --reference "$work/signals-reference.h5" --complete --weights
done

# One process without mpirun: Ctrl-C (SIGINT) stops it with exit code 3, the rerun continues.
serial_cmd=("$build/aecnn-sweep" "$src/tests/data/sweeps/tiny.toml" --threads 1 --progress plain -o "$work/serial.h5")
"${serial_cmd[@]}" > "$work/serial.log" 2>&1 &
pid=$!
wait_for_line "$work/serial.log" " epoch 1/2 " 120 "serial SIGINT: a committed checkpoint"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
pid=
expect_code 3 "$rc" "serial SIGINT" "$work/serial.log"
# aecnn-analyze counts what it lists: every trial of its table in the header's counts.
"$build/aecnn-analyze" "$work/serial.h5" > "$work/serial.analyze" 2>&1 || fail "aecnn-analyze after SIGINT: $(cat "$work/serial.analyze")"
/usr/bin/python3 - "$work/serial.analyze" <<'PY' || fail "aecnn-analyze's header after SIGINT does not count its table"
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"(\d+) trials recorded: (\d+) done, (\d+) running or interrupted, (\d+) failed", text)
assert m, text
total, done, stopped, failed = map(int, m.groups())
rows = re.findall(r"^tiny-\d+\s+(\S+)", text, re.M)
assert total == len(rows) == done + stopped + failed, (m.group(0), rows)
assert stopped == sum(s in ("running", "interrupted") for s in rows) >= 1, (m.group(0), rows)
PY
# A second Ctrl-C once the stop is complete: it has nothing left to stop, and the exit code stays 3.
"$build/aecnn-sweep" "$src/tests/data/sweeps/tiny.toml" --threads 1 --progress plain -o "$work/serial2.h5" > "$work/serial2.log" 2>&1 &
pid=$!
wait_for_line "$work/serial2.log" " epoch 1/2 " 120 "second SIGINT: a committed checkpoint"
kill -INT "$pid"
wait_for_line "$work/serial2.log" "^the sweep can be resumed" 120 "second SIGINT: the clean stop"
kill -INT "$pid" 2> /dev/null || true  # it may have exited already: the code is 3 either way
rc=0
wait "$pid" || rc=$?
pid=
expect_code 3 "$rc" "a second SIGINT after the clean stop" "$work/serial2.log"
"${serial_cmd[@]}" > "$work/serial.resume.log"
expect_line "$work/serial.resume.log" "continuing after epoch 1" "serial rerun"
expect_line "$work/serial.resume.log" "4 of 4 trials done, 0 failed" "serial rerun"

# Resume the killed file to the end; it must equal the uninterrupted run.
"$mpiexec" -n 3 "${sweep_cmd[@]}" -o "$work/run$file.h5" > "$work/final.log"
logs+=("$work/final.log")
expect_line "$work/final.log" "8 of 8 trials done, 0 failed" "the final resume"
check "$work/run$file.h5" --logs "${logs[@]}" --reference "$work/reference.h5" --complete --weights
continued=$(cat "$work"/run*.log "$work/final.log" | grep -c "continuing after epoch" || true)
[ "$continued" -ge 1 ] || fail "no trial continued from a checkpoint after a kill"
echo "sweep_kill: ok ($real_kills kills in $cycle runs: $worker_kills of a worker, $rank0_kills of rank 0;" \
     "$continued trial(s) continued from a checkpoint after a kill)"
