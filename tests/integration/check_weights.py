#!/usr/bin/python3
"""Checks which done trials of a results.h5 kept their weights, with h5py.

usage: check_weights.py FILE POLICY     (POLICY: best:N, all or none)

Recomputes from the file what keep_weights promises: under best:N, each experiment's N best
done trials by val_accuracy of the final model (the restored best epoch, else the last; ties to
the lower index, NaN last) hold a checkpoint, and every other done trial holds none and says why
in `weights_dropped`. Prints the kept trials, one line.
"""
import math
import sys

import os

import h5py

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis"))
import results_h5  # noqa: E402


def fail(message):
    print(f"check_weights: {sys.argv[1]}: {message}", file=sys.stderr)
    sys.exit(1)


def final_value(t):
    values = t.history["val_accuracy"]
    epoch = int(t.attrs["best_epoch"]) if int(t.attrs["restored_best"]) else int(t.attrs["epochs_run"])
    return float(values[epoch - 1]) if 1 <= epoch <= len(values) else float(values[-1])


def main():
    path, policy = sys.argv[1], sys.argv[2]
    with h5py.File(path, "r") as f:
        done = {n: t for n, t in results_h5.trials(f).items() if t.attrs["status"] == "done"}
        if not done:
            fail("no done trial")
        by_experiment = {}
        for name, t in done.items():
            by_experiment.setdefault(t.attrs["experiment"], []).append(name)
        expected = set()
        for names in by_experiment.values():
            if policy == "all":
                expected |= set(names)
            elif policy.startswith("best:"):
                def rank(name):
                    v = final_value(done[name])
                    return (math.isnan(v), -v if not math.isnan(v) else 0, int(done[name].attrs["index"]))
                expected |= set(sorted(names, key=rank)[: int(policy[5:])])
            elif policy != "none":
                fail(f"unknown policy {policy}")
        kept = {n for n, t in done.items() if t.checkpoint is not None}
        if kept != expected:
            fail(f"kept the weights of {sorted(kept)}, {policy} keeps {sorted(expected)}")
        for name in set(done) - kept:
            reason = str(done[name].attrs["weights_dropped"])
            if f'keep_weights = "{policy}"' not in reason:
                fail(f"{name}: no checkpoint, and weights_dropped is {reason!r}")
        for name in kept:
            if done[name].attrs["weights_dropped"]:
                fail(f"{name}: holds a checkpoint but says its weights were dropped")
        print(f"check_weights: {path}: {policy}: kept {' '.join(sorted(kept)) or 'none'}")


if __name__ == "__main__":
    main()
