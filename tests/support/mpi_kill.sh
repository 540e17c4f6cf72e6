# Shared by the kill tests (source it after expect.sh): finding a rank of a running mpiexec job
# and waiting for a killed job to be gone. Both read the global $pid, the job's mpiexec.

# rank_pid RANK: the pid of that rank of the job (Open MPI sets OMPI_COMM_WORLD_RANK for every
# rank), or nothing while it has not started.
rank_pid() {
  for child in $(pgrep -P "$pid" 2>/dev/null); do
    if tr '\0' '\n' < "/proc/$child/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1"; then
      echo "$child"
      return
    fi
  done
}

# wait_gone RESULTS: waits until nothing of the run writing RESULTS lives on (Open MPI tears a job
# down itself: SIGTERM to the ranks left, then SIGKILL), killing stragglers after 15 s.
wait_gone() {
  for _ in $(seq 150); do pgrep -f -- "-o $1" > /dev/null || break; sleep 0.1; done
  pkill -9 -f -- "-o $1" 2>/dev/null || true
  [ -z "$pid" ] || wait "$pid" 2>/dev/null || true
  for _ in $(seq 50); do pgrep -f -- "-o $1" > /dev/null || return 0; sleep 0.1; done
  fail "processes of the run writing $1 survive SIGKILL"
}
