#!/usr/bin/python3
"""Load an aecnn-sweep results.h5 into pandas with h5py, and redraw one figure with matplotlib.

    analysis/load_results.py results.h5 [validation.png]

The file's tables (/trials, /config, /history, /metrics, /provenance) are groups of equal-length
columns, so each is one line to a DataFrame (`table` below). `load(path)` gives two: `trials`,
one row per trial that started (its /trials row, every config key as `config.<key>`, and the
test metrics of done trials), and `history`, one row per trial and epoch. Every table and
column is described in docs/results-format.md.
The figure: validation accuracy per epoch of each experiment's settings (mean over seeds with a
min-max band), the counterpart of aecnn-analyze's <experiment>-curves_accuracy figure.
Uses Debian's python3-h5py, python3-pandas and python3-matplotlib.
"""
import fcntl
import sys

import h5py
import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt
import pandas as pd



def writer_running(journal):
    """True while a sweep writes the file: its journal is then its commit in progress (the sweep
    holds an exclusive lock on the results file for its whole run)."""
    try:
        with open(journal[: -len(".journal")], "rb") as results:
            fcntl.flock(results, fcntl.LOCK_SH | fcntl.LOCK_NB)
            fcntl.flock(results, fcntl.LOCK_UN)
            return False
    except BlockingIOError:
        return True


def holds_a_record(journal):
    """True when the journal holds a commit's undo record; a retired one starts with 8 zero bytes,
    and one between commits is empty or retired (docs/results-format.md)."""
    try:
        with open(journal, "rb") as f:
            return f.read(8) == b"AECNN-J1"
    except FileNotFoundError:
        return False


def table(group):
    """One table of the file as a DataFrame, a column per dataset (strings decoded). Per-class
    metrics ([trials, classes]) are left out: read them with h5py, f["metrics/class_f1"][()]."""
    return pd.DataFrame({name: column.asstr()[()] if h5py.check_string_dtype(column.dtype) else column[()]
                         for name, column in group.items() if column.ndim == 1})


def load(path):
    # A writer killed in the middle of a commit leaves its undo journal beside the file, which
    # may be half written until an aecnn tool rolls it back (docs/results-format.md).
    journal = path + ".journal"
    if holds_a_record(journal) and not writer_running(journal):
        raise SystemExit(f"{path}: a commit was left unfinished ({journal}); run `aecnn-analyze {path}` "
                         "once (it rolls the file back to its last complete commit), then load it again")
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != "aecnn-sweep results":
            raise SystemExit(f"{path}: not an aecnn-sweep results file")
        if f.attrs["format_version"] != 2:
            raise SystemExit(f"{path}: format {f.attrs['format_version']}; convert it with `aecnn-sweep upgrade {path}`")
        trials = table(f["trials"]).join(table(f["config"]).add_prefix("config."))
        history = table(f["history"])
        metrics = table(f["metrics"])
    # Rows of trials not started yet, and history rows a resumed attempt replaced, are not results.
    trials = trials[trials["status"] != "pending"]
    history = history[history["trial"] >= 0]
    if not metrics.empty:  # a trial's latest row: an earlier attempt's is marked -1
        metrics = metrics[metrics["trial"] >= 0].drop_duplicates("trial", keep="last")
        trials = trials.merge(metrics, left_on="index", right_on="trial", how="left").drop(columns="trial")
    history = history.merge(trials[["index", "id"]], left_on="trial", right_on="index").drop(columns=["trial", "index"])
    return trials.reset_index(drop=True), history


def setting_of(row):
    keys = [k for k in row["varying"].split(",") if k and k != "seed"]
    return ", ".join(f"{k}={row['config.' + k]:g}" if isinstance(row["config." + k], float) else f"{k}={row['config.' + k]}"
                     for k in keys) or row["experiment"]


def main():
    path = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else "validation.png"
    trials, history = load(path)
    if trials.empty:  # a sweep stopped before its first trial started
        print("0 trials")
        return
    trials["setting"] = trials.apply(setting_of, axis=1)
    done = trials[trials["status"] == "done"]
    print(f"{len(trials)} trials, {len(done)} done")
    if not done.empty:
        print(done.groupby(["experiment", "setting"])["test_accuracy"].agg(["count", "mean", "std"]).to_string())
    if history.empty:
        return

    experiments = list(dict.fromkeys(trials["experiment"]))
    figure, axes = plt.subplots(1, len(experiments), figsize=(6 * len(experiments), 4), squeeze=False)
    merged = history.merge(trials[["id", "experiment", "setting"]], on="id")
    for axis, experiment in zip(axes[0], experiments):
        for setting, rows in merged[merged["experiment"] == experiment].groupby("setting", sort=False):
            by_epoch = rows.groupby("epoch")["val_accuracy"]
            axis.plot(by_epoch.mean().index, by_epoch.mean(), marker="o", label=setting)
            axis.fill_between(by_epoch.min().index, by_epoch.min(), by_epoch.max(), alpha=0.15)
        axis.set(title=f"{experiment}: validation accuracy", xlabel="epoch", ylabel="val accuracy")
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(out, dpi=100)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
