#!/usr/bin/env bash
# The body of every sbatch script in slurm/: launches aecnn-sweep on the job's tasks, passes a
# time-limit warning on to it, and requeues the job so that the next run resumes the same
# results file. Not submitted itself; the sweep-*.sbatch scripts call it.
#
#   run-sweep.sh SWEEP.toml [RESULTS.h5] [more aecnn-sweep options]
#
# Environment (set in the sbatch script or exported before sbatch):
#   AECNN_SWEEP     the aecnn-sweep executable (default: build/aecnn-sweep of this checkout)
#   AECNN_LAUNCHER  srun (default: srun --mpi=pmix) or mpirun (Open MPI reads the allocation)
#   AECNN_DEVICE    --device for aecnn-sweep: auto (default), cpu or cuda
#   AECNN_MAX_REQUEUES  requeue at most this many times (default 20)
#
# A worker that stops answering (a hung or stopped process, a node cut off) is noticed by rank 0
# after the sweep's worker_timeout; it records the trial interrupted, stops the others at their
# next step and ends the job with exit code 4. A rank that dies makes the MPI launcher end the
# job. Both are requeued, like a time limit, and the requeued run resumes the results file.
#
# How a time limit is survived: the sbatch script asks Slurm for SIGUSR1 some minutes before the
# limit (#SBATCH --signal=B:USR1@300). This script forwards it to the launcher, which hands it to
# every rank; aecnn-sweep stops handing out trials, running trials stop at their next step (each
# epoch is already checkpointed in the results file) and it exits with code 3. The script then
# runs `scontrol requeue`; the requeued job runs this same command, which resumes the file.
# Pre-emption (SIGTERM, then requeue by Slurm itself with --requeue) needs nothing more.
set -uo pipefail

if [ $# -lt 1 ]; then
  echo "usage: run-sweep.sh SWEEP.toml [RESULTS.h5] [aecnn-sweep options]" >&2
  exit 2
fi
sweep=$1
results=${2:-results.h5}
shift $(( $# >= 2 ? 2 : 1 ))

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sweep_bin=${AECNN_SWEEP:-$here/../build/aecnn-sweep}
threads=${SLURM_CPUS_PER_TASK:-1}
case ${AECNN_LAUNCHER:-srun} in
  srun) launch=(srun --mpi=pmix --kill-on-bad-exit=0) ;;
  mpirun) launch=(mpirun) ;;
  *) echo "run-sweep.sh: AECNN_LAUNCHER must be srun or mpirun" >&2; exit 2 ;;
esac

echo "run-sweep.sh: job ${SLURM_JOB_ID:-?} (restart ${SLURM_RESTART_COUNT:-0}) on ${SLURM_NTASKS:-?} tasks," \
     "$threads thread(s) each: $sweep -> $results"

warned=0
forward() {
  warned=1
  echo "run-sweep.sh: $1 received: stopping the sweep at the next step so it can resume"
  [ -n "${launcher_pid:-}" ] && kill -"$1" "$launcher_pid" 2>/dev/null
}
trap 'forward USR1' USR1
trap 'forward TERM' TERM

# srun reports 0 for a job step that failed to launch (no task ever ran), so a 0 counts only when
# the results file agrees that no trial is left (aecnn-sweep --status: 0 done, 5 trials left).
# Such a step is launched again at once, up to 3 times: the next step of the job has a new step
# id, and with it new names for what the failed one could not create (its PMIx socket, say).
launches=0
while :; do
  launches=$((launches + 1))
  "${launch[@]}" "$sweep_bin" "$sweep" -o "$results" --threads "$threads" --device "${AECNN_DEVICE:-auto}" \
    --progress plain "$@" &
  launcher_pid=$!
  # `wait` returns early when a trapped signal arrives; wait again for the launcher's real end.
  while :; do
    wait "$launcher_pid"
    rc=$?
    kill -0 "$launcher_pid" 2>/dev/null || break
  done
  [ "$rc" -eq 0 ] || break
  "$sweep_bin" --status "$sweep" -o "$results" "$@"
  status=$?
  case $status in
    0) exit 0 ;;
    5) [ "$launches" -lt 3 ] && [ "$warned" -eq 0 ] || break
       echo "run-sweep.sh: the launcher ended with exit code 0 before the sweep was finished (a job step that" \
            "failed to start?): launching it again" ;;
    *) echo "run-sweep.sh: cannot tell whether the sweep finished (aecnn-sweep --status: exit code $status): not requeued"
       exit "$status" ;;
  esac
done

# Requeue what a requeue can fix: a stop before a time limit or a pre-emption (exit code 3), a
# worker that stopped answering (4), or a job the MPI launcher ended because a rank or a node
# died (any other code: 137 after a SIGKILL, ...). Never bad input (2) or trials that failed for
# good (1): running again would change nothing. mpirun answers a forwarded SIGTERM with its own 1,
# so after a forwarded warning a 1 counts as stopped too; a 0 here left trials to run (above).
# AECNN_MAX_REQUEUES bounds the loop.
case $rc in
  0) why="the launcher ended with exit code 0 $launches times before the sweep was finished" ;;
  2) echo "run-sweep.sh: bad input (exit code 2, the error is above): not requeued; fix it, then submit again"
     exit 2 ;;
  1) if [ "$warned" -eq 0 ]; then
       echo "run-sweep.sh: the sweep finished with failed trials (exit code 1, listed above): not requeued"
       exit 1
     fi
     why="stopped on a signal" ;;
  3) why="stopped on a signal" ;;
  4) why="a worker stopped answering" ;;
  *) why="the launcher ended with exit code $rc (a rank or a node died)" ;;
esac
if [ -n "${SLURM_JOB_ID:-}" ] && [ "${SLURM_RESTART_COUNT:-0}" -lt "${AECNN_MAX_REQUEUES:-20}" ]; then
  echo "run-sweep.sh: $why; requeueing job $SLURM_JOB_ID: the next run resumes $results"
  scontrol requeue "$SLURM_JOB_ID" && exit 0
fi
echo "run-sweep.sh: $why; not requeued; resume by submitting the same script again with $sweep $results"
exit $((rc == 0 ? 5 : rc))
