#!/usr/bin/env bash
# Exclusive trials and provenance under mpiexec -n 3 (two workers on one node):
#   - an exclusive trial runs with no other trial in flight (by the millisecond times rank 0
#     recorded) and with every core its rank may use; a shared one with its share;
#   - every done trial has its provenance, read back with h5py and checked against what this
#     machine says (HDF5 version, CPU count, command line);
#   - aecnn-analyze says nothing of mixed provenance here, and warns once one seed's CPU model
#     is changed in a copy of the file;
#   - --threads beyond the CPUs the launcher bound a rank to is warned of, once, naming the rank
#     (mpiexec -n 2 --bind-to core --threads 2), and not warned of when the rank is not bound.
# usage: sweep_exclusive.sh BUILD_DIR SOURCE_DIR MPIEXEC
set -uo pipefail
build=$1 src=$2 mpiexec=$3
export PYTHONPATH="$src/analysis${PYTHONPATH:+:$PYTHONPATH}"  # results_h5: the file read with h5py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

timeout 300 "$mpiexec" -n 3 "$build/aecnn-sweep" "$src/tests/data/sweeps/exclusive.toml" -o "$work/r.h5" \
  --progress plain >"$work/run.log" 2>&1
code=$?
cat "$work/run.log"
[ $code -eq 0 ] || fail "exit code $code (124: the sweep hung and hit the timeout)"
grep -q "8 of 8 trials done, 0 failed" "$work/run.log" || fail "not every trial finished"

/usr/bin/python3 - "$work/r.h5" "$(nproc --all)" <<'PY' || fail "the results file"
import sys
import h5py
import results_h5

path, cpus = sys.argv[1], int(sys.argv[2])
fields = ["host", "cpu_model", "cpus_online", "cpus_allowed", "threads", "device", "libtorch", "cpu_capability",
          "blas", "mpi", "hdf5", "compiler", "tool_version", "command_line"]
with h5py.File(path, "r") as f:
    trials = results_h5.trials(f)
    spans = {}
    for name, t in trials.items():
        if t.attrs["status"] != "done":
            sys.exit(f"{name}: status {t.attrs['status']}")
        p = t.provenance or {}
        missing = [k for k in fields if k not in p or p[k] == ""]
        if missing:
            sys.exit(f"{name}: provenance lacks {missing}")
        if p["cpus_online"] != cpus:
            sys.exit(f"{name}: cpus_online {p['cpus_online']}, nproc --all says {cpus}")
        if p["hdf5"] != h5py.version.hdf5_version:
            sys.exit(f"{name}: hdf5 {p['hdf5']}, h5py runs {h5py.version.hdf5_version}")
        if "exclusive.toml" not in p["command_line"] or "git" not in p["tool_version"]:
            sys.exit(f"{name}: command_line {p['command_line']!r}, tool_version {p['tool_version']!r}")
        alone = bool(t.config["exclusive"])
        usable = min(p["cpus_online"], p["cpus_allowed"])
        expected = usable if alone else max(1, min(p["cpus_online"] // 2, p["cpus_allowed"]))
        if p["threads"] != expected or t.attrs["threads"] != expected:
            sys.exit(f"{name}: exclusive={alone}: {p['threads']} threads, expected {expected}")
        spans[name] = (t.attrs["started"], t.attrs["finished"], alone)
    for name, (start, end, alone) in spans.items():
        if not alone:
            continue
        for other, (o_start, o_end, _) in spans.items():
            if other != name and o_start < end and start < o_end:
                sys.exit(f"{other} ({o_start}..{o_end}) ran while exclusive {name} ({start}..{end}) did")
print(f"provenance of {len(trials)} trials complete; exclusive trials ran alone with all {usable} usable core(s)")
PY

"$build/aecnn-analyze" "$work/r.h5" >"$work/analyze.log" 2>&1 || { cat "$work/analyze.log"; fail "aecnn-analyze"; }
if grep -q "different hardware or software" "$work/analyze.log"; then
  cat "$work/analyze.log"
  fail "a mixed-provenance warning on a sweep that ran on one machine"
fi
cp "$work/r.h5" "$work/mixed.h5"
/usr/bin/python3 - "$work/mixed.h5" <<'PY' || fail "editing the copy"
import sys, h5py, results_h5
with h5py.File(sys.argv[1], "r+") as f:
    # A record of its own for alone-0001, another CPU's: the table keeps distinct records.
    row = results_h5.row_of(f, "alone-0001")
    old = int(f["trials/provenance"][row])
    new = len(f["provenance/host"])
    for name, column in f["provenance"].items():
        column.resize((new + 1,))
        column[new] = "Another CPU" if name == "cpu_model" else column[old]
    f["trials/provenance"][row] = new
PY
"$build/aecnn-analyze" "$work/mixed.h5" >"$work/mixed.log" 2>&1 || { cat "$work/mixed.log"; fail "aecnn-analyze on the copy"; }
grep -E "warning: alone, batch_size=32: its seeds ran on different hardware or software \(cpu_model '[^']+' vs '[^']+'\)" \
  "$work/mixed.log" | grep -q "Another CPU" || { cat "$work/mixed.log"; fail "no mixed-provenance warning for alone, batch_size=32"; }
[ "$(grep -c "different hardware or software" "$work/mixed.log")" -eq 1 ] || { cat "$work/mixed.log"; fail "a warning for another setting"; }
# The binding: rank 1 bound to one core and told to run 2 threads.
"$mpiexec" -n 2 --bind-to core:overload-allowed "$build/aecnn-sweep" --placement --threads 2 >"$work/bound.log" 2>&1 ||
  { cat "$work/bound.log"; fail "--placement under --bind-to core"; }
warning="aecnn-sweep: warning: rank(s) 1 train with 2 compute thread(s) but may run on only 1 CPU(s)"
[ "$(grep -c -F "$warning" "$work/bound.log")" -eq 1 ] ||
  { cat "$work/bound.log"; fail "expected the line '$warning...' once"; }
if [ "$(nproc)" -ge 2 ]; then
  "$mpiexec" -n 2 --bind-to none "$build/aecnn-sweep" --placement --threads 2 >"$work/unbound.log" 2>&1 ||
    { cat "$work/unbound.log"; fail "--placement under --bind-to none"; }
  if grep -F "warning" "$work/unbound.log"; then fail "a binding warning for ranks that are not bound"; fi
fi
echo "PASS: exclusive trials ran alone; provenance complete; mixed provenance warned; threads beyond a binding warned"
