#!/usr/bin/env bash
# aecnn-sweep on a multi-node Slurm cluster built on this host (tests/slurm/cluster.sh: three
# nodes, each a network + UTS + mount namespace with its own hostname, address and slurmd):
#  1. --placement under srun on 2 nodes x 2 ranks: local ranks 0 and 1 on each node, the GPU each
#     rank would bind with 2 GPUs per node, threads from the ranks training on each node;
#  2. sbatch -N 2 slurm/sweep-cpu.sbatch (srun, PMIx) on a small real sweep whose 2-rank gang
#     spans both nodes (MPI over TCP between the namespaces): every trial done on both nodes, and
#     every result bitwise equal to the same sweep run on one node;
#  3. mpirun with a hostfile of the nodes (its rsh agent enters each node's namespaces): ranks on
#     both nodes, each node's trainers sharing that node's cores;
#  4. a node lost: every process of a job's second node killed mid-sweep; and a network
#     partition: that node's link cut. Each job ends in bounded time (measured and printed),
#     nothing committed is lost, and the requeued job finishes on the remaining nodes with
#     results equal to an uninterrupted run.
# The cluster is taken down (daemons, namespaces, links) pass or fail. Skips (77) without root or
# namespaces. usage: slurm_multinode.sh BUILD_DIR SOURCE_DIR [MPIEXEC]
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
export PYTHONPATH="$src/analysis${PYTHONPATH:+:$PYTHONPATH}"  # results_h5: the file read with h5py
MPIEXEC=${3:-mpiexec}
source "$src/tests/support/expect.sh"
source "$src/tests/slurm/cluster.sh"
if [ "$(id -u)" -ne 0 ]; then
  echo "slurm_multinode: skipped: network namespaces and slurmd need root"
  exit 77
fi
for tool in slurmctld slurmd munged sbatch scontrol srun ip nsenter unshare; do
  command -v "$tool" > /dev/null || { echo "slurm_multinode: $tool is missing: run scripts/setup"; exit 1; }
done
# What the cluster is made of, tried in a throwaway namespace first.
if ! unshare --net --uts --mount /bin/sh -c 'ip link add b0 type bridge && ip link add v0 type veth peer name v1' 2> /dev/null; then
  echo "slurm_multinode: skipped: this machine cannot make network, UTS and mount namespaces with bridges and veth pairs"
  exit 77
fi

# Not under /tmp: every node mounts its own /tmp over it.
dir=$(mktemp -d /var/tmp/aecnn-multinode.XXXXXX)
chmod 755 "$dir"
finish() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    echo "slurm_multinode: FAILED; the jobs, the nodes and the daemons' logs:"
    on_head squeue -o "%i %T %r %N" 2> /dev/null || true
    on_head sinfo -N 2> /dev/null || true
    tail -n 20 "$dir"/slurmctld.log "$dir"/nodes/*/slurmd.log 2> /dev/null || true
    for out in "$dir"/*.out; do [ -f "$out" ] && { echo "== $out"; tail -n 40 "$out"; }; done
  fi
  cluster_down
  rm -rf "$dir" || true
  # Whatever is left is this test's failure, and must not be left for the next test.
  if ip netns list 2> /dev/null | grep "^aecnn$$-" > /dev/null || ip link show "ba$$" > /dev/null 2>&1; then
    echo "slurm_multinode: FAILED: the cluster's namespaces or links outlived cluster_down"
    status=1
  fi
  exit "$status"
}
trap finish EXIT
cluster_shared=("$src" "$build")  # on a real cluster, a filesystem every node mounts
cluster_up "$dir" 3 || fail "the cluster did not come up"
echo "slurm_multinode: Slurm $(sinfo --version | cut -d' ' -f2) up on 3 nodes: $(on_head sinfo -h -N -o %N | tr '\n' ' ')"

job_state() { on_head scontrol show job "$1" -o 2> /dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2; }
job_field() { on_head scontrol show job "$1" -o 2> /dev/null | grep -o " $2=[^ ]*" | cut -d= -f2; }
wait_completed() {  # JOB SECONDS: the job completes; any other end fails
  local state
  for _ in $(seq "$2"); do
    state=$(job_state "$1")
    case $state in
      COMPLETED) return 0 ;;
      FAILED | CANCELLED | TIMEOUT | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE) fail "job $1 ended $state" ;;
    esac
    sleep 1
  done
  fail "job $1 still $state after $2 s"
}
node_state() { on_head sinfo -h -n "aecnn-n$1" -o %T; }

cd "$src"  # the sbatch scripts find run-sweep.sh through the submit directory
export AECNN_SWEEP=$build/aecnn-sweep

# 1. Placement: two nodes of two ranks each.
on_head srun --mpi=pmix -N 2 --ntasks-per-node=2 "$build/aecnn-sweep" --placement --placement-gpus 2 > "$dir/placement.out" 2>&1 ||
  { cat "$dir/placement.out"; fail "srun --placement"; }
for expected in \
  "rank 0 of 4 on aecnn-n1: node 0, local rank 0 of 2 \(1 training\), scheduler and writer, .* device none" \
  "rank 1 of 4 on aecnn-n1: node 0, local rank 1 of 2 \(1 training\), worker, 2 thread\(s\) .* device cuda:1 \(as if 2 GPU" \
  "rank 2 of 4 on aecnn-n2: node 1, local rank 0 of 2 \(2 training\), worker, 1 thread\(s\) .* device cuda:0 \(as if 2 GPU" \
  "rank 3 of 4 on aecnn-n2: node 1, local rank 1 of 2 \(2 training\), worker, 1 thread\(s\) .* device cuda:1 \(as if 2 GPU"; do
  expect_line "$dir/placement.out" "^placement: $expected" "srun --placement on 2 nodes x 2 ranks"
done
echo "slurm_multinode: --placement: local ranks 0,1 on each node; GPUs cuda:1 (n1), cuda:0 and cuda:1 (n2); threads per node's trainers"

# The reference: the same sweep on one node (this host), one thread per rank as the jobs use.
"$MPIEXEC" -n 3 "$build/aecnn-sweep" tests/data/sweeps/lost.toml --threads 1 --progress plain \
  -o "$dir/reference.h5" > "$dir/reference.log" 2>&1 || { cat "$dir/reference.log"; fail "the reference run"; }

# Which host each trial ran on, and which ranks a gang had, from the file and the log.
hosts_of() {  # FILE: "trial host" lines
  /usr/bin/python3 -c "
import sys, h5py, results_h5
with h5py.File(sys.argv[1], 'r') as f:
    for name, t in results_h5.trials(f).items(): print(name, t.provenance['host'])
" "$1"
}

# 2. sbatch -N 2: 3 tasks, ranks 0 and 1 on aecnn-n1, rank 2 on aecnn-n2, so the 2-rank gangs
# (ranks 1 and 2) train across the two nodes.
out=$dir/two-nodes.out
id=$(on_head sbatch --parsable -N 2 --ntasks=3 --cpus-per-task=1 --time=10 --output="$out" \
       slurm/sweep-cpu.sbatch tests/data/sweeps/lost.toml "$dir/two-nodes.h5")
wait_completed "$id" 400
# Where that shape puts the ranks (Slurm's block distribution): the gang's two on two nodes.
on_head srun --mpi=pmix -N 2 --ntasks=3 "$build/aecnn-sweep" --placement > "$dir/placement-3.out" 2>&1 ||
  { cat "$dir/placement-3.out"; fail "srun --placement, 3 tasks"; }
expect_line "$dir/placement-3.out" "^placement: rank 1 of 3 on aecnn-n1:" "the gang's first rank"
expect_line "$dir/placement-3.out" "^placement: rank 2 of 3 on aecnn-n2:" "the gang's second rank"
expect_line "$out" "on 3 tasks, 1 thread\(s\) each" "sbatch -N 2"
expect_line "$out" "8 of 8 trials done, 0 failed" "sbatch -N 2"
expect_line "$out" "gang-0000 started on rank 1,2" "the gang's ranks"
[ "$(job_field "$id" NodeList)" = "aecnn-n[1-2]" ] || fail "job $id ran on $(job_field "$id" NodeList), not aecnn-n[1-2]"
hosts_of "$dir/two-nodes.h5" > "$dir/two-nodes.hosts"
expect_line "$dir/two-nodes.hosts" "^lost-.* aecnn-n1$" "trials on the first node"
expect_line "$dir/two-nodes.hosts" "^lost-.* aecnn-n2$" "trials on the second node"
/usr/bin/python3 "$src/tests/integration/check_killed.py" "$dir/two-nodes.h5" --logs "$out" \
  --reference "$dir/reference.h5" --complete --weights || fail "sbatch -N 2: the results differ from one node's"
echo "slurm_multinode: sbatch -N 2 (job $id): 8 of 8 trials on aecnn-n1 and aecnn-n2, the gangs across both;" \
     "bitwise equal to the same sweep on one node"

# 3. mpirun with a hostfile, outside Slurm: its rsh agent enters the node's namespaces. No
# --threads: each node's trainers share its 2 cores (aecnn-n1: one worker beside rank 0, 2 threads;
# aecnn-n2: two workers, 1 thread each).
agent=$dir/agent.sh
{
  echo '#!/usr/bin/env bash'
  printf 'source %q\n' "$src/tests/slurm/cluster.sh"
  printf 'cluster_dir=%q cluster_tag=%q\n' "$cluster_dir" "$cluster_tag"
  printf 'cluster_shared=(%q %q)\n' "$src" "$build"
  echo 'node=${1#aecnn-n}; shift'
  echo 'on_node "$node" /bin/sh -c "$*"'
} > "$agent"
chmod +x "$agent"
printf 'aecnn-n1 slots=2\naecnn-n2 slots=2\n' > "$dir/hostfile"
on_node 1 "$MPIEXEC" --hostfile "$dir/hostfile" -np 4 --bind-to none --mca plm_rsh_agent "$agent" \
  --mca btl tcp,self "$build/aecnn-sweep" tests/data/sweeps/tiny.toml --progress plain -o "$dir/mpirun.h5" \
  > "$dir/mpirun.out" 2>&1 || fail "mpirun --hostfile: exit code $? (log: $(tail -n 5 "$dir/mpirun.out"))"
expect_line "$dir/mpirun.out" "4 of 4 trials done, 0 failed" "mpirun --hostfile"
/usr/bin/python3 - "$dir/mpirun.h5" <<'PY' || fail "mpirun --hostfile: trials and threads per node"
import sys, h5py, results_h5
with h5py.File(sys.argv[1], "r") as f:
    seen = {}
    for name, t in results_h5.trials(f).items():
        host, threads = t.provenance["host"], int(t.attrs["threads"])
        expected = {"aecnn-n1": 2, "aecnn-n2": 1}.get(host)
        assert t.attrs["status"] == "done", (name, t.attrs["status"])
        assert threads == expected, f"{name} on {host}: {threads} thread(s), expected {expected}"
        seen[host] = seen.get(host, 0) + 1
    assert set(seen) == {"aecnn-n1", "aecnn-n2"}, seen
    print(f"mpirun --hostfile: trials per node {seen}")
PY
echo "slurm_multinode: mpirun --hostfile: ranks on both nodes, 2 threads for aecnn-n1's one worker, 1 for each of aecnn-n2's two"

# 4. A node lost, then a node cut off. Each job: 2 nodes x 2 tasks; rank 0 (the writer) and the
# batch script on the first node; the second node goes. The job must end (bounded), be requeued,
# and finish on the nodes left, equal to the uninterrupted reference.
lose_node() {  # CASE ACTION
  local case=$1 action=$2 id out start ended victim state
  out=$dir/$case.out
  id=$(on_head sbatch --parsable -N 2 --ntasks=4 --ntasks-per-node=2 --cpus-per-task=1 --time=10 --output="$out" \
         slurm/sweep-cpu.sbatch tests/data/sweeps/lost.toml "$dir/$case.h5")
  wait_for_line "$out" " epoch 1/6 " 180 "$case: a committed checkpoint"
  victim=$(job_field "$id" NodeList | sed -E 's/^aecnn-n\[?([0-9]+)[-,]([0-9]+)\]?$/\2/')
  [[ $victim =~ ^[0-9]+$ ]] || fail "$case: cannot tell job $id's second node from $(job_field "$id" NodeList)"
  echo "$victim" > "$dir/$case.victim"
  start=$SECONDS
  "$action" "$victim"
  # The job's first run must end: requeued by run-sweep.sh, or by Slurm when the node is declared down.
  for _ in $(seq 240); do
    state=$(job_state "$id")
    [ "$state" = PENDING ] && [ "$(job_field "$id" Restarts)" -ge 1 ] && break
    case $state in COMPLETED | FAILED | CANCELLED) fail "$case: job $id ended $state instead of being requeued" ;; esac
    sleep 0.5
  done
  [ "$state" = PENDING ] || fail "$case: job $id still $state 120 s after losing aecnn-n$victim"
  ended=$((SECONDS - start))
  # Start the requeued run once the lost node is out of service and the job's step daemons are gone.
  for _ in $(seq 240); do
    case $(node_state "$victim") in down*) break ;; esac
    sleep 0.5
  done
  case $(node_state "$victim") in down*) ;; *) fail "$case: aecnn-n$victim is $(node_state "$victim"), not down" ;; esac
  for _ in $(seq 240); do pgrep -f "^slurmstepd: \[$id\." > /dev/null || break; sleep 0.5; done
  sleep 2
  # (Slurm's own requeue after a node failure may have started it already.)
  on_head scontrol update jobid="$id" StartTime=now 2> /dev/null || true
  wait_completed "$id" 400
  [[ $(job_field "$id" NodeList) != *"$victim"* ]] || fail "$case: the requeued job ran on the lost node: $(job_field "$id" NodeList)"
  expect_line "$out" "\(restart 1\)" "$case: the requeued run"
  expect_line "$out" "8 of 8 trials done, 0 failed" "$case: the requeued run"
  /usr/bin/python3 "$src/tests/integration/check_killed.py" "$dir/$case.h5" --logs "$out" \
    --reference "$dir/reference.h5" --complete --weights || fail "$case: the results differ from the uninterrupted run"
  echo "slurm_multinode: $case: aecnn-n$victim of job $id lost; the job's run ended and was requeued ${ended} s later;" \
       "the requeued run finished on $(job_field "$id" NodeList), equal to the uninterrupted run"
  echo "$ended" > "$dir/$case.seconds"
}
lose_node node-killed node_kill
node_restart "$(cat "$dir/node-killed.victim")"
cluster_wait_idle 3 60 || fail "the killed node did not come back"
lose_node node-cut node_cut
echo "slurm_multinode: ok"
