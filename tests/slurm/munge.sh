# munged for a test's Slurm (source it; needs root). Slurm authenticates through munged's Unix
# socket, so one munged serves every daemon and node of a test, namespaces included.
#   munge_up     starts munged unless one runs already
#   munge_pid    prints munged's PID if this test started it (for stopping it by PID), else nothing
#   munge_down   stops munged if this test started it
munge_started=
munge_up() {
  pgrep -x munged > /dev/null && return 0
  [ -f /etc/munge/munge.key ] || mungekey --create
  mkdir -p /run/munge && chown munge:munge /run/munge
  munged --force
  munge_started=1
}
munge_pid() { [ -z "$munge_started" ] || cat /run/munge/munged.pid 2> /dev/null || true; }
munge_down() {
  if [ -n "$munge_started" ]; then kill "$(munge_pid)" 2> /dev/null || true; fi
  munge_started=
}
