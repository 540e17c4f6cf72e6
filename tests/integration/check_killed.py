#!/usr/bin/python3
"""Checks a results.h5 left by a killed sweep, with h5py (a reader aecnn did not write).

usage: check_killed.py FILE [--logs LOG ...] [--reference REF] [--complete] [--weights]

- The file opens, and every trial marked done is whole: a history of epochs 1..epochs_run in
  every column, test metrics, and a checkpoint whose weights are finite arrays (or, when
  keep_weights did not keep them, the reason in `weights_dropped`).
- Every trial a log reported done (the line is printed after the commit) is done in the file.
- No trial was trained to the end twice: at most one "done" line per trial over all the logs.
- With --reference (an uninterrupted run of the same sweep): every trial done in both has
  bitwise the same history and test metrics, and drops its weights only when the reference does.
  With --complete: every trial of the reference is done here too, no other trial exists, and each
  keeps its weights exactly when the reference does.
Exits non-zero with a message on the first problem; prints a one-line summary otherwise.
"""
import argparse
import re
import sys
from collections import Counter

import os

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis"))
import results_h5  # noqa: E402

COLUMNS = ("epoch", "lr", "loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds", "train_seconds")
SAME = ("epoch", "lr", "loss", "accuracy", "val_loss", "val_accuracy")  # not the timings
METRICS = ("test_loss", "test_accuracy", "test_f1_weighted", "train_eval_accuracy")


def fail(message):
    sys.exit(f"check_killed: {message}")


def done_trials(trials):
    return {name: t for name, t in trials.items() if t.attrs["status"] == "done"}


def check_done_trial(name, t):
    n = int(t.attrs["epochs_run"])
    for column in COLUMNS:
        values = t.history[column]
        if values.shape != (n,) or not np.all(np.isfinite(values)):
            fail(f"{name}: history/{column} has {values.shape[0]} rows, epochs_run is {n}")
    if not np.array_equal(t.history["epoch"], np.arange(1, n + 1)):
        fail(f"{name}: history epochs {t.history['epoch']}")
    # A resumed trial's seconds count every attempt: never less than its epochs' own time (an
    # invariant, not a timing: each epoch's seconds are part of the trial's).
    epochs_seconds = float(np.sum(t.history["epoch_seconds"]))
    if float(t.attrs["wall_seconds"]) < epochs_seconds:
        fail(f"{name}: wall_seconds {float(t.attrs['wall_seconds']):.3f} is less than its epochs' "
             f"{epochs_seconds:.3f} s: an attempt's time was not counted")
    for metric in METRICS:
        if t.metrics is None or metric not in t.metrics:
            fail(f"{name}: metrics/{metric} missing")
    if t.checkpoint is None:  # keep_weights did not keep it: it must say why
        if not str(t.attrs.get("weights_dropped", "")):
            fail(f"{name}: done, with neither a checkpoint nor a weights_dropped reason")
        return
    latest = t.checkpoint["latest"]
    if int(latest.attrs["epochs_done"]) != n:
        fail(f"{name}: latest checkpoint after epoch {latest.attrs['epochs_done']}, trial ran {n}")
    # The checkpoint carries the trial's time over its attempts so far; the trial ends after it.
    if "seconds" not in latest.attrs or float(latest.attrs["seconds"]) < epochs_seconds:
        fail(f"{name}: the latest checkpoint's seconds ({latest.attrs.get('seconds')}) do not cover its epochs' "
             f"{epochs_seconds:.3f} s")
    if float(t.attrs["wall_seconds"]) < float(latest.attrs["seconds"]):
        fail(f"{name}: wall_seconds {float(t.attrs['wall_seconds']):.3f} is less than its last checkpoint's "
             f"{float(latest.attrs['seconds']):.3f}")
    for group in ("model", "best_model"):
        arrays = latest[group]
        if len(arrays) == 0 or not all(np.all(np.isfinite(arrays[a][()])) for a in arrays):
            fail(f"{name}: checkpoint {group} empty or not finite")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--logs", nargs="*", default=[])
    parser.add_argument("--reference")
    parser.add_argument("--complete", action="store_true")
    parser.add_argument("--weights", action="store_true")
    args = parser.parse_args()

    reported = Counter()
    for log in args.logs:
        with open(log, errors="replace") as text:
            for line in text:
                m = re.match(r"^(\S+) done: test_acc", line)
                if m:
                    reported[m.group(1)] += 1
    twice = [name for name, count in reported.items() if count > 1]
    if twice:
        fail(f"trained to the end more than once: {twice}")

    with h5py.File(args.file, "r") as f:
        trials = results_h5.trials(f)
        done = done_trials(trials)
        for name, t in done.items():
            check_done_trial(name, t)
        missing = sorted(set(reported) - set(done))
        if missing:
            fail(f"reported done but not done in the file: {missing}")
        statuses = Counter(t.attrs["status"] for t in trials.values())
        if args.reference:
            with h5py.File(args.reference, "r") as r:
                ref_trials = results_h5.trials(r)
                ref = done_trials(ref_trials)
                if args.complete and (set(ref) != set(done) or set(trials) != set(ref_trials)):
                    fail(f"done here {sorted(done)}, in the reference {sorted(ref)}; trials here "
                         f"{sorted(trials)}, in the reference {sorted(ref_trials)}")
                if args.complete:
                    for name in ref_trials:
                        here, there = trials[name].attrs, ref_trials[name].attrs
                        if here["status"] != there["status"] or here["failures"] != there["failures"]:
                            fail(f"{name}: {here['status']} after {here['failures']} failure(s), the "
                                 f"uninterrupted run's: {there['status']} after {there['failures']}")
                for name in set(done) & set(ref):
                    for column in SAME:
                        a, b = done[name].history[column], ref[name].history[column]
                        if not np.array_equal(a, b):
                            fail(f"{name}: history/{column} {a} differs from the uninterrupted run's {b}")
                    for metric in METRICS:
                        a, b = done[name].metrics[metric], ref[name].metrics[metric]
                        if a != b:
                            fail(f"{name}: {metric} {a!r} differs from the uninterrupted run's {b!r}")
                    if not np.array_equal(done[name].metrics["confusion_matrix"],
                                          ref[name].metrics["confusion_matrix"]):
                        fail(f"{name}: confusion matrix differs from the uninterrupted run's")
                    kept, kept_there = done[name].checkpoint is not None, ref[name].checkpoint is not None
                    # keep_weights is exact on resume. A file still running may yet keep a trial that
                    # the whole sweep drops (a better one ends later), never the other way round: a
                    # trial outside the best N of the trials ended so far is outside the best N of all.
                    if kept != kept_there and (args.complete or kept_there):
                        fail(f"{name}: weights {'kept' if kept else 'dropped'}, the uninterrupted run "
                             f"{'kept' if kept_there else 'dropped'} them")
                    if args.weights and kept:
                        for group in ("model", "best_model"):
                            a = done[name].checkpoint["latest/" + group]
                            b = ref[name].checkpoint["latest/" + group]
                            if set(a) != set(b) or not all(np.array_equal(a[k][()], b[k][()]) for k in a):
                                fail(f"{name}: final {group} weights differ from the uninterrupted run's")
        print(f"check_killed: {args.file}: {dict(statuses)}, {len(reported)} reported done, all intact")


if __name__ == "__main__":
    main()
