#!/usr/bin/env bash
# Benchmark-aid trials (--benchmark-trials, docs/benchmarks.md): 300 no-op trials on 4 ranks are
# all dispatched and committed; the file says they are no results, and a real run of the same
# sweep refuses the file instead of taking those trials as done. Test-function trials: every
# trial's one epoch is Branin or Hartmann-6 at the point its searched keys give, recomputed here
# in Python (uniform, log-uniform and integer keys; TPE and random search); rank 0's TPE
# suggestions re-derive from the observations; in one process the sweep's TPE finds exactly what
# the search library alone finds; a sweep the function cannot run is refused with one line.
# usage: sweep_benchmark_trials.sh BUILD_DIR SOURCE_DIR MPIEXEC
set -euo pipefail
build=$1 src=$2 mpiexec=$3
export PYTHONPATH="$src/analysis${PYTHONPATH:+:$PYTHONPATH}"  # results_h5: the file read with h5py
source "$src/tests/support/expect.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'name = "noop"\ndata_dir = "%s"\n[grid]\nseed = [%s]\n' "$src/data/fashion-mnist-subset" \
  "$(seq -s, 0 299)" > "$work/noop.toml"

"$mpiexec" -n 4 "$build/aecnn-sweep" "$work/noop.toml" -o "$work/r.h5" --benchmark-trials noop > "$work/run.log"
expect_line "$work/run.log" "300 of 300 trials done, 0 failed"
expect_line "$work/run.log" "^pipelining: the last 32 trials each took under 20 ms"
expect_line "$work/run.log" "^rank 0 \(scheduler and writer\) used .* peak resident memory"
/usr/bin/python3 -c "
import h5py, sys, results_h5
f = h5py.File(sys.argv[1], 'r')
assert 'these trials did not train' in f.attrs['overrides'], f.attrs['overrides']
assert f.attrs['sweep_hash'].endswith('+benchmark-trials=noop'), f.attrs['sweep_hash']
trials = results_h5.trials(f)
statuses = {t.attrs['status'] for t in trials.values()}
assert len(trials) == 300 and statuses == {'done'}, statuses
" "$work/r.h5"
if "$mpiexec" -n 4 "$build/aecnn-sweep" "$work/noop.toml" -o "$work/r.h5" 2> "$work/real.err"; then fail "expected to fail: $mpiexec -n 4 $build/aecnn-sweep $work/noop.toml -o $work/r.h5"; fi
expect_line "$work/real.err" "holds results of another sweep"
if "$build/aecnn-sweep" "$work/noop.toml" --benchmark-trials nap 2> "$work/bad.err"; then fail "expected to fail: $build/aecnn-sweep $work/noop.toml --benchmark-trials nap"; fi
expect_line "$work/bad.err" "must be noop, sleep=SECONDS \(0 to 86400\), branin, hartmann6"

# Test functions. Branin under TPE over two uniform keys, two workers; Hartmann-6 under random
# search over uniform, log-uniform and integer keys, three workers.
cat > "$work/branin.toml" <<TOML
name = "branin"
data_dir = "$src/data/fashion-mnist-subset"
[base]
epochs = 1
[search]
sampler = "tpe"
n_trials = 30
seed = 3
startup_trials = 8
metric = "val_loss"
mode = "min"
conv_dropout = { uniform = [0.0, 0.9] }
fc_dropout = { uniform = [0.1, 0.6] }
TOML
cat > "$work/hartmann6.toml" <<TOML
name = "hartmann6"
data_dir = "$src/data/fashion-mnist-subset"
[base]
epochs = 1
[random]
n = 20
seed = 5
lr = { loguniform = [1e-4, 1e-1] }
conv_dropout = { uniform = [0.0, 0.9] }
l2 = { uniform = [0.0, 1.0] }
patience = { int = [0, 1000] }
fc_dropout = { uniform = [0.1, 0.6] }
lr_horizon = { int = [3, 40000] }
TOML
"$mpiexec" -n 3 "$build/aecnn-sweep" "$work/branin.toml" -o "$work/branin.h5" --benchmark-trials branin > "$work/branin.log"
expect_line "$work/branin.log" "30 of 30 trials done, 0 failed"
"$mpiexec" -n 4 "$build/aecnn-sweep" "$work/hartmann6.toml" -o "$work/hartmann6.h5" --benchmark-trials hartmann6 > "$work/hartmann6.log"
expect_line "$work/hartmann6.log" "20 of 20 trials done, 0 failed"
/usr/bin/python3 - "$work/branin.h5" "$work/hartmann6.h5" <<'PY' || fail "test-function trials: see above"
import math, sys
import h5py, results_h5

def branin(x):
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x[1] - b * x[0] ** 2 + c * x[0] - 6) ** 2 + 10 * (1 - t) * math.cos(x[0]) + 10

def hartmann6(x):
    alpha = [1.0, 1.2, 3.0, 3.2]
    a = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
    p = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
         [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
    return -sum(alpha[i] * math.exp(-sum(a[i][j] * (x[j] - p[i][j]) ** 2 for j in range(6))) for i in range(4))

def lin(v, lo, hi):
    return (v - lo) / (hi - lo)

cases = {  # per file: the function, its domain, and each searched key's position in its range
    sys.argv[1]: (branin, [(-5, 10), (0, 15)],
                  [lambda c: lin(c["conv_dropout"], 0.0, 0.9), lambda c: lin(c["fc_dropout"], 0.1, 0.6)]),
    sys.argv[2]: (hartmann6, [(0, 1)] * 6,
                  [lambda c: math.log(c["lr"] / 1e-4) / math.log(1e-1 / 1e-4), lambda c: lin(c["conv_dropout"], 0.0, 0.9),
                   lambda c: lin(c["l2"], 0.0, 1.0), lambda c: lin(c["patience"], 0, 1000),
                   lambda c: lin(c["fc_dropout"], 0.1, 0.6), lambda c: lin(c["lr_horizon"], 3, 40000)]),
}
for path, (function, domain, positions) in cases.items():
    with h5py.File(path, "r") as f:
        assert "these trials did not train" in f.attrs["overrides"], f.attrs["overrides"]
        values = {}
        for name, t in results_h5.trials(f).items():
            config = t.config
            x = [lo + position(config) * (hi - lo) for position, (lo, hi) in zip(positions, domain)]
            expected = function(x)
            h = t.history
            assert t.attrs["status"] == "done" and len(h["val_loss"]) == 1, (path, name)
            got = float(h["val_loss"][0])
            assert abs(got - expected) <= 1e-9 * max(1, abs(expected)), (path, name, config, got, expected)
            assert math.isnan(h["val_accuracy"][0]) and math.isnan(h["accuracy"][0]), (path, name, "accuracy is not NaN")
            values[int(t.attrs["index"])] = got
        if "search" in f:  # every observation is its trial's value
            assert len(f["search"]["trial"]) == len(values), (path, "observations", len(f["search"]["trial"]))
            for trial, value in zip(f["search"]["trial"][()], f["search"]["value"][()]):
                assert value == values[int(trial)], (path, trial, value, values[int(trial)])
    print(f"{path}: {len(values)} trials, each the function at its point; best {min(values.values()):.6f}")
PY
"$build/tests/aecnn_search_replay_check" "$work/branin.h5" || fail "TPE suggestions of $work/branin.h5 do not re-derive"

# In one process the evaluations are sequential, as in the library's own benchmark: the sweep
# must find exactly the best value the search library finds alone (same seed, same order).
sed -e 's/^n_trials = 30$/n_trials = 40/' -e 's/^seed = 3$/seed = 0/' -e '/^startup_trials/d' \
    -e 's/^fc_dropout = .*/fc_dropout = { uniform = [0.0, 0.9] }/' "$work/branin.toml" > "$work/branin-serial.toml"
"$build/aecnn-sweep" "$work/branin-serial.toml" -o "$work/serial.h5" --benchmark-trials branin > "$work/serial.log"
expect_no_line "$work/serial.log" "^pipelining" "one process takes one trial at a time, and searched trials are never pipelined"
library=$("$build/aecnn_bench_search_sampler" quality 1 40 2>/dev/null | awk -F, '$1 == "branin" && $2 == "aecnn-tpe" {print $4}')
swept=$(/usr/bin/python3 -c "
import sys, h5py, results_h5
with h5py.File(sys.argv[1], 'r') as f:
    print('%.9g' % min(t.history['val_loss'][0] for t in results_h5.trials(f).values()))" "$work/serial.h5")
[ -n "$library" ] && [ "$library" = "$swept" ] ||
  fail "Branin, TPE seed 0, 40 evaluations: the library finds '$library', the sweep '$swept'"

# A sweep the function cannot run: one line naming the file and experiment; nothing written.
expect_refused() {  # TOML KIND EXPECTED-LINE
  if "$build/aecnn-sweep" "$1" -o "$work/refused.h5" --benchmark-trials "$2" 2> "$work/refused.err"; then
    fail "expected to fail: $build/aecnn-sweep $1 --benchmark-trials $2"
  fi
  expect_line "$work/refused.err" "$3"
  [ ! -e "$work/refused.h5" ] || fail "$work/refused.h5 was written by a refused run"
}
expect_refused "$work/branin.toml" hartmann6 "branin.toml: experiment 'branin': --benchmark-trials hartmann6 needs 6 searched keys"
sed 's/^fc_dropout = .*/attention = { choice = ["none", "both"] }/' "$work/branin.toml" > "$work/choice.toml"
expect_refused "$work/choice.toml" branin "choice.toml: experiment 'branin': .* 'attention' is a choice"
printf '[pruner]\ntype = "median"\n' | cat "$work/branin.toml" - > "$work/pruned.toml"
expect_refused "$work/pruned.toml" branin "pruned.toml: experiment 'branin': --benchmark-trials branin needs no pruner"
expect_refused "$work/noop.toml" branin "noop.toml: experiment 'noop': --benchmark-trials branin needs 2 searched keys .* it searches 0"
echo "sweep_benchmark_trials: ok"
