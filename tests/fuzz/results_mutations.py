#!/usr/bin/python3
"""The results reader against damaged and hand-edited files: structured mutations written by h5py.

A results file is data people copy, edit and share. Byte flips (tests/crash) test the HDF5 layer;
these test the layer above it: every column and attribute a real file has is, one at a time,
  deleted, emptied, retyped (numbers <-> strings), reshaped (1-D <-> 2-D), cut to half its rows,
  or made to claim 2^40 rows it does not store (reading it whole would allocate terabytes);
root and group attributes are deleted and retyped. Each mutated file goes through the readers a
user runs: aecnn-analyze (terminal tables, and -o with every figure for a sample), aecnn-sweep
--status, resuming the sweep, and export for checkpoint damage. Each must end with exit code 0
(the damage did not matter to it) or 2 with exactly one error line naming the file, and never
crash, hang, or print anything but its own lines.

usage: results_mutations.py BUILD_DIR SOURCE_DIR WORK_DIR
       AECNN_MUTATIONS=REGEX results_mutations.py ...   only the mutations whose names match
"""
import os
import re
import shutil
import subprocess
import sys
import time

import h5py
import numpy as np

build, src, work = (os.path.abspath(p) for p in sys.argv[1:4])
SWEEP = os.path.join(build, "aecnn-sweep")
ANALYZE = os.path.join(build, "aecnn-analyze")
HUGE = 2**40
failures = []
runs = 0
spent = {}


def run(command, name, cwd=None):
    """Runs one reader on a mutated file; records a failure unless it ends as promised."""
    global runs
    runs += 1
    started = time.monotonic()
    tool = os.path.basename(command[0])
    mutated = next(os.path.basename(c) for c in command if c.endswith(".h5"))
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=cwd,
                              env=dict(os.environ, OMP_NUM_THREADS="1"))
    except subprocess.TimeoutExpired:
        report(f"{name}: {tool} {' '.join(os.path.basename(c) for c in command[1:4])}: no end within 60 s")
        return
    what = tool if command[1].endswith(".h5") else f"{tool} {os.path.basename(command[1])}"  # per reader
    spent[what] = spent.get(what, 0) + time.monotonic() - started
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(f"{tool}: error: ")]
    foreign = [line for line in lines if not line.startswith(f"{tool}: ")]
    problem = None
    if done.returncode not in (0, 1, 2):
        problem = f"exit code {done.returncode}"
    elif foreign:
        problem = f"printed lines not its own: {foreign[:3]}"
    elif done.returncode == 2 and len(errors) != 1:
        problem = f"exit code 2 with {len(errors)} error lines: {lines[:4]}"
    elif done.returncode == 2 and (mutated not in errors[0] or "(unexpected: " in errors[0]):
        # Said by a check that knows the damage: it names the file, and no catch-all said it.
        problem = f"an error that does not name the damage: {errors[0]}"
    elif done.returncode == 1 and not command[1].endswith(".toml"):  # 1 is only a sweep's failed trials
        problem = "exit code 1"
    if problem:
        report(f"{name}: {tool} {' '.join(os.path.basename(c) for c in command[1:4])}: {problem}")


def report(failure):
    failures.append(failure)
    print(f"FAIL {failure}", flush=True)


def walk(f):
    """Every dataset and every (object, attribute) of the file, checkpoints trimmed to one slot's few."""
    datasets, attributes = [], [("/", a) for a in f.attrs]

    def visit(name, obj):
        if name.startswith("checkpoints/"):
            parts = name.split("/")
            # One trial's checkpoint: its attributes, its history, optimizer and one weight array.
            if parts[1] != first_checkpoint or (len(parts) > 3 and parts[3] == "best_model") or (
                    len(parts) > 4 and not parts[4].startswith("conv1.weight")):
                return
        if isinstance(obj, h5py.Dataset):
            datasets.append(name)
        for a in obj.attrs:
            attributes.append((name, a))

    first_checkpoint = next(iter(f["checkpoints"]), "") if "checkpoints" in f else ""
    f.visititems(visit)
    return datasets, attributes


def replace(f, name, data=None, **kwargs):
    del f[name]
    if data is None:
        f.create_dataset(name, **kwargs)
    else:
        f.create_dataset(name, data=data, **kwargs)


def dataset_mutations(f, name):
    """(label, function) for each way `name` can be damaged."""
    d = f[name]
    is_string = h5py.check_string_dtype(d.dtype) is not None or d.dtype.kind in "SO"
    values = d[()]
    rows = d.shape[0] if d.shape else 0
    mutations = [("deleted", lambda g: g.__delitem__(name))]
    if d.shape:
        mutations.append(("emptied", lambda g: replace(g, name, shape=(0,) + d.shape[1:], maxshape=(None,) + d.shape[1:],
                                                        dtype=d.dtype, chunks=True)))
        if rows > 1:
            mutations.append(("cut to half its rows", lambda g: replace(g, name, data=values[: rows // 2])))
        mutations.append(("claims 2^40 rows", lambda g: replace(g, name, shape=(HUGE,) + d.shape[1:],
                                                                  maxshape=(None,) + d.shape[1:], dtype=d.dtype,
                                                                  chunks=(64,) + d.shape[1:])))
        if len(d.shape) == 1:
            mutations.append(("made 2-D", lambda g: replace(g, name, data=np.stack([values, values], axis=1))))
        else:
            mutations.append(("made 1-D", lambda g: replace(g, name, data=values.reshape(-1))))
    if is_string:
        mutations.append(("retyped to numbers", lambda g: replace(g, name, data=np.full(d.shape, 7.5))))
    else:
        mutations.append(("retyped to strings",
                          lambda g: replace(g, name, data=np.full(d.shape or (1,), "x", dtype=object),
                                            dtype=h5py.string_dtype())))
    return mutations


def attribute_mutations(f, path, attribute):
    value = f[path].attrs[attribute]
    is_string = isinstance(value, (str, bytes)) or (hasattr(value, "dtype") and value.dtype.kind in "SOU")
    mutations = [("deleted", lambda g: g[path].attrs.__delitem__(attribute))]
    if is_string:
        mutations.append(("retyped to a number", lambda g: g[path].attrs.__setitem__(attribute, 3)))
        mutations.append(("emptied", lambda g: g[path].attrs.__setitem__(attribute, "")))
    else:
        mutations.append(("retyped to a string", lambda g: g[path].attrs.__setitem__(attribute, "many")))
        mutations.append(("made huge", lambda g: g[path].attrs.__setitem__(attribute, np.int64(2**62))))
    return mutations


def check_base(label, base, readers, wanted=lambda name, target: True):
    """Applies every mutation of `base` that `wanted` takes in turn and runs `readers` on it."""
    with h5py.File(base, "r") as f:
        datasets, attributes = walk(f)
        plans = [(f"{label}:/{n} {what}", fn, n) for n in datasets for what, fn in dataset_mutations(f, n)]
        plans += [(f"{label}:{p} attribute '{a}' {what}", fn, p) for p, a in attributes
                  for what, fn in attribute_mutations(f, p, a)]
    only = re.compile(os.environ.get("AECNN_MUTATIONS", ""))  # a regex of mutation names, to rerun a few
    for number, (name, mutate, target) in enumerate(plans):
        if not only.search(name) or not wanted(name, target):
            continue
        copy = os.path.join(work, f"m{number}.h5")
        shutil.copy(base, copy)
        with h5py.File(copy, "r+") as g:
            mutate(g)
        readers(copy, name, target, number)
        os.remove(copy)
    return sum(1 for name, _, target in plans if only.search(name) and wanted(name, target))


def make(command, what):
    done = subprocess.run(command, capture_output=True, text=True, cwd=work)
    if done.returncode != 0:
        sys.exit(f"results_mutations: {what} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def main():
    os.makedirs(work, exist_ok=True)
    data = f"{src}/data/fashion-mnist-subset"
    # Two real trials of a few images, the best one's weights kept: per-class metrics and a
    # checkpoint, in a file small enough to copy a thousand times.
    trained_toml = os.path.join(work, "trained.toml")
    with open(trained_toml, "w") as out:
        out.write(f'name = "trained"\ndata_dir = "{data}"\nkeep_weights = "best:1"\n[base]\nepochs = 2\n'
                  'train_images = 96\neval_images = 64\n[grid]\nseed = [0, 1]\n')
    tpe = os.path.join(src, "tests/data/sweeps/tpe.toml")
    branin = os.path.join(work, "branin.toml")  # a test function: no training, so resuming costs nothing
    with open(branin, "w") as out:
        out.write(f'name = "branin"\ndata_dir = "{data}"\n[base]\nepochs = 1\n'
                  '[search]\nsampler = "tpe"\nn_trials = 12\nseed = 3\nstartup_trials = 4\nmetric = "val_loss"\n'
                  'mode = "min"\nconv_dropout = { uniform = [0.0, 0.9] }\nfc_dropout = { uniform = [0.1, 0.6] }\n')
    trained = os.path.join(work, "trained.h5")   # real trials with checkpoints and per-class metrics
    searched = os.path.join(work, "searched.h5")  # real trials, TPE under ASHA: /pruning and /search
    benchmark = os.path.join(work, "benchmark.h5")  # Branin under TPE
    make([SWEEP, trained_toml, "-o", trained, "--threads", "1", "--progress", "plain"], "the trained sweep")
    make([SWEEP, tpe, "-o", searched, "--threads", "1", "--progress", "plain"], "the TPE sweep")
    make([SWEEP, branin, "-o", benchmark, "--benchmark-trials", "branin", "--progress", "plain"], "the Branin sweep")
    with h5py.File(trained, "r") as f:
        kept = next(iter(f["checkpoints"]))  # the trial whose weights were kept

    # aecnn-analyze (0.05 s a run) reads every mutated file. aecnn-sweep loads LibTorch (1 s a
    # run), so each of its readers takes every mutation of what it alone reads: --status the
    # root attributes and a trial's id, status and failures; export the checkpoint; a resumed
    # sweep the root attributes, the rows it continues and the search's tables, and of every
    # other /trials column the way that once hung it (2^40 rows claimed). The tables all pass one check
    # (store/layout) first, which analyze tests on every column. AECNN_MUTATIONS_ALL=1: every
    # reader on every mutation (about 40 minutes).
    every = os.environ.get("AECNN_MUTATIONS_ALL") == "1"
    status_reads = ("/", "trials/id", "trials/status", "trials/failures")
    resume_reads = status_reads + ("trials/index", "trials/attempts", "trials/hash", "search", "history/trial")

    def trained_readers(path, name, target, number):
        run([ANALYZE, path], name)
        if every or number % 25 == 0:  # the report with every figure, for a sample: each draws with gnuplot
            run([ANALYZE, path, "-o", os.path.join(work, f"report{number}")], name)
            shutil.rmtree(os.path.join(work, f"report{number}"), ignore_errors=True)
        if every or target == "/" or target.startswith("checkpoints"):
            run([SWEEP, "export", path, kept, "-o", os.path.join(work, "m.pt")], name)
        if every or target in status_reads:
            run([SWEEP, "--status", trained_toml, "-o", path], name)

    def searched_readers(path, name, target, number):
        run([ANALYZE, path], name)
        run([ANALYZE, path, "--format", "csv", "--table", "pruning"], name)

    def benchmark_readers(path, name, target, number):
        # Resuming writes: a damaged file must be refused, never crash or hang the sweep.
        run([SWEEP, branin, "-o", path, "--benchmark-trials", "branin", "--progress", "plain"], name)

    # The other two files have the tables of the first: each adds what it alone has.
    count = check_base("trained.h5", trained, trained_readers)
    count += check_base("searched.h5", searched, searched_readers,
                        lambda name, target: every or target.startswith(("pruning", "search")))
    count += check_base("benchmark.h5", benchmark, benchmark_readers,
                        lambda name, target: every or target.startswith(resume_reads) or
                        (target.startswith("trials/") and name.endswith(" claims 2^40 rows")))
    print(f"results_mutations: {count} mutated files, {runs} reader runs, {len(failures)} failures")
    print("seconds spent: " + ", ".join(f"{what}: {seconds:.0f}" for what, seconds in spent.items()))
    sys.exit(1 if failures else 0)

main()
