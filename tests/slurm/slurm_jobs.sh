#!/usr/bin/env bash
# The slurm/ scripts, submitted to a real Slurm: starts a single-node Slurm on this machine
# (slurmctld, slurmd, munged; slurm.conf.in), then
#  1. sbatch slurm/sweep-cpu.sbatch on the tiny sweep, launched with srun, and again with
#     mpirun (the documented alternative): each job completes and results.h5 has every trial;
#  2. the time-limit path: a longer sweep gets the pre-timeout SIGUSR1 (scancel --signal=USR1
#     --batch, what #SBATCH --signal=B:USR1@300 sends), checkpoints, requeues itself, and the
#     requeued run resumes the same file to the end.
#  3. a lost worker: kill -9 of a worker task, and kill -STOP of one; each job ends in bounded
#     time, is requeued, and its requeued run finishes the sweep equal to an uninterrupted run;
#  4. bad input: the job fails at once and is not requeued;
#  5. a job step that fails to launch (srun exits 0 then) is not taken for a finished sweep:
#     run-sweep.sh launches it again.
# The daemons are stopped by their PIDs at the end, pass or fail. Needs root (slurmd) and the
# Debian packages slurmctld, slurmd, slurm-client and munge (scripts/setup installs them).
# usage: slurm_jobs.sh BUILD_DIR SOURCE_DIR [MPIEXEC]
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
export PYTHONPATH="$src/analysis${PYTHONPATH:+:$PYTHONPATH}"  # results_h5: the file read with h5py
source "$src/tests/support/expect.sh"
MPIEXEC=${3:-mpiexec}
if [ "$(id -u)" -ne 0 ]; then
  echo "slurm_jobs: skipped: starting slurmd needs root"
  exit 77
fi
for tool in slurmctld slurmd munged sbatch scontrol; do
  command -v "$tool" > /dev/null || { echo "slurm_jobs: $tool is missing: run scripts/setup"; exit 1; }
done

dir=$(mktemp -d /tmp/aecnn-slurm.XXXXXX)
chmod 755 "$dir"
mkdir -p "$dir/state" "$dir/spool"
source "$src/tests/slurm/munge.sh"
stop_daemons() {
  local status=$?
  local pids=()
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid"; do
    [ -f "$pidfile" ] && pids+=("$(cat "$pidfile")")
  done
  kill "${pids[@]}" 2>/dev/null || true
  # Gone before the next test may start its own (Slurm's ports; munge_down waits for munged).
  for _ in $(seq 100); do
    local alive=0 pid
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  munge_down
  if [ "$status" -ne 0 ]; then
    echo "slurm_jobs: FAILED; the daemons' logs:"
    tail -n 20 "$dir"/slurmctld.log "$dir"/slurmd.log 2>/dev/null || true
    for out in "$dir"/*.out; do [ -f "$out" ] && { echo "== $out"; cat "$out"; }; done
  fi
  rm -rf "$dir"
}
trap stop_daemons EXIT

host=$(hostname -s)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
sed -e "s|@HOST@|$host|g" -e "s|@DIR@|$dir|g" -e "s|@MEM@|$mem|g" "$src/tests/slurm/slurm.conf.in" > "$dir/slurm.conf"
export SLURM_CONF=$dir/slurm.conf

munge_up || { echo "slurm_jobs: munged did not come up"; exit 1; }
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && break; sleep 0.5; done
[ "$(sinfo -h -o %T)" = idle ] || { echo "slurm_jobs: the node did not come up"; exit 1; }
echo "slurm_jobs: Slurm $(sinfo --version | cut -d' ' -f2) up on $host"

job_state() { scontrol show job "$1" -o 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2; }
# Waits (at most $2 seconds) for job $1 to complete; any other end fails.
wait_completed() {
  local state
  for _ in $(seq "$2"); do
    state=$(job_state "$1")
    case $state in
      COMPLETED) return 0 ;;
      FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE)
        echo "slurm_jobs: job $1 ended $state"; return 1 ;;
    esac
    sleep 1
  done
  echo "slurm_jobs: job $1 still $state after $2 s"
  return 1
}

# The sbatch scripts find run-sweep.sh through the submit directory: submit from the checkout.
cd "$src"
export AECNN_SWEEP=$build/aecnn-sweep

# Requeued jobs wait for a begin time; start job $1 now rather than in Slurm's two minutes, but
# only once its first run has left the node: every slurmstepd of the job gone (a step daemon
# still cleaning up holds the PMIx socket its namesake step of the next run needs), and the next
# second begun (slurmd compares the new credential with its revocation in whole seconds).
start_requeued() {
  for _ in $(seq 240); do
    [ "$(job_state "$1")" = PENDING ] && [ "$(sinfo -h -o %T)" = idle ] &&
      ! pgrep -f "^slurmstepd: \[$1\." > /dev/null && break
    sleep 0.5
  done
  [ "$(job_state "$1")" = PENDING ] || fail "job $1 is $(job_state "$1"), not pending after its requeue"
  pgrep -af "^slurmstepd: \[$1\." && fail "job $1's step daemons are still running 120 s after its requeue"
  sleep 2
  scontrol update jobid="$1" StartTime=now
}

# 1. One job, 3 tasks (rank 0 schedules, 2 train), srun and then mpirun as the launcher.
for launcher in srun mpirun; do
  id=$(AECNN_LAUNCHER=$launcher sbatch --parsable --ntasks=3 --cpus-per-task=1 --time=10 \
         --output="$dir/cpu-$launcher.out" slurm/sweep-cpu.sbatch tests/data/sweeps/tiny.toml "$dir/cpu-$launcher.h5")
  wait_completed "$id" 300
  expect_line "$dir/cpu-$launcher.out" "on 3 tasks, 1 thread\(s\) each" "$launcher"
  expect_line "$dir/cpu-$launcher.out" "4 of 4 trials done, 0 failed" "$launcher"
  /usr/bin/python3 "$src/tests/integration/check_results.py" "$dir/cpu-$launcher.h5" --done 4 --epochs 2 ||
    fail "check_results.py on the $launcher job's file"
  echo "slurm_jobs: sweep-cpu.sbatch with $launcher: job $id completed, 4 of 4 trials in results.h5"
done

# 2. The warning before a time limit: checkpoint, stop, requeue, resume.
out=$dir/requeue.out
id=$(sbatch --parsable --ntasks=3 --cpus-per-task=1 --time=10 --output="$out" \
       slurm/sweep-cpu.sbatch tests/data/sweeps/kill.toml "$dir/requeue.h5")
wait_for_line "$out" " epoch 1/4 " 120 "a committed checkpoint before the warning"
scancel --signal=USR1 --batch "$id"
wait_for_line "$out" "requeueing job $id" 120 "the requeue after SIGUSR1"
start_requeued "$id"
wait_completed "$id" 300
expect_line "$out" "SIGUSR1 received: no new trials" "the warned run"
expect_line "$out" "^the sweep can be resumed" "the warned run"
expect_line "$out" "\(restart 1\)" "the requeued run"
expect_line "$out" "continuing after epoch" "the requeued run"
expect_line "$out" "8 of 8 trials done, 0 failed" "the requeued run"
/usr/bin/python3 "$src/tests/integration/check_killed.py" "$dir/requeue.h5" --logs "$out" || fail "check_killed.py"
/usr/bin/python3 -c "
import h5py, sys
statuses = list(h5py.File(sys.argv[1], 'r')['trials/status'].asstr()[()])
assert statuses == ['done'] * 8, statuses
" "$dir/requeue.h5" || fail "not every trial done after the requeue"
echo "slurm_jobs: job $id got SIGUSR1, checkpointed, requeued itself and resumed to 8 of 8 trials"

# 3. A lost worker, for real: kill -9 of one worker task (the MPI launcher ends the job), and
# kill -STOP of one (a hung process: rank 0 notices the silence after lost.toml's worker_timeout
# of 10 s and ends the job with exit code 4). Each job must end within its bound, be requeued by
# run-sweep.sh, and its requeued run must finish the sweep equal to an uninterrupted run.
"$MPIEXEC" -n 3 "$build/aecnn-sweep" tests/data/sweeps/lost.toml --threads 1 --progress plain \
  -o "$dir/lost-reference.h5" > "$dir/lost-reference.log" 2>&1 || { cat "$dir/lost-reference.log"; fail "the reference run"; }
worker_task() {  # the pid of job $1's task $2
  for p in $(pgrep -f "aecnn-sweep .*lost.toml"); do
    env=$(tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null) || continue
    grep -qx "SLURM_JOB_ID=$1" <<< "$env" && grep -qx "SLURM_PROCID=$2" <<< "$env" && { echo "$p"; return; }
  done
}
for signal in KILL STOP; do
  bound=$([ $signal = KILL ] && echo 60 || echo 90)
  out=$dir/lost-$signal.out
  id=$(sbatch --parsable --ntasks=3 --cpus-per-task=1 --time=10 --output="$out" \
         slurm/sweep-cpu.sbatch tests/data/sweeps/lost.toml "$dir/lost-$signal.h5")
  wait_for_line "$out" " epoch 1/6 " 120 "kill -$signal: a committed checkpoint"
  pid=$(worker_task "$id" 1)
  [ -n "$pid" ] || fail "kill -$signal: no process of task 1 of job $id"
  start=$SECONDS
  kill -"$signal" "$pid"
  wait_for_line "$out" "requeueing job $id" "$bound" "kill -$signal of a worker: the job's end and requeue"
  ended=$((SECONDS - start))
  start_requeued "$id"
  wait_completed "$id" 300
  expect_line "$out" "\(restart 1\)" "kill -$signal: the requeued run"
  expect_line "$out" "8 of 8 trials done, 0 failed" "kill -$signal: the requeued run"
  [ $signal = KILL ] || expect_line "$out" "lost: no word from rank\(s\) 1 for 1[0-9] s" "kill -STOP: the lost trial"
  /usr/bin/python3 "$src/tests/integration/check_killed.py" "$dir/lost-$signal.h5" --logs "$out" \
    --reference "$dir/lost-reference.h5" --complete --weights || fail "kill -$signal: the results differ"
  echo "slurm_jobs: kill -$signal of a worker task of job $id: the job ended and was requeued ${ended} s later" \
       "($(grep -m1 -o "run-sweep.sh: .*; requeueing" "$out" | sed 's/run-sweep.sh: //; s/; requeueing//'));" \
       "the requeued run finished the sweep equal to an uninterrupted run"
done

# 4. Bad input is never requeued: the job fails at once, its log says why, no restart. Both a bad
# sweep file and a command-line mistake (CLI11's own exit code for it, 105, was once taken for a
# dead rank and requeued 20 times).
printf 'name = "bad"\ndata_dir = "%s/data/fashion-mnist-subset"\n[base]\nbatch_size = 0\n' "$src" > "$dir/bad.toml"
bad_job() {  # NAME EXPECTED_LINE SWEEP [OPTIONS]: the job fails at once, says EXPECTED_LINE, is not requeued
  local name=$1 line=$2 out=$dir/$1.out
  shift 2
  id=$(sbatch --parsable --ntasks=3 --cpus-per-task=1 --time=10 --output="$out" slurm/sweep-cpu.sbatch "$1" "$dir/$name.h5" "${@:2}")
  for _ in $(seq 120); do
    case $(job_state "$id") in FAILED | COMPLETED | CANCELLED) break ;; esac
    sleep 0.5
  done
  [ "$(job_state "$id")" = FAILED ] || fail "$name: the job is $(job_state "$id"), not FAILED"
  expect_line "$out" "$line" "$name"
  expect_line "$out" "bad input \(exit code 2" "$name"
  expect_no_line "$out" "requeueing" "$name"
  [ ! -e "$dir/$name.h5" ] || fail "$name: a results file was created for bad input"
  echo "slurm_jobs: $name: job $id failed at once and was not requeued"
}
bad_job bad "'base.batch_size' must be > 0" "$dir/bad.toml"
bad_job bad-option "aecnn-sweep: error: --epochs-scale: must be a number above 0, got '0'" tests/data/sweeps/tiny.toml --epochs-scale 0

# 5. A job step that fails to launch: srun then exits 0 although no task ran. Made to happen here
# by a file at the path of the step's PMIx socket (where a step daemon still cleaning up after a
# requeue leaves its own). run-sweep.sh must not take the 0 for a finished sweep: --status says
# trials are still to run, so it launches again (the job's next step, with another socket), and
# the job completes with the sweep finished.
out=$dir/no-launch.out
id=$(sbatch --hold --parsable --ntasks=3 --cpus-per-task=1 --time=10 --output="$out" \
       slurm/sweep-cpu.sbatch tests/data/sweeps/tiny.toml "$dir/no-launch.h5")
touch "$dir/spool/stepd.slurm.pmix.$id.0"
scontrol release "$id"
wait_completed "$id" 300
expect_line "$out" "no such file yet: tiny has 4 trial\(s\), all still to run" "the step that did not launch"
expect_line "$out" "the launcher ended with exit code 0 before the sweep was finished .*: launching it again" \
  "the step that did not launch"
expect_line "$out" "4 of 4 trials done, 0 failed" "the second launch"
expect_line "$out" "tiny: 4 trial\(s\): 4 done, 0 failed too often to try again, 0 still to run" "--status after the second launch"
expect_no_line "$out" "requeueing" "the job whose first step did not launch"
/usr/bin/python3 "$src/tests/integration/check_results.py" "$dir/no-launch.h5" --done 4 --epochs 2 ||
  fail "check_results.py on the file of the job whose first step did not launch"
echo "slurm_jobs: a job step that failed to launch (srun exit code 0): job $id launched it again and completed the sweep"
