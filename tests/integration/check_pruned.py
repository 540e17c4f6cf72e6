#!/usr/bin/python3
"""Checks a pruned sweep's results.h5 with h5py (a reader aecnn did not write), and re-derives
every pruning decision in it with an implementation of its own.

usage: check_pruned.py FILE [--complete] [--snapshot OUT.json] [--earlier SNAPSHOT.json ...]

- Every row of /pruning follows from the rows before it: ASHA's verdict (the best
  max(1, n // rf) of the n values recorded at the rung so far continue) and the median rule
  (Optuna's MedianPruner) recomputed here from the file's sweep TOML must equal the recorded
  stop, rung and compared count. So a resumed sweep rebuilt its pruners exactly.
- A trial has at most one stop row, and it is that trial's last decision; a pruned trial ends
  with it: its history has exactly that many epochs and it has no test metrics; a done trial of a
  pruned experiment has a completion row (epoch 0) and ran all its epochs (or stopped early).
- --complete: every trial is done or pruned.
- --snapshot: writes the rows and the pruned trials (with `started`, `attempts`) as JSON.
- --earlier: a snapshot of this file taken after an earlier kill: its rows are a prefix of this
  file's (no committed decision was lost or changed) and its pruned trials are untouched here
  (same `started` and `attempts`: never run again); with model-based search, its observations
  (/search) are a prefix of this file's, and every trial it had started keeps the values its
  suggestion gave it (config and `suggested_after`).
Prints a one-line summary; exits non-zero with a message on the first problem.
"""
import argparse
import json
import math
import os
import sys
import tomllib

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis"))
import results_h5  # noqa: E402

COLUMNS = ("trial", "epoch", "stop", "rung", "compared", "value", "cutoff")


def fail(message):
    sys.exit(f"check_pruned: {message}")


def comparable(row):
    """The row with NaN as None: a completion row's NaNs must compare equal to themselves."""
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}


def pruners_of(sweep_toml):
    doc = tomllib.loads(sweep_toml)
    top = doc.get("pruner", {"type": "none"})
    if "experiment" not in doc:  # the top level is the one experiment, named as the sweep
        return {doc["name"]: top}
    return {e["name"]: e.get("pruner", top) for e in doc["experiment"]}


def settings(p, longest):
    metric = p.get("metric", "val_accuracy")
    s = {
        "type": p.get("type", "none"),
        "maximize": p.get("mode", "max" if "accuracy" in metric else "min") == "max",
        "grace": p.get("grace_epochs", 1),
        "rf": p.get("reduction_factor", 3),
        "max_epochs": p.get("max_epochs", 0) or longest,
        "startup": p.get("startup_trials", 5),
        "warmup": p.get("warmup_epochs", 0),
    }
    rungs, r = [], s["grace"]
    while r < s["max_epochs"]:
        rungs.append(r)
        r *= s["rf"]
    s["rungs"] = rungs
    return s


def better(a, b, maximize):
    return a > b if maximize else a < b


class Asha:
    def __init__(self, s):
        self.s, self.recorded = s, {}

    def report(self, trial, epoch, value):
        if epoch not in self.s["rungs"]:
            return (math.isnan(value), -1, 0)
        rung = self.s["rungs"].index(epoch)
        if math.isnan(value):
            return (True, rung, 0)
        values = self.recorded.setdefault(rung, [])
        values.append(value)
        ranked = sorted(values, reverse=self.s["maximize"])
        keep = max(1, len(values) // self.s["rf"])
        return (better(ranked[keep - 1], value, self.s["maximize"]), rung, len(values))

    def completed(self, trial):
        pass


class Median:
    def __init__(self, s):
        self.s, self.running, self.completed_at, self.completed_count = s, {}, {}, 0

    def report(self, trial, epoch, value):
        self.running.setdefault(trial, {})[epoch] = value
        s = self.s
        if self.completed_count == 0 or self.completed_count < s["startup"] or epoch <= s["warmup"]:
            return (False, -1, 0)
        seen = [v for v in self.running[trial].values() if not math.isnan(v)]
        if not seen:
            return (True, -1, 0)
        best = max(seen) if s["maximize"] else min(seen)
        others = sorted(self.completed_at.get(epoch, []))
        if not others:
            return (False, -1, 0)
        median = float(np.percentile(others, 50))  # linear interpolation, as Optuna's nanpercentile
        return (better(median, best, s["maximize"]), -1, len(others))

    def completed(self, trial):
        for epoch, value in self.running.pop(trial, {}).items():
            if not math.isnan(value):
                self.completed_at.setdefault(epoch, []).append(value)
        self.completed_count += 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--complete", action="store_true")
    parser.add_argument("--snapshot")
    parser.add_argument("--earlier", nargs="*", default=[])
    args = parser.parse_args()
    with h5py.File(args.file, "r") as f:
        if "pruning" not in f:
            fail(f"{args.file}: no /pruning table")
        table = f["pruning"]
        n = len(table["trial"])
        for column in COLUMNS:
            if len(table[column]) != n:
                fail(f"{args.file}: /pruning/{column} has {len(table[column])} rows, trial has {n}")
        rows = [{c: (float(table[c][i]) if c in ("value", "cutoff") else int(table[c][i])) for c in COLUMNS}
                for i in range(n)]
        observations = []
        if "search" in f:
            s = f["search"]
            observations = [{c: (float(s[c][i]) if c == "value" else int(s[c][i])) for c in ("trial", "epochs", "complete", "value")}
                            for i in range(len(s["trial"]))]
        trials = {}
        for name, t in results_h5.trials(f).items():
            trials[int(t.attrs["index"])] = {
                "id": name, "status": t.attrs["status"], "experiment": t.attrs["experiment"],
                "epochs": int(t.config["epochs"]), "history": len(t.history["epoch"]),
                "has_metrics": t.metrics is not None, "started": float(t.attrs["started"]),
                "attempts": int(t.attrs["attempts"]), "stopped_early": int(t.attrs["stopped_early"]),
                "suggested_after": int(t.attrs["suggested_after"]),
                "values": {k: (v.item() if hasattr(v, "item") else v) for k, v in t.config.items()},
            }
        pruner_settings = pruners_of(f.attrs["sweep_toml"])

    longest = {}
    for t in trials.values():
        longest[t["experiment"]] = max(longest.get(t["experiment"], 0), t["epochs"])
    pruners = {}
    for name, p in pruner_settings.items():
        s = settings(p, longest.get(name, 1))
        if s["type"] == "asha":
            pruners[name] = Asha(s)
        elif s["type"] == "median":
            pruners[name] = Median(s)

    stops, completions, last_row = {}, set(), {}
    for i, row in enumerate(rows):
        trial = trials.get(row["trial"])
        if trial is None or trial["experiment"] not in pruners:
            fail(f"row {i}: trial index {row['trial']} is not a pruned trial of this file")
        if row["trial"] in stops:
            fail(f"row {i}: {trial['id']} has a decision after the verdict that stopped it (row {stops[row['trial']]})")
        pruner = pruners[trial["experiment"]]
        last_row[row["trial"]] = i
        if row["epoch"] == 0:
            pruner.completed(row["trial"])
            completions.add(row["trial"])
            continue
        stop, rung, compared = pruner.report(row["trial"], row["epoch"], row["value"])
        if (bool(row["stop"]), row["rung"], row["compared"]) != (stop, rung, compared):
            fail(f"row {i} ({trial['id']} epoch {row['epoch']} value {row['value']}): recorded stop={row['stop']} "
                 f"rung={row['rung']} compared={row['compared']}, the rule gives stop={int(stop)} rung={rung} "
                 f"compared={compared}")
        if row["stop"]:
            stops[row["trial"]] = i

    for index, t in sorted(trials.items()):
        if t["experiment"] not in pruners:
            continue
        if t["status"] == "pruned":
            if index not in stops:
                fail(f"{t['id']} is pruned but no verdict stopped it")
            epoch = rows[stops[index]]["epoch"]
            if t["history"] != epoch:
                fail(f"{t['id']}: pruned at epoch {epoch} but its history has {t['history']} epochs")
            if t["has_metrics"]:
                fail(f"{t['id']}: pruned, yet it has test metrics")
        elif t["status"] == "done":
            if index in stops:
                fail(f"{t['id']} is done although a verdict stopped it (row {stops[index]})")
            if index not in completions:
                fail(f"{t['id']} is done but its pruner was not told (no completion row)")
            if t["history"] != t["epochs"] and not t["stopped_early"]:
                fail(f"{t['id']}: done after {t['history']} of {t['epochs']} epochs")
        elif args.complete:
            fail(f"{t['id']}: status {t['status']}, expected done or pruned")

    for path in args.earlier:
        with open(path) as handle:
            earlier = json.load(handle)
        before, now = [comparable(r) for r in earlier["rows"]], [comparable(r) for r in rows]
        if now[:len(before)] != before:
            first = next((i for i, (a, b) in enumerate(zip(now, before)) if a != b), len(now))
            fail(f"the decisions committed before a kill ({path}, {len(earlier['rows'])} rows) are not a prefix "
                 f"of the final ones: they differ at row {first}")
        before_obs, now_obs = [comparable(r) for r in earlier["observations"]], [comparable(r) for r in observations]
        if now_obs[:len(before_obs)] != before_obs:
            fail(f"the observations committed before a kill ({path}, {len(before_obs)} rows) are not a prefix of the final ones")
        for index, before in earlier["begun"].items():
            now = trials[int(index)]
            if (now["suggested_after"], now["values"]) != (before["suggested_after"], before["values"]):
                fail(f"{now['id']} started with suggestion {before['values']} (after {before['suggested_after']} "
                     f"observations) before a kill ({path}), but the file now says {now['values']} (after "
                     f"{now['suggested_after']})")
        for index, before in earlier["pruned"].items():
            now = trials[int(index)]
            if (now["status"], now["started"], now["attempts"]) != ("pruned", before["started"], before["attempts"]):
                fail(f"{now['id']} was pruned before a kill ({path}) but was run again: status {now['status']}, "
                     f"started {now['started']} (was {before['started']}), attempts {now['attempts']} "
                     f"(was {before['attempts']})")

    if args.snapshot:
        pruned = {str(i): {"started": t["started"], "attempts": t["attempts"]}
                  for i, t in trials.items() if t["status"] == "pruned"}
        with open(args.snapshot, "w") as handle:
            begun = {str(i): {"suggested_after": t["suggested_after"], "values": t["values"]}
                     for i, t in trials.items() if t["suggested_after"] >= 0}
            json.dump({"rows": rows, "pruned": pruned, "observations": observations, "begun": begun}, handle)
    count = sum(1 for t in trials.values() if t["status"] == "pruned")
    print(f"check_pruned: ok: {len(rows)} decisions re-derived, {len(stops)} stop(s), {count} trial(s) pruned, "
          f"{len(observations)} observation(s), {len(args.earlier)} earlier snapshot(s) kept")


if __name__ == "__main__":
    main()
