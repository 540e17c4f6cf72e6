#!/usr/bin/env bash
# Benchmark-aid trials (--benchmark-trials, docs/benchmarks.md): 300 no-op trials on 4 ranks are
# all dispatched and committed; the file says they are no results, and a real run of the same
# sweep refuses the file instead of taking those trials as done.
# usage: sweep_benchmark_trials.sh BUILD_DIR SOURCE_DIR MPIEXEC
set -euo pipefail
build=$1 src=$2 mpiexec=$3
source "$src/tests/support/expect.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'name = "noop"\ndata_dir = "%s"\n[grid]\nseed = [%s]\n' "$src/data/fashion-mnist-subset" \
  "$(seq -s, 0 299)" > "$work/noop.toml"

"$mpiexec" -n 4 "$build/aecnn-sweep" "$work/noop.toml" -o "$work/r.h5" --benchmark-trials noop > "$work/run.log"
expect_line "$work/run.log" "300 of 300 trials done, 0 failed"
expect_line "$work/run.log" "^rank 0 \(scheduler and writer\) used .* peak resident memory"
/usr/bin/python3 -c "
import h5py, sys
f = h5py.File(sys.argv[1])
assert 'these trials did not train' in f.attrs['overrides'], f.attrs['overrides']
assert f.attrs['sweep_hash'].endswith('+benchmark-trials=noop'), f.attrs['sweep_hash']
statuses = {t.attrs['status'] for t in f['trials'].values()}
assert len(f['trials']) == 300 and statuses == {'done'}, statuses
" "$work/r.h5"
if "$mpiexec" -n 4 "$build/aecnn-sweep" "$work/noop.toml" -o "$work/r.h5" 2> "$work/real.err"; then fail "expected to fail: $mpiexec -n 4 $build/aecnn-sweep $work/noop.toml -o $work/r.h5"; fi
expect_line "$work/real.err" "holds results of another sweep"
if "$build/aecnn-sweep" "$work/noop.toml" --benchmark-trials nap 2> "$work/bad.err"; then fail "expected to fail: $build/aecnn-sweep $work/noop.toml --benchmark-trials nap"; fi
expect_line "$work/bad.err" "must be noop or sleep=SECONDS"
echo "sweep_benchmark_trials: ok"
