# munged for a test's Slurm (source it; needs root). Slurm authenticates through munged's Unix
# socket, so one munged serves every daemon and node of a test, namespaces included.
#   munge_up     starts munged unless one runs already and answers
#   munge_pid    prints munged's PID if this test started it (for stopping it by PID), else nothing
#   munge_down   stops munged if this test started it, and waits until it has exited
munge_started=
munge_answers() { munge -n < /dev/null 2> /dev/null | unmunge > /dev/null 2>&1; }
# Waits until no munged runs (one stopped by the previous test may still be on its way out: found
# by pgrep, its socket already gone). 30 s at most; returns 1 if one is still there.
munge_wait_gone() {
  local i
  for i in $(seq 300); do
    pgrep -x munged > /dev/null || return 0
    sleep 0.1
  done
  return 1
}
munge_up() {
  if pgrep -x munged > /dev/null; then
    munge_answers && return 0
    munge_wait_gone || { echo "munge.sh: a munged runs but does not answer (munge -n | unmunge), and did not exit in 30 s" >&2; return 1; }
  fi
  [ -f /etc/munge/munge.key ] || mungekey --create
  mkdir -p /run/munge && chown munge:munge /run/munge
  munged --force
  munge_started=1
  munge_answers || { echo "munge.sh: munged started but does not answer (munge -n | unmunge)" >&2; return 1; }
}
munge_pid() { [ -z "$munge_started" ] || cat /run/munge/munged.pid 2> /dev/null || true; }
munge_down() {
  local pid
  pid=$(munge_pid)
  if [ -n "$pid" ]; then
    kill "$pid" 2> /dev/null || true
    # Gone before the next test looks for it.
    munge_wait_gone || echo "munge.sh: munged (PID $pid) still runs 30 s after SIGTERM" >&2
  fi
  munge_started=
}
