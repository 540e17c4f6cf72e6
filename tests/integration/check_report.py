#!/usr/bin/python3
"""Checks an `aecnn-analyze -o DIR` report against the results file, read with h5py.

usage: check_report.py RESULTS DIR FIGURE...
Each named figure must exist as a valid, non-empty PNG and SVG with its .dat and .gp beside it;
report.md must link it; every settings CSV's val_acc mean and sd must equal those computed here
from the file (final model's val accuracy: the restored best epoch, else the last).
"""
import csv
import glob
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis"))
import results_h5  # noqa: E402


def fail(message):
    sys.exit(f"check_report: {message}")


def main():
    results, folder, figures = sys.argv[1], sys.argv[2], sys.argv[3:]
    report = open(os.path.join(folder, "report.md")).read()
    for name in figures:
        for ext in ("png", "svg", "dat", "gp"):
            path = os.path.join(folder, f"{name}.{ext}")
            if not os.path.isfile(path) or os.path.getsize(path) == 0:
                fail(f"{path} missing or empty")
        if open(os.path.join(folder, f"{name}.png"), "rb").read(8) != b"\x89PNG\r\n\x1a\n":
            fail(f"{name}.png is not a PNG")
        if "<svg" not in open(os.path.join(folder, f"{name}.svg")).read(4096):
            fail(f"{name}.svg is not an SVG")
        if f"]({name}.png)" not in report:
            fail(f"report.md does not link {name}.png")

    # Independent aggregation: group done trials of each experiment by their varying keys, seed aside.
    expected = {}
    with h5py.File(results, "r") as f:
        for t in results_h5.trials(f).values():
            if t.attrs["status"] != "done":
                continue
            keys = [k for k in t.attrs["varying"].split(",") if k and k != "seed"]
            config = t.config
            label = ", ".join(f"{k}={format_value(config[k])}" for k in keys) or t.attrs["experiment"]
            val = t.history["val_accuracy"]
            best = int(t.attrs["best_epoch"])
            final = val[best - 1] if t.attrs["restored_best"] and best >= 1 else val[-1]
            expected.setdefault((t.attrs["experiment"], label), []).append(final)
    checked = 0
    for path in glob.glob(os.path.join(folder, "*-settings.csv")):
        experiment = os.path.basename(path)[: -len("-settings.csv")]
        for row in csv.DictReader(open(path)):
            values = expected.get((experiment, row["setting"]))
            if values is None:
                fail(f"{path}: setting {row['setting']!r} not in the file")
            cell = row["val_acc"].split(" +- ")
            if abs(float(cell[0]) - np.mean(values)) > 5e-5:
                fail(f"{path}: {row['setting']} val_acc {cell[0]} != {np.mean(values):.4f}")
            if len(values) > 1 and abs(float(cell[1]) - np.std(values, ddof=1)) > 5e-5:
                fail(f"{path}: {row['setting']} sd {cell[1]} != {np.std(values, ddof=1):.4f}")
            if int(row["n"]) != len(values):
                fail(f"{path}: {row['setting']} n {row['n']} != {len(values)}")
            checked += 1
    if checked == 0:
        fail("no settings rows checked")
    print(f"check_report: {len(figures)} figures valid, {checked} settings rows equal the file")


def format_value(v):
    if isinstance(v, (float, np.floating)):
        return f"{v:g}"
    return str(v)


if __name__ == "__main__":
    main()
