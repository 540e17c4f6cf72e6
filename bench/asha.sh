#!/usr/bin/env bash
# ASHA on the AE-CNN: sweeps/asha.toml (a random search of 24 configurations of lr, batch size,
# the dropout pair, attention and schedule, up to 15 epochs, on the shipped subset) run once with
# its ASHA pruner and once with `type = "none"`, one after the other, per sampler seed. Both runs
# train the same 24 configurations (the random search's seed fixes them), so the table compares
# like with like: epochs trained, wall time, the best final val accuracy found, and where the
# unpruned run's best configuration ended under ASHA.
#   bench/asha.sh [BUILD_DIR] [SEED ...]    (default: build 2026; about 35 minutes per seed on 2 cores)
# Then, per seed, ASHA replayed offline on the unpruned run's curves under other rules
# (bench/asha_replay.py); ASHA_CURVES=FILE also writes the first seed's curves as CSV
# (tests/data/asha_curves.csv was made so).
# mpiexec -n 3: rank 0 schedules, two workers of one thread each. Prints a Markdown table.
# ASHA_QUICK="--set train_images=512 --set eval_images=256" checks the script in a minute (not a result).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
export PYTHONPATH="$src/analysis${PYTHONPATH:+:$PYTHONPATH}"  # results_h5: the results file read with h5py
build=${1:-$src/build}
shift || true
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(2026)
[ -x "$build/aecnn-sweep" ] || { echo "bench/asha.sh: $build/aecnn-sweep is missing: build first" >&2; exit 2; }
work=$(mktemp -d)
trap '[ -n "${AECNN_KEEP:-}" ] || rm -rf "$work"' EXIT
runs=()
for seed in "${seeds[@]}"; do
  for pruner in asha none; do
    toml=$work/asha-$seed-$pruner.toml
    # The same file with an absolute data folder, the sampler's seed, and the pruner on or off.
    # (without a pruner its ASHA keys go too: a key of another pruner type is an error).
    sed -e "s|^data_dir = .*|data_dir = \"$src/data/fashion-mnist-subset\"|" -e "s|^seed = 2026$|seed = $seed|" \
        -e "s|^type = \"asha\"$|type = \"$pruner\"|" "$src/sweeps/asha.toml" > "$toml"
    [ "$pruner" = asha ] || sed -i -e '/^grace_epochs = /d' -e '/^reduction_factor = /d' -e '/^metric = /d' "$toml"
    grep -q "^type = \"$pruner\"$" "$toml" || { echo "bench/asha.sh: could not set the pruner in $toml" >&2; exit 2; }
    start=$(date +%s%N)
    # shellcheck disable=SC2086 # ASHA_QUICK is a list of flags
    mpiexec -n 3 "$build/aecnn-sweep" "$toml" --threads 1 --progress plain ${ASHA_QUICK:-} \
      -o "$work/$seed-$pruner.h5" > "$work/$seed-$pruner.log"
    end=$(date +%s%N)
    runs+=("$seed" "$pruner" "$(((end - start) / 1000000))" "$work/$seed-$pruner.h5")
  done
done
/usr/bin/python3 - "${runs[@]}" <<'PY'
import sys
import h5py
import results_h5

args = sys.argv[1:]
runs = [args[i:i + 4] for i in range(0, len(args), 4)]


def load(path):
    with h5py.File(path, "r") as f:
        trials = {}
        for name, t in results_h5.trials(f).items():
            history = t.history["val_accuracy"]
            final = history[int(t.attrs["best_epoch"]) - 1] if t.attrs["restored_best"] else history[-1]
            keys = {k: t.config[k] for k in ("lr", "batch_size", "conv_dropout", "fc_dropout", "attention", "schedule")}
            trials[name] = {"status": t.attrs["status"], "epochs": len(history), "final": float(final), "keys": keys}
    return trials


print("| seed | pruner | trials done / pruned | epochs trained | wall time | best final val acc (trial) | the unpruned run's best under ASHA |")
print("|---|---|---|---|---|---|---|")
by_seed = {}
for seed, pruner, wall, path in runs:
    by_seed.setdefault(seed, {})[pruner] = (float(wall) / 1000, load(path))
for seed, pair in by_seed.items():
    unpruned_best = max((t for t in pair["none"][1].items() if t[1]["status"] == "done"), key=lambda t: t[1]["final"])
    for pruner in ("none", "asha"):
        wall, trials = pair[pruner]
        done = [n for n, t in trials.items() if t["status"] == "done"]
        pruned = [n for n, t in trials.items() if t["status"] == "pruned"]
        epochs = sum(t["epochs"] for t in trials.values())
        best = max(done, key=lambda n: trials[n]["final"])
        there = trials[unpruned_best[0]]
        fate = (f"{unpruned_best[0]}: {there['status']}" + (f" after epoch {there['epochs']}" if there["status"] == "pruned" else "")
                + (f", rank {sorted(done, key=lambda n: -trials[n]['final']).index(unpruned_best[0]) + 1} of {len(done)} done"
                   if there["status"] == "done" else ""))
        print(f"| {seed} | {pruner} | {len(done)} / {len(pruned)} | {epochs} | {wall / 60:.1f} min | "
              f"{trials[best]['final']:.4f} ({best}) | {fate if pruner == 'asha' else '-'} |")
    ratio_epochs = sum(t["epochs"] for t in pair["asha"][1].values()) / sum(t["epochs"] for t in pair["none"][1].values())
    print(f"\nSeed {seed}: ASHA trained {100 * ratio_epochs:.0f}% of the epochs in "
          f"{100 * pair['asha'][0] / pair['none'][0]:.0f}% of the wall time.")
PY
for seed in "${seeds[@]}"; do
  printf '\nSeed %s, offline:\n\n' "$seed"
  /usr/bin/python3 "$src/bench/asha_replay.py" "$work/$seed-none.h5" ${ASHA_CURVES:+--csv "$ASHA_CURVES"}
  ASHA_CURVES=
done
