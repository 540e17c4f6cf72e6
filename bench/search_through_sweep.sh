#!/usr/bin/env bash
# Branin and Hartmann-6 through aecnn-sweep itself (`--benchmark-trials branin|hartmann6`): the
# whole path a real search takes (sweep file, rank 0's TPE or the random search's draws, the
# results file) with the test function in place of training. One process per sweep, so the
# evaluations are sequential, as in bench/search_sampler.cpp. Prints CSV for bench/search.sh:
#   function,method,seed,best     (methods sweep-tpe and sweep-random)
#   bench/search_through_sweep.sh BUILD_DIR SEEDS EVALS
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
export PYTHONPATH="$src/analysis${PYTHONPATH:+:$PYTHONPATH}"  # results_h5: the results file read with h5py
build=$1 seeds=$2 evals=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The searched keys only carry the coordinates: each key's position in its range is the
# coordinate's position in the function's domain. Hartmann-6 needs six numbers; the schema has
# four float keys, so two wide integer ranges (as good as continuous) make up the rest.
keys_branin='conv_dropout = { uniform = [0.0, 0.9] }
fc_dropout = { uniform = [0.0, 0.9] }'
keys_hartmann6="$keys_branin
l2 = { uniform = [0.0, 1.0] }
lr = { uniform = [0.001, 1.0] }
patience = { int = [0, 1000000] }
lr_horizon = { int = [0, 1000000] }"
echo "function,method,seed,best"
for function in branin hartmann6; do
  keys_var=keys_$function
  for ((seed = 0; seed < seeds; seed++)); do
    for method in tpe random; do
      toml=$work/$function-$method-$seed.toml
      {
        printf 'name = "%s"\ndata_dir = "%s"\n[base]\nepochs = 1\n' "$function" "$src/data/fashion-mnist-subset"
        if [ "$method" = tpe ]; then
          printf '[search]\nsampler = "tpe"\nn_trials = %d\nseed = %d\nmetric = "val_loss"\nmode = "min"\n' "$evals" "$seed"
        else
          printf '[random]\nn = %d\nseed = %d\n' "$evals" "$seed"
        fi
        printf '%s\n' "${!keys_var}"
      } > "$toml"
      "$build/aecnn-sweep" "$toml" -o "$work/$function-$method-$seed.h5" --benchmark-trials "$function" \
        --progress plain > "$work/run.log" || { cat "$work/run.log" >&2; exit 1; }
      /usr/bin/python3 -c "
import sys, h5py, results_h5
with h5py.File(sys.argv[1], 'r') as f:
    values = [t.history['val_loss'][0] for t in results_h5.trials(f).values() if t.attrs['status'] == 'done']
assert len(values) == int(sys.argv[2]), (len(values), sys.argv[2])
print(f'{sys.argv[3]},sweep-{sys.argv[4]},{sys.argv[5]},{min(values):.9g}')
" "$work/$function-$method-$seed.h5" "$evals" "$function" "$method" "$seed"
    done
  done
done
