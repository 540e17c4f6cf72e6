#!/usr/bin/python3
"""Checks a results.h5 with h5py, a reader aecnn did not write.

usage: check_results.py FILE --done N --epochs E [--failed F]
Every trial must carry its config, status and a history whose epoch column is 1..E for done
trials; done trials need test metrics. Exits non-zero with a message on the first problem.
"""
import argparse
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis"))
import results_h5  # noqa: E402


def fail(message):
    sys.exit(f"check_results: {message}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--done", type=int, required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--failed", type=int, default=0)
    args = parser.parse_args()

    with h5py.File(args.file, "r") as f:
        results_h5.check_format(f)
        if "[base]" not in f.attrs["sweep_toml"] and "name" not in f.attrs["sweep_toml"]:
            fail("sweep_toml does not hold the sweep file")
        trials = results_h5.trials(f)
        statuses = {name: t.attrs["status"] for name, t in trials.items()}
        done = [n for n, s in statuses.items() if s == "done"]
        failed = [n for n, s in statuses.items() if s == "failed"]
        if len(done) != args.done or len(failed) != args.failed or len(statuses) != args.done + args.failed:
            fail(f"statuses {statuses}, expected {args.done} done and {args.failed} failed")
        ids = set()
        for name in done:
            t = trials[name]
            if t.attrs["id"] != name:
                fail(f"{name}: id attribute {t.attrs['id']}")
            ids.add(t.attrs["hash"])
            epochs = t.history["epoch"]
            if not np.array_equal(epochs, np.arange(1, args.epochs + 1)):
                fail(f"{name}: history epochs {epochs}, expected 1..{args.epochs}")
            for column in ("lr", "loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds", "train_seconds"):
                values = t.history[column]
                if values.shape != (args.epochs,) or not np.all(np.isfinite(values)):
                    fail(f"{name}: history/{column} = {values}")
            for column in ("accuracy", "val_accuracy"):
                values = t.history[column]
                if np.any(values < 0) or np.any(values > 1):
                    fail(f"{name}: {column} outside [0, 1]: {values}")
            m = t.metrics
            if m is None:
                fail(f"{name}: done without a /metrics row")
            if not 0 <= m["test_accuracy"] <= 1:
                fail(f"{name}: test_accuracy {m['test_accuracy']}")
            confusion = m["confusion_matrix"]
            if confusion.shape != (10, 10) or confusion.sum() != t.attrs["test_images"]:
                fail(f"{name}: confusion matrix {confusion.shape} sums to {confusion.sum()}")
            if abs(np.trace(confusion) / confusion.sum() - m["test_accuracy"]) > 1e-12:
                fail(f"{name}: test_accuracy disagrees with the confusion matrix")
            if abs(m["test_recall_weighted"] - m["test_accuracy"]) > 1e-12:
                fail(f"{name}: weighted recall != accuracy")
            support = confusion.sum(axis=1)
            if not np.array_equal(m["class_support"], support):
                fail(f"{name}: class_support disagrees with the confusion matrix")
            names = [n.decode() if isinstance(n, bytes) else n for n in m["class_names"]]
            if names[0] != "T-shirt/top" or names[9] != "Ankle boot":
                fail(f"{name}: class names {names}")
            if not 0 <= m["train_eval_accuracy"] <= 1:
                fail(f"{name}: train_eval_accuracy")
            if t.attrs["memory_measure"] == "cpu_rss_high_water_mark" and not (
                    t.attrs["peak_memory_bytes"] >= t.attrs["memory_baseline_bytes"] > 0):
                fail(f"{name}: peak memory {t.attrs['peak_memory_bytes']} below baseline")
            if t.attrs["epochs_run"] != args.epochs:
                fail(f"{name}: epochs_run {t.attrs['epochs_run']}")
            if t.attrs["params_total"] <= t.attrs["params_trainable"]:
                fail(f"{name}: parameter counts")
            if t.attrs["attempts"] < 1:
                fail(f"{name}: attempts")
            if t.config.get("epochs") != args.epochs:
                fail(f"{name}: config/epochs")
        if len(ids) != len(done):
            fail("two done trials share a content hash")
        for name in failed:
            if not trials[name].attrs["error"]:
                fail(f"{name}: failed without an error message")
    print(f"check_results: {args.file}: {len(done)} done, {len(failed)} failed, histories complete")


if __name__ == "__main__":
    main()
