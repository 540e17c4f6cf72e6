# A multi-node Slurm cluster on this one host, for tests (source it; needs root). Each "node" is
# a network, UTS and mount namespace: its own hostname, its own address on a bridge, its own /tmp
# (node-local, as on a real cluster: PMIx and Slurm keep per-step files there), and its own
# slurmd. slurmctld runs in a head namespace of its own; munged (a Unix socket) and the rest of the
# filesystem are shared, so the results folder is one filesystem all nodes see, as on a cluster.
# The addresses (10.231.0.0/24) exist only inside the namespaces this script makes, and traffic
# goes only between them: the host's own interfaces are not on the bridge.
#
#   cluster_up DIR N         N nodes aecnn-n1..aecnn-nN plus aecnn-head; slurm.conf in DIR
#   on_head CMD...           runs CMD where the controller is (sbatch, squeue, scontrol, sinfo)
#   on_node I CMD...         runs CMD on node I (its namespaces; also what mpirun's agent uses)
#   node_kill I              kills every process of node I (slurmd, step daemons, tasks)
#   node_cut I / node_join I cuts node I's link to the bridge / restores it
#   node_restart I           starts node I's slurmd again (after node_kill)
#   cluster_down             stops every daemon by PID, removes namespaces, links and mounts
# DIR must not be under /tmp: each node mounts its own /tmp over the host's. Paths in
# cluster_shared (set before cluster_up: the checkout and its build) stand for the cluster's
# shared filesystem: every node sees them at the same path, even under /tmp (a clone there is
# bound into each node's /tmp).

source "$(dirname "${BASH_SOURCE[0]}")/munge.sh"
cluster_dir= cluster_nodes=0 cluster_tag=
cluster_shared=()
cluster_subnet=10.231.0

# Names unique to this run: interface names have at most 15 characters.
_netns() { echo "aecnn$cluster_tag-$1"; }
_veth() { echo "va$cluster_tag$1"; }
_bridge() { echo "ba$cluster_tag"; }

# Enters namespace $1 (head, n1, ...) with its hostname and node-local /tmp, and runs the rest.
# The shared paths under /tmp are bound into the node's /tmp first, at the same place, while the
# host's /tmp is still in view; the mounts live and die with the private mount namespace.
_enter() {
  local name=$1 path shared=()
  shift
  for path in "${cluster_shared[@]}"; do
    case $path in /tmp/*) shared+=("$path") ;; esac
  done
  nsenter --net="/run/netns/$(_netns "$name")" unshare --uts --mount --propagation private \
    /bin/sh -c 'host=$1 tmp=$2 && shift 2 &&
      while [ "$1" != -- ]; do
        mkdir -p "$tmp${1#/tmp}" && mount --bind "$1" "$tmp${1#/tmp}" || exit 1
        shift
      done && shift &&
      hostname "$host" && mount --rbind "$tmp" /tmp && exec "$@"' \
    sh "aecnn-$name" "$cluster_dir/nodes/aecnn-$name/tmp" "${shared[@]}" -- "$@"
}
on_head() { _enter head "$@"; }
on_node() { _enter "n$1" "${@:2}"; }

cluster_up() {
  cluster_dir=$1 cluster_nodes=$2 cluster_tag=$$
  local names=(head) i
  for ((i = 1; i <= cluster_nodes; i++)); do names+=("n$i"); done
  mkdir -p "$cluster_dir/state"
  ip link add "$(_bridge)" type bridge
  ip link set "$(_bridge)" up
  i=1
  for name in "${names[@]}"; do
    mkdir -p "$cluster_dir/nodes/aecnn-$name/tmp" "$cluster_dir/nodes/aecnn-$name/spool"
    chmod 1777 "$cluster_dir/nodes/aecnn-$name/tmp"
    ip netns add "$(_netns "$name")"
    ip link add "$(_veth "$name")" type veth peer name eth0 netns "$(_netns "$name")"
    ip link set "$(_veth "$name")" master "$(_bridge)" up
    ip -n "$(_netns "$name")" addr add "$cluster_subnet.$i/24" dev eth0
    ip -n "$(_netns "$name")" link set eth0 up
    ip -n "$(_netns "$name")" link set lo up
    i=$((i + 1))
  done
  local mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / (cluster_nodes + 1) ))
  {
    echo "ClusterName=aecnnmulti"
    echo "SlurmctldHost=aecnn-head($cluster_subnet.1)"
    echo "SlurmUser=root"
    echo "SlurmdUser=root"
    echo "AuthType=auth/munge"
    echo "StateSaveLocation=$cluster_dir/state"
    echo "SlurmdSpoolDir=$cluster_dir/nodes/%n/spool"
    echo "SlurmctldPidFile=$cluster_dir/slurmctld.pid"
    echo "SlurmdPidFile=$cluster_dir/nodes/%n/slurmd.pid"
    echo "SlurmctldLogFile=$cluster_dir/slurmctld.log"
    echo "SlurmdLogFile=$cluster_dir/nodes/%n/slurmd.log"
    echo "ProctrackType=proctrack/linuxproc"
    echo "TaskPlugin=task/none"
    echo "SelectType=select/cons_tres"
    echo "SelectTypeParameters=CR_Core"
    echo "MpiDefault=none"
    echo "ReturnToService=2"
    # A node that stops answering is declared down within seconds, not Slurm's 5 minutes.
    echo "SlurmdTimeout=10"
    echo "AccountingStorageType=accounting_storage/none"
    echo "JobCompType=jobcomp/none"
    echo "SlurmdParameters=config_overrides"
    for ((i = 1; i <= cluster_nodes; i++)); do
      # Two CPUs per node: the host's two cores, each node seeing them all, as its own.
      echo "NodeName=aecnn-n$i NodeAddr=$cluster_subnet.$((i + 1)) CPUs=2 RealMemory=$mem State=UNKNOWN"
    done
    echo "PartitionName=debug Nodes=aecnn-n[1-$cluster_nodes] Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES"
  } > "$cluster_dir/slurm.conf"
  export SLURM_CONF=$cluster_dir/slurm.conf
  munge_up || return 1
  on_head slurmctld -f "$SLURM_CONF"
  for ((i = 1; i <= cluster_nodes; i++)); do node_restart "$i"; done
  cluster_wait_idle "$cluster_nodes" 60
}

node_restart() { on_node "$1" slurmd -f "$SLURM_CONF" -N "aecnn-n$1"; }

# Waits (at most $2 seconds) until $1 nodes are idle.
cluster_wait_idle() {
  local idle
  for ((t = 0; t < $2 * 2; t++)); do
    idle=$(on_head sinfo -h -N -t idle -o %N 2>/dev/null | wc -l)
    [ "$idle" -ge "$1" ] && return 0
    sleep 0.5
  done
  echo "cluster: $idle of $1 nodes idle after $2 s:" >&2
  on_head sinfo -N >&2 || true
  return 1
}

# Every process in node $1's network namespace: its slurmd, step daemons and tasks.
node_kill() { ip netns pids "$(_netns "n$1")" | xargs -r kill -9; }
node_cut() { ip link set "$(_veth "n$1")" down; }
node_join() { ip link set "$(_veth "n$1")" up; }

# Safe to call twice, and under `set -e`: every step is attempted whatever the others did.
cluster_down() {
  [ -n "$cluster_tag" ] || return 0
  local name names=(head) pids
  for ((i = 1; i <= cluster_nodes; i++)); do names+=("n$i"); done
  for name in "${names[@]}"; do
    pids=$(ip netns pids "$(_netns "$name")" 2> /dev/null || true)
    [ -z "$pids" ] || kill -9 $pids 2> /dev/null || true
  done
  for name in "${names[@]}"; do
    for _ in $(seq 50); do [ -z "$(ip netns pids "$(_netns "$name")" 2> /dev/null || true)" ] && break; sleep 0.1; done
    ip netns del "$(_netns "$name")" 2> /dev/null || true
    ip link del "$(_veth "$name")" 2> /dev/null || true
  done
  ip link del "$(_bridge)" 2> /dev/null || true
  munge_down
  cluster_tag=
  return 0
}
