#!/usr/bin/python3
"""The AE-CNN (`both` variant) in plain PyTorch-Python, as a user would write it: the peer that
aecnn-sweep's trainer is measured against (bench/train_speed.sh). Debian's python3-torch runs the
same LibTorch 1.13 as aecnn-sweep. Same layers, same data (the shipped subset), batch 64, Adam
(eps 1e-7), cross-entropy, dropout 0.25/0.5 (the sweep defaults).

  pytorch_aecnn.py DATA_DIR --threads N [--best] [--images 4096] [--epochs 3] [--json]

Default settings: NCHW tensors, a DataLoader over a TensorDataset (shuffle=True), evaluation under
torch.no_grad() in batches of 64. --best: channels-last memory format (batches restrided so that
PyTorch takes them as channels-last: channels_last_batch), batches gathered from one tensor with
index_select (no DataLoader), evaluation under torch.inference_mode(), OpenBLAS limited to one
thread (OPENBLAS_NUM_THREADS=1 before Python starts; bench/train_speed.sh does: its spinning
pool beside PyTorch's OpenMP threads slowed the 2-thread step by a third). Prints images/s of the training steps (epochs after the first, which
warms up) and of evaluation.
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def channels_last_batch(xb):
    """A one-channel NCHW batch restrided, without a copy, so that PyTorch reads it as channels-last.
    Its memory already is NHWC, but PyTorch takes such ambiguous strides for NCHW (and so does
    .contiguous(memory_format=torch.channels_last), which returns it unchanged): the first
    convolution then runs NCHW and every later one converts. The same lever aecnn-sweep's trainer
    uses (network_input in src/train/trainer.cpp); part of the peer's best settings here."""
    n, c, h, w = xb.shape
    return xb.as_strided((n, c, h, w), (c * h * w, 1, w * c, c)) if c == 1 and xb.is_contiguous() else \
        xb.contiguous(memory_format=torch.channels_last)


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class KerasBatchNorm(nn.BatchNorm2d):
    def __init__(self, features):
        super().__init__(features, eps=1e-3, momentum=0.01)


class ChannelAttention(nn.Module):
    def __init__(self, channels, ratio=16):
        super().__init__()
        self.squeeze = nn.Linear(channels, channels // ratio)
        self.excite = nn.Linear(channels // ratio, channels)

    def forward(self, x):
        scale = torch.sigmoid(self.excite(F.relu(self.squeeze(x.mean((2, 3))))))
        return x * scale[:, :, None, None]


class SpatialAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, 7, padding=3)

    def forward(self, x):
        pooled = torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1)
        return x * torch.sigmoid(self.conv(pooled))


class Aecnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(1, 32, 3, padding=1), KerasBatchNorm(32)
        self.conv2 = nn.Conv2d(32, 32, 3, padding=1)
        self.conv3, self.bn2 = nn.Conv2d(32, 64, 3, padding=1), KerasBatchNorm(64)
        self.conv4 = nn.Conv2d(64, 64, 3, padding=1)
        self.channel_attention, self.spatial_attention = ChannelAttention(64), SpatialAttention()
        self.conv5, self.bn3 = nn.Conv2d(64, 128, 3, padding=1), KerasBatchNorm(128)
        self.conv_dropout = nn.Dropout(0.25)
        self.fc1, self.bn4 = nn.Linear(128, 256), nn.BatchNorm1d(256, eps=1e-3, momentum=0.01)
        self.fc_dropout = nn.Dropout(0.5)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        x = self.bn1(F.relu(self.conv1(x)))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.bn2(F.relu(self.conv3(x)))
        x = F.max_pool2d(F.relu(self.conv4(x)), 2)
        x = self.spatial_attention(self.channel_attention(x))
        x = self.conv_dropout(self.bn3(F.relu(self.conv5(x))))
        x = x.mean((2, 3))
        x = self.fc_dropout(self.bn4(F.relu(self.fc1(x))))
        return self.fc2(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--best", action="store_true")
    parser.add_argument("--images", type=int, default=4096)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--eval-images", type=int, default=1371)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    images = read_idx(os.path.join(args.data_dir, "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(args.data_dir, "train-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images[:args.images].astype(np.float32) / 255.0).unsqueeze(1)
    y = torch.from_numpy(labels[:args.images].astype(np.int64))
    x_eval = torch.from_numpy(images[-args.eval_images:].astype(np.float32) / 255.0).unsqueeze(1)
    y_eval = torch.from_numpy(labels[-args.eval_images:].astype(np.int64))

    model = Aecnn()
    if args.best:
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)

    def batches():
        if args.best:
            order = torch.randperm(len(x))
            for start in range(0, len(x), 64):
                index = order[start:start + 64]
                yield channels_last_batch(x.index_select(0, index)), y.index_select(0, index)
        else:
            yield from torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=64, shuffle=True)

    train_rates = []
    for epoch in range(args.epochs):
        model.train()
        start = time.perf_counter()
        for xb, yb in batches():
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
        if epoch > 0:
            train_rates.append(len(x) / (time.perf_counter() - start))

    model.eval()
    # Batches of 64 in both: 1,024 measured slower on these machines (953 against 1,369 images/s).
    eval_batch = 64
    context = torch.inference_mode if args.best else torch.no_grad
    layout = channels_last_batch if args.best else (lambda xb: xb)
    eval_rates = []
    for _ in range(2):
        start = time.perf_counter()
        with context():
            correct = sum(int((model(layout(x_eval[i:i + eval_batch])).argmax(1) == y_eval[i:i + eval_batch]).sum())
                          for i in range(0, len(x_eval), eval_batch))
        eval_rates.append(len(x_eval) / (time.perf_counter() - start))

    result = {"settings": "best" if args.best else "default", "threads": args.threads,
              "train_images_per_s": float(np.median(train_rates)), "eval_images_per_s": max(eval_rates),
              "eval_accuracy": correct / len(x_eval)}
    print(json.dumps(result) if args.json else result)


if __name__ == "__main__":
    main()
