#!/usr/bin/python3
"""The peer sweep: the same grid as bench/sweep_grid.toml (4 attention variants x 2 seeds, 7
epochs on the shipped subset) run by Optuna 3.1 (Debian's python3-optuna) with its documented
multi-process setup: one study in a JournalFileStorage file, N processes each calling
study.optimize() with a GridSampler, every trial training the PyTorch-Python AE-CNN of
bench/pytorch_aecnn.py (channels-last with restrided batches, index_select batches: its best settings) on the same
train/validation split as aecnn-sweep (numpy RandomState(42).permutation, one sixth held out).
Each trial does what an aecnn-sweep trial does: the epochs with a validation pass after each,
then the final model evaluated on the training split and on the test split.

  optuna_sweep.py DATA_DIR --processes N --threads T --epochs E --train-images M --journal FILE

Prints one JSON line: wall seconds, trials completed, duplicates (grid points run twice), and each
grid point's final validation and test accuracy (its first completed run). The allocator setting
(MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_) is the caller's: the spawned processes inherit
the environment.
"""
import argparse
import json
import multiprocessing
import os
import time

import numpy as np


def objective_factory(args):
    import torch
    import torch.nn.functional as F
    import importlib.util

    spec = importlib.util.spec_from_file_location("pytorch_aecnn", os.path.join(os.path.dirname(__file__), "pytorch_aecnn.py"))
    aecnn = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(aecnn)
    torch.set_num_threads(args.threads)
    images = aecnn.read_idx(os.path.join(args.data_dir, "train-images-idx3-ubyte.gz"))
    labels = aecnn.read_idx(os.path.join(args.data_dir, "train-labels-idx1-ubyte.gz"))
    perm = np.random.RandomState(42).permutation(len(images))
    n_val = (len(images) + 5) // 6
    val, train = perm[:n_val], perm[n_val:][:args.train_images]
    to_x = lambda idx: torch.from_numpy(images[idx].astype(np.float32) / 255.0).unsqueeze(1)
    x, y = to_x(train), torch.from_numpy(labels[train].astype(np.int64))
    xv, yv = to_x(val), torch.from_numpy(labels[val].astype(np.int64))
    test_images = aecnn.read_idx(os.path.join(args.data_dir, "t10k-images-idx3-ubyte.gz"))
    xt = torch.from_numpy(test_images.astype(np.float32) / 255.0).unsqueeze(1)
    yt = torch.from_numpy(aecnn.read_idx(os.path.join(args.data_dir, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))

    def accuracy(model, xs, ys):
        with torch.inference_mode():
            return sum(int((model(aecnn.channels_last_batch(xs[i:i + 64])).argmax(1) == ys[i:i + 64]).sum())
                       for i in range(0, len(xs), 64)) / len(xs)

    def objective(trial):
        attention = trial.suggest_categorical("attention", ["none", "channel", "spatial", "both"])
        seed = trial.suggest_categorical("seed", [0, 1])
        torch.manual_seed(seed)
        model = aecnn.Aecnn()
        if attention in ("none", "spatial"):
            model.channel_attention = torch.nn.Identity()
        if attention in ("none", "channel"):
            model.spatial_attention = torch.nn.Identity()
        model = model.to(memory_format=torch.channels_last)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        for _ in range(args.epochs):
            model.train()
            order = torch.randperm(len(x))
            for start in range(0, len(x), 64):
                index = order[start:start + 64]
                optimizer.zero_grad()
                F.cross_entropy(model(aecnn.channels_last_batch(x.index_select(0, index))), y.index_select(0, index)).backward()
                optimizer.step()
            model.eval()
            val_accuracy = accuracy(model, xv, yv)
        # What an aecnn-sweep trial also records at its end (the study's train/val gap and test
        # metrics): the final model on the training split and on the test split.
        trial.set_user_attr("train_accuracy", accuracy(model, x, y))
        trial.set_user_attr("test_accuracy", accuracy(model, xt, yt))
        return val_accuracy

    return objective


def worker(args):
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # PyTorch's best: OpenBLAS's pool beside OpenMP's costs a third
    import warnings

    import optuna

    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(args.journal))
    study = optuna.load_study(study_name="aecnn", storage=storage,
                              sampler=optuna.samplers.GridSampler(SPACE))
    study.optimize(objective_factory(args), n_trials=8)


SPACE = {"attention": ["none", "channel", "spatial", "both"], "seed": [0, 1]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("--processes", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--epochs", type=int, default=7)
    parser.add_argument("--train-images", type=int, default=6855)
    parser.add_argument("--journal", required=True)
    args = parser.parse_args()
    import warnings

    import optuna

    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    start = time.perf_counter()
    storage = optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(args.journal))
    optuna.create_study(study_name="aecnn", storage=storage, direction="maximize",
                        sampler=optuna.samplers.GridSampler(SPACE))
    ctx = multiprocessing.get_context("spawn")
    processes = [ctx.Process(target=worker, args=(args,)) for _ in range(args.processes)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    wall = time.perf_counter() - start
    study = optuna.load_study(study_name="aecnn", storage=storage)
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    points = [(t.params["attention"], t.params["seed"]) for t in done]
    first = {}
    for t in sorted(done, key=lambda t: t.number):
        first.setdefault((t.params["attention"], t.params["seed"]), t)
    print(json.dumps({"tool": "optuna", "processes": args.processes, "threads": args.threads, "wall_seconds": wall,
                      "trials_completed": len(done), "duplicates": len(points) - len(set(points)),
                      "points": [{"attention": a, "seed": s, "val_accuracy": t.value,
                                  "test_accuracy": t.user_attrs["test_accuracy"]} for (a, s), t in first.items()]}))


if __name__ == "__main__":
    main()
