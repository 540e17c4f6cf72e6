#!/usr/bin/python3
"""ASHA replayed offline on the learning curves of a sweep trained to the end without a pruner.

usage: asha_replay.py RESULTS.h5 [--csv CURVES.csv]

For each rule (a metric, ASHA's grace epochs and reduction factor), the trials are fed in index
order, epoch by epoch (a sequential search: each trial runs until it ends or is stopped), and
the rule's verdicts are applied: what epochs it would have trained and which trials it would
have kept to the end. Since every curve was trained to the end, this is exact for that order;
an asynchronous run's order differs. Prints a Markdown table; with --csv writes the curves
(trial, epoch, accuracy, val_accuracy, val_loss) for tests/data.
"""
import argparse
import os
import sys

import h5py

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "analysis"))
import results_h5  # noqa: E402


def final_value(t):
    h = t.history["val_accuracy"]
    return float(h[int(t.attrs["best_epoch"]) - 1] if t.attrs["restored_best"] else h[-1])


def replay(curves, metric, grace, rf, max_epochs):
    rungs, r = [], grace
    while r < max_epochs:
        rungs.append(r)
        r *= rf
    recorded = {rung: [] for rung in rungs}
    epochs, survivors = 0, []
    for trial in sorted(curves):
        values = curves[trial][metric]
        stopped = False
        for e, value in enumerate(values, start=1):
            epochs += 1
            if e in recorded:
                recorded[e].append(value)
                ranked = sorted(recorded[e], reverse=(metric != "val_loss"))
                keep = max(1, len(ranked) // rf)
                cutoff = ranked[keep - 1]
                if (value < cutoff) if metric != "val_loss" else (value > cutoff):
                    stopped = True
                    break
        if not stopped:
            survivors.append(trial)
    return epochs, survivors


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--csv")
    args = parser.parse_args()
    curves, finals = {}, {}
    with h5py.File(args.results, "r") as f:
        for t in results_h5.trials(f).values():
            index = int(t.attrs["index"])
            curves[index] = {c: [float(v) for v in t.history[c]] for c in ("accuracy", "val_accuracy", "val_loss")}
            finals[index] = final_value(t)
    max_epochs = max(len(c["val_accuracy"]) for c in curves.values())
    full = sum(len(c["val_accuracy"]) for c in curves.values())
    ranking = sorted(finals, key=lambda i: -finals[i])
    best = ranking[0]
    print(f"Offline replay on {len(curves)} trials trained to the end ({full} epochs); best final val accuracy "
          f"{finals[best]:.4f} (trial {best}). Trials fed in index order, each until it ends or is stopped.\n")
    print("| rule | epochs trained | share of all | trials kept to the end | best kept (final val acc, its rank of all) |")
    print("|---|---:|---:|---:|---|")
    for metric in ("val_accuracy", "accuracy", "val_loss"):
        for grace, rf in ((1, 3), (3, 3)):
            epochs, survivors = replay(curves, metric, grace, rf, max_epochs)
            kept = max(survivors, key=lambda i: finals[i])
            print(f"| ASHA on {metric}, grace {grace}, rf {rf} | {epochs} | {100 * epochs / full:.0f}% | {len(survivors)} | "
                  f"{finals[kept]:.4f} (trial {kept}, rank {ranking.index(kept) + 1}) |")
    if args.csv:
        with open(args.csv, "w") as out:
            out.write("trial,epoch,accuracy,val_accuracy,val_loss\n")
            for trial in sorted(curves):
                c = curves[trial]
                for e in range(len(c["val_accuracy"])):
                    out.write(f"{trial},{e + 1},{c['accuracy'][e]!r},{c['val_accuracy'][e]!r},{c['val_loss'][e]!r}\n")


if __name__ == "__main__":
    main()
