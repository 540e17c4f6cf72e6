#!/usr/bin/env bash
# Kill -9 a running sweep at random moments, at least KILLS times (default 10): mpirun itself,
# one worker rank, or rank 0 (the writer), in turn. After every kill the results file must open
# with h5dump, h5py and aecnn-analyze, and every trial committed before the kill must be intact
# (check_killed.py). Each rerun resumes the file. At the end the resumed sweep must equal an
# uninterrupted run trial for trial: same ids, all done, histories and test metrics bitwise
# equal (one thread per rank makes training deterministic), nothing trained to the end twice.
# Then SIGUSR1, SIGTERM and SIGINT stop a sweep cleanly (under mpirun and without it), and the
# reruns continue from the checkpoints to the same results. AECNN_KILL_SEED=N repeats a run's
# kill moments.
# usage: sweep_kill.sh BUILD_DIR SOURCE_DIR MPIEXEC [KILLS]
set -euo pipefail
build=$1 src=$2 mpiexec=$3 kills=${4:-10}
work=$(mktemp -d)
pid=
cleanup() {
  pkill -9 -f -- "-o $work/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
seed=${AECNN_KILL_SEED:-$RANDOM}
RANDOM=$seed
echo "sweep_kill: kill moments from seed $seed (AECNN_KILL_SEED=$seed repeats them)"
sweep=$src/tests/data/sweeps/kill.toml
sweep_cmd=("$build/aecnn-sweep" "$sweep" --threads 1 --progress plain)
check() { /usr/bin/python3 "$src/tests/integration/check_killed.py" "$@"; }

"$mpiexec" -n 3 "${sweep_cmd[@]}" -o "$work/reference.h5" > "$work/reference.log"
check "$work/reference.h5" --logs "$work/reference.log"

# The rank's pid from its environment: Open MPI sets OMPI_COMM_WORLD_RANK for every rank.
rank_pid() {
  for child in $(pgrep -P "$pid" 2>/dev/null); do
    if tr '\0' '\n' < "/proc/$child/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1"; then
      echo "$child"
      return
    fi
  done
}

file=0 cycle=0 real_kills=0
logs=()
while [ "$real_kills" -lt "$kills" ]; do
  cycle=$((cycle + 1))
  [ "$cycle" -le $((kills * 4)) ] || { echo "sweep_kill: too many runs ended before their kill"; exit 1; }
  results=$work/run$file.h5 log=$work/run$file.$cycle.log
  setsid "$mpiexec" -n 3 "${sweep_cmd[@]}" -o "$results" > "$log" 2>&1 &
  pid=$!
  delay=$(printf '%d.%03d' $((RANDOM % 4)) $((RANDOM % 1000)))
  sleep "$delay"
  case $((cycle % 3)) in
    0) target=$pid what=mpirun ;;
    1) target=$(rank_pid $((1 + RANDOM % 2))) what=worker ;;
    2) target=$(rank_pid 0) what="rank 0" ;;
  esac
  [ -n "$target" ] || target=$pid what="mpirun (ranks not started yet)"
  if kill -9 "$target" 2>/dev/null; then
    real_kills=$((real_kills + 1))
    echo "sweep_kill: run $cycle: killed $what after ${delay}s"
  fi
  # Open MPI tears the job down itself (SIGTERM to the ranks left, then SIGKILL); give it 15 s,
  # then nothing of the job may live on before the file is read. (mpirun gives every rank its
  # own process group, so the ranks are found by their command line: the results path.)
  for _ in $(seq 150); do pgrep -f -- "-o $results" > /dev/null || break; sleep 0.1; done
  pkill -9 -f -- "-o $results" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for _ in $(seq 50); do pgrep -f -- "-o $results" > /dev/null || break; sleep 0.1; done
  pid=
  logs+=("$log")
  [ -f "$results" ] || continue  # killed before rank 0 created it
  h5dump -H "$results" > /dev/null
  check "$results" --logs "${logs[@]}" --reference "$work/reference.h5"
  "$build/aecnn-analyze" "$results" > /dev/null
  if grep -q "^sweep finished" "$log"; then
    # The run ended before its kill: it must equal the reference; the next runs start a new file.
    check "$results" --logs "${logs[@]}" --reference "$work/reference.h5" --complete
    file=$((file + 1))
    logs=()
  fi
done

# Signals stop a sweep cleanly: running trials are interrupted at their next step, the exit code
# says so (3; mpirun itself answers SIGTERM and SIGINT with 1, forwarding them as SIGTERM), and
# the rerun continues each trial from its checkpoint to the uninterrupted run's results.
for sig in USR1 TERM INT; do
  "$mpiexec" -n 3 "${sweep_cmd[@]}" -o "$work/signals.h5" > "$work/signal.$sig.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do grep -q " epoch 1/4 " "$work/signal.$sig.log" && break; sleep 0.1; done
  kill -"$sig" "$pid"
  rc=0
  wait "$pid" || rc=$?
  pid=
  expected=$([ "$sig" = USR1 ] && echo 3 || echo 1)
  [ "$rc" = "$expected" ] || { echo "sweep_kill: SIG$sig: exit code $rc, expected $expected"; exit 1; }
  grep -q "received: no new trials" "$work/signal.$sig.log"
  grep -q "^the sweep can be resumed" "$work/signal.$sig.log"
  check "$work/signals.h5" --logs "$work"/signal.*.log --reference "$work/reference.h5"
done
grep -q " interrupted; its last checkpoint is in the results file" "$work"/signal.*.log
"$mpiexec" -n 3 "${sweep_cmd[@]}" -o "$work/signals.h5" > "$work/signal.resume.log"
grep -q "continuing after epoch" "$work/signal.resume.log"
check "$work/signals.h5" --logs "$work"/signal.*.log --reference "$work/reference.h5" --complete

# One process without mpirun: Ctrl-C (SIGINT) stops it with exit code 3, the rerun continues.
serial_cmd=("$build/aecnn-sweep" "$src/tests/data/sweeps/tiny.toml" --threads 1 --progress plain -o "$work/serial.h5")
"${serial_cmd[@]}" > "$work/serial.log" 2>&1 &
pid=$!
for _ in $(seq 300); do grep -q " epoch 1/2 " "$work/serial.log" && break; sleep 0.1; done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 3 ] || { echo "sweep_kill: serial SIGINT: exit code $rc, expected 3"; cat "$work/serial.log"; exit 1; }
"${serial_cmd[@]}" > "$work/serial.resume.log"
grep -q "continuing after epoch 1" "$work/serial.resume.log"
grep -q "4 of 4 trials done, 0 failed" "$work/serial.resume.log"

# Resume to the end; the file must equal the uninterrupted run.
"$mpiexec" -n 3 "${sweep_cmd[@]}" -o "$work/run$file.h5" > "$work/final.log"
logs+=("$work/final.log")
grep -q "8 of 8 trials done, 0 failed" "$work/final.log"
check "$work/run$file.h5" --logs "${logs[@]}" --reference "$work/reference.h5" --complete
continued=$(cat "$work"/run*.log "$work/final.log" | grep -c "continuing after epoch" || true)
[ "$continued" -ge 1 ] || { echo "sweep_kill: no trial continued from a checkpoint after a kill"; exit 1; }
echo "sweep_kill: ok ($real_kills kills in $cycle runs; $continued trial(s) continued from a checkpoint after a kill)"
