#!/usr/bin/env bash
# The slurm/ scripts, submitted to a real Slurm: starts a single-node Slurm on this machine
# (slurmctld, slurmd, munged; slurm.conf.in), then
#  1. sbatch slurm/sweep-cpu.sbatch on the tiny sweep, launched with srun, and again with
#     mpirun (the documented alternative): each job completes and results.h5 has every trial;
#  2. the time-limit path: a longer sweep gets the pre-timeout SIGUSR1 (scancel --signal=USR1
#     --batch, what #SBATCH --signal=B:USR1@300 sends), checkpoints, requeues itself, and the
#     requeued run resumes the same file to the end.
# The daemons are stopped by their PIDs at the end, pass or fail. Needs root (slurmd) and the
# Debian packages slurmctld, slurmd, slurm-client and munge (scripts/setup installs them).
# usage: slurm_jobs.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
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
started_munge=
stop_daemons() {
  local status=$?
  local pids=()
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" ${started_munge:+/run/munge/munged.pid}; do
    [ -f "$pidfile" ] && pids+=("$(cat "$pidfile")")
  done
  kill "${pids[@]}" 2>/dev/null || true
  # Gone before the next test may start its own (munged's socket, Slurm's ports).
  for _ in $(seq 100); do kill -0 "${pids[@]}" 2>/dev/null || break; sleep 0.1; done
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

if ! pgrep -x munged > /dev/null; then
  [ -f /etc/munge/munge.key ] || mungekey --create
  mkdir -p /run/munge && chown munge:munge /run/munge
  munged --force
  started_munge=1
fi
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

# 1. One job, 3 tasks (rank 0 schedules, 2 train), srun and then mpirun as the launcher.
for launcher in srun mpirun; do
  id=$(AECNN_LAUNCHER=$launcher sbatch --parsable --ntasks=3 --cpus-per-task=1 --time=10 \
         --output="$dir/cpu-$launcher.out" slurm/sweep-cpu.sbatch tests/data/sweeps/tiny.toml "$dir/cpu-$launcher.h5")
  wait_completed "$id" 300
  grep -q "on 3 tasks, 1 thread(s) each" "$dir/cpu-$launcher.out"
  grep -q "4 of 4 trials done, 0 failed" "$dir/cpu-$launcher.out"
  /usr/bin/python3 "$src/tests/integration/check_results.py" "$dir/cpu-$launcher.h5" --done 4 --epochs 2
  echo "slurm_jobs: sweep-cpu.sbatch with $launcher: job $id completed, 4 of 4 trials in results.h5"
done

# 2. The warning before a time limit: checkpoint, stop, requeue, resume.
out=$dir/requeue.out
id=$(sbatch --parsable --ntasks=3 --cpus-per-task=1 --time=10 --output="$out" \
       slurm/sweep-cpu.sbatch tests/data/sweeps/kill.toml "$dir/requeue.h5")
for _ in $(seq 300); do grep -q " epoch 1/4 " "$out" 2>/dev/null && break; sleep 0.2; done
grep -q " epoch 1/4 " "$out"
scancel --signal=USR1 --batch "$id"
for _ in $(seq 120); do grep -q "requeueing job $id" "$out" 2>/dev/null && break; sleep 0.5; done
grep -q "requeueing job $id" "$out"
# A requeued job waits for a begin time; start it now rather than in Slurm's two minutes, but
# only once the first run has left the node (else Slurm refuses the launch: credential revoked).
for _ in $(seq 120); do
  [ "$(job_state "$id")" = PENDING ] && [ "$(sinfo -h -o %T)" = idle ] && break
  sleep 0.5
done
sleep 2
scontrol update jobid="$id" StartTime=now
wait_completed "$id" 300
grep -q "SIGUSR1 received: no new trials" "$out"
grep -q "^the sweep can be resumed" "$out"
grep -q "(restart 1)" "$out"
grep -q "continuing after epoch" "$out"
grep -q "8 of 8 trials done, 0 failed" "$out"
/usr/bin/python3 "$src/tests/integration/check_killed.py" "$dir/requeue.h5" --logs "$out"
/usr/bin/python3 -c "
import h5py, sys
statuses = [t.attrs['status'] for t in h5py.File(sys.argv[1])['trials'].values()]
assert statuses == ['done'] * 8, statuses
" "$dir/requeue.h5"
echo "slurm_jobs: job $id got SIGUSR1, checkpointed, requeued itself and resumed to 8 of 8 trials"
