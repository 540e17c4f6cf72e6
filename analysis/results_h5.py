"""An aecnn-sweep results.h5 (format 2), read with h5py alone, as one object per trial: for
scripts that look at trials one at a time (load_results.py gives pandas DataFrames instead).
The project's tests read the file through it, so they check it the way a user's script reads
it, with no aecnn code between.

    import results_h5  # analysis/ on PYTHONPATH
    with h5py.File(path, "r") as f:
        for trial_id, t in results_h5.trials(f).items():
            t.attrs["status"], t.config["lr"], t.history["val_loss"], t.metrics["test_accuracy"]

The layout is docs/results-format.md's: /trials, /config, /history, /metrics and /provenance are
tables of equal-length columns; a trial's row in /trials is its index; /history and /metrics
rows name it in their `trial` column (-1: a row a resumed attempt replaced).
"""
import h5py
import numpy as np


def columns(group):
    """A table as {column: numpy array}, strings as str: the one line docs/results-format.md shows."""
    return {name: c.asstr()[()] if h5py.check_string_dtype(c.dtype) else c[()] for name, c in group.items()}


class Trial:
    """One trial that has started. `attrs`: its /trials row; `config`: its /config row; `history`:
    its live /history rows, column by column; `metrics`: its /metrics row (None until done);
    `provenance`: its /provenance record (None without one); `checkpoint`: the h5py group of its
    weights (None when the file keeps none); `row`: its row (= its index)."""

    def __init__(self, row, attrs, config, history, metrics, provenance, checkpoint):
        self.row, self.attrs, self.config = row, attrs, config
        self.history, self.metrics, self.provenance, self.checkpoint = history, metrics, provenance, checkpoint


def check_format(f):
    if f.attrs.get("format") != "aecnn-sweep results":
        raise SystemExit(f"{f.filename}: root attribute 'format' missing or wrong")
    if f.attrs["format_version"] != 2:
        raise SystemExit(f"{f.filename}: format_version {f.attrs['format_version']}, these tests read 2")


def trials(f, include_pending=False):
    """Every trial that has started (every row, with include_pending), by id, in row order."""
    check_format(f)
    table = columns(f["trials"])
    config = columns(f["config"])
    history = columns(f["history"])
    metrics = columns(f["metrics"]) if "trial" in f["metrics"] else None
    class_names = list(f["metrics"].attrs["class_names"]) if "class_names" in f["metrics"].attrs else []
    provenance = columns(f["provenance"])
    result = {}
    for row in range(len(table["id"])):
        if not include_pending and table["status"][row] == "pending":
            continue
        attrs = {name: values[row] for name, values in table.items()}
        live = np.nonzero(history["trial"] == row)[0]
        trial_history = {name: values[live] for name, values in history.items() if name != "trial"}
        trial_metrics = None
        if metrics is not None:
            rows = np.nonzero(metrics["trial"] == row)[0]
            if len(rows):
                trial_metrics = {name: values[rows[-1]] for name, values in metrics.items() if name != "trial"}
                n = int(trial_metrics["classes"])  # per-class cells past it are padding
                for name in ("class_precision", "class_recall", "class_f1", "class_support"):
                    trial_metrics[name] = trial_metrics[name][:n]
                trial_metrics["confusion_matrix"] = trial_metrics["confusion_matrix"][:n, :n]
                trial_metrics["class_names"] = class_names[:n]
        p = int(attrs["provenance"])
        trial_provenance = {name: values[p] for name, values in provenance.items()} if p >= 0 else None
        trial_id = attrs["id"]
        checkpoint = f["checkpoints"][trial_id] if trial_id in f["checkpoints"] else None
        result[trial_id] = Trial(row, attrs, {name: values[row] for name, values in config.items()}, trial_history,
                                 trial_metrics, trial_provenance, checkpoint)
    return result


def row_of(f, trial_id):
    """The row of trial `trial_id` in /trials (to change a cell: f["trials/status"][row] = ...)."""
    ids = f["trials/id"].asstr()[()]
    rows = np.nonzero(ids == trial_id)[0]
    if not len(rows):
        raise SystemExit(f"{f.filename}: no trial {trial_id}")
    return int(rows[0])
