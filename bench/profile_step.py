#!/usr/bin/python3
"""Where a training step's time goes: torch.profiler over 20 steps of the `both` AE-CNN
(bench/pytorch_aecnn.py; the same LibTorch 1.13 and the same ATen ops as aecnn-sweep's trainer),
batch 64, in NCHW and in channels-last, at the given thread count. Prints the ops that take the
most self CPU time, per layout. A benchmark aid; the trainer itself is timed by train_speed.sh.

  OPENBLAS_NUM_THREADS=1 profile_step.py DATA_DIR [--threads 1] [--top 8]
"""
import argparse
import importlib.util
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    spec = importlib.util.spec_from_file_location("pytorch_aecnn", os.path.join(os.path.dirname(__file__), "pytorch_aecnn.py"))
    aecnn = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(aecnn)
    images = aecnn.read_idx(os.path.join(args.data_dir, "train-images-idx3-ubyte.gz"))[:64 * 25]
    labels = aecnn.read_idx(os.path.join(args.data_dir, "train-labels-idx1-ubyte.gz"))[:64 * 25]
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    for layout in ("NCHW", "channels-last"):
        torch.manual_seed(0)
        model = aecnn.Aecnn()
        xs = x
        if layout == "channels-last":
            model = model.to(memory_format=torch.channels_last)
            xs = x.contiguous(memory_format=torch.channels_last)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)

        def step(i):
            optimizer.zero_grad()
            F.cross_entropy(model(xs[i * 64:(i + 1) * 64]), y[i * 64:(i + 1) * 64]).backward()
            optimizer.step()

        for i in range(5):
            step(i)  # warm-up
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for i in range(5, 25):
                step(i)
        events = [e for e in prof.key_averages() if e.self_cpu_time_total > 0]
        total = sum(e.self_cpu_time_total for e in events)
        print(f"\n{layout}, {args.threads} thread(s): {total / 20 / 1000:.1f} ms per step of 64 images\n")
        print("| op | self CPU per step (ms) | share |")
        print("|---|---|---|")
        for e in sorted(events, key=lambda e: -e.self_cpu_time_total)[:args.top]:
            print(f"| {e.key} | {e.self_cpu_time_total / 20 / 1000:.2f} | {100 * e.self_cpu_time_total / total:.0f}% |")


if __name__ == "__main__":
    main()
