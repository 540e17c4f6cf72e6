#!/usr/bin/python3
"""The seed study's final phase written again in plain PyTorch-Python, independently of aecnn-sweep,
as faithful to the Keras notebook as PyTorch allows: the reference aecnn-sweep's accuracy is
compared with (docs/study.md, "Accuracy parity").

What it reproduces of the notebook: the AE-CNN with both attention blocks; Keras initialisers
(glorot_uniform kernels, zero biases, truncated he_normal for the spatial 7x7 conv); Keras
BatchNormalization (momentum 0.99, epsilon 1e-3, the running variance of the biased batch
variance); dropout 0.25/0.5; Adam with Keras' update (epsilon 1e-7 added to sqrt(v) before the
bias correction); batch 64, reshuffled every epoch, the partial last batch kept; cosine schedule
0.001 * 0.5 * (1 + cos(pi * epoch / horizon)); EarlyStopping(val_loss, patience 5) restoring the
best weights at the end (Keras 3: even without an early stop); the validation split of
train_test_split(random_state=42), one sixth of the training images; the test split for the
final accuracy. Its random streams are PyTorch's, seeded with the seed: compare over seeds.

  pytorch_final.py DATA_DIR --seed S [--horizon 50] [--epochs 30] [--patience 5] [--threads 1]

Prints one JSON line: seed, epochs run, best epoch, test accuracy, val accuracy of the restored model.
"""
import argparse
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from pytorch_aecnn import read_idx  # the IDX reader of the speed peer beside this file


def glorot(layer):
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


class KerasBatchNorm(nn.Module):
    """Keras BatchNormalization: normalises with the batch's biased variance and keeps it, biased,
    in the moving variance (PyTorch's own layer keeps the unbiased one)."""

    def __init__(self, features, dims):
        super().__init__()
        self.dims = dims
        self.weight = nn.Parameter(torch.ones(features))
        self.bias = nn.Parameter(torch.zeros(features))
        self.register_buffer("running_mean", torch.zeros(features))
        self.register_buffer("running_var", torch.ones(features))

    def forward(self, x):
        shape = [1, -1] + [1] * (x.dim() - 2)
        if self.training:
            var, mean = torch.var_mean(x, dim=self.dims, unbiased=False)
            with torch.no_grad():
                self.running_mean.mul_(0.99).add_(0.01 * mean)
                self.running_var.mul_(0.99).add_(0.01 * var)
        else:
            mean, var = self.running_mean, self.running_var
        return (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + 1e-3) * self.weight.view(shape) + \
            self.bias.view(shape)


class Aecnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = glorot(nn.Conv2d(1, 32, 3, padding=1)), KerasBatchNorm(32, (0, 2, 3))
        self.conv2 = glorot(nn.Conv2d(32, 32, 3, padding=1))
        self.conv3, self.bn2 = glorot(nn.Conv2d(32, 64, 3, padding=1)), KerasBatchNorm(64, (0, 2, 3))
        self.conv4 = glorot(nn.Conv2d(64, 64, 3, padding=1))
        self.squeeze, self.excite = glorot(nn.Linear(64, 4)), glorot(nn.Linear(4, 64))
        self.spatial = nn.Conv2d(2, 1, 7, padding=3)
        stddev = math.sqrt(2.0 / 98) / 0.87962566103423978  # Keras' truncated he_normal, fan_in 7*7*2
        nn.init.trunc_normal_(self.spatial.weight, std=stddev, a=-2 * stddev, b=2 * stddev)
        nn.init.zeros_(self.spatial.bias)
        self.conv5, self.bn3 = glorot(nn.Conv2d(64, 128, 3, padding=1)), KerasBatchNorm(128, (0, 2, 3))
        self.fc1, self.bn4 = glorot(nn.Linear(128, 256)), KerasBatchNorm(256, (0,))
        self.fc2 = glorot(nn.Linear(256, 10))

    def forward(self, x):
        x = self.bn1(F.relu(self.conv1(x)))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.bn2(F.relu(self.conv3(x)))
        x = F.max_pool2d(F.relu(self.conv4(x)), 2)
        x = x * torch.sigmoid(self.excite(F.relu(self.squeeze(x.mean((2, 3))))))[:, :, None, None]
        pooled = torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1)
        x = x * torch.sigmoid(self.spatial(pooled))
        x = F.dropout(self.bn3(F.relu(self.conv5(x))), 0.25, self.training)
        x = x.mean((2, 3))
        x = F.dropout(self.bn4(F.relu(self.fc1(x))), 0.5, self.training)
        return self.fc2(x)


class KerasAdam:
    """Keras 3's Adam: w -= lr*sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + 1e-7)."""

    def __init__(self, params):
        self.params = list(params)
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.t = 0

    @torch.no_grad()
    def step(self, lr):
        self.t += 1
        alpha = lr * math.sqrt(1 - 0.999 ** self.t) / (1 - 0.9 ** self.t)
        for p, m, v in zip(self.params, self.m, self.v):
            m.add_((p.grad - m) * 0.1)
            v.add_((p.grad * p.grad - v) * 0.001)
            p.addcdiv_(m, v.sqrt().add_(1e-7), value=-alpha)


def evaluate(model, x, y):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), 64):
            logits = model(x[i:i + 64])
            loss += float(F.cross_entropy(logits, y[i:i + 64], reduction="sum"))
            correct += int((logits.argmax(1) == y[i:i + 64]).sum())
    return loss / len(x), correct / len(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--horizon", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    def load(kind):
        images = read_idx(os.path.join(args.data_dir, f"{kind}-images-idx3-ubyte.gz"))
        labels = read_idx(os.path.join(args.data_dir, f"{kind}-labels-idx1-ubyte.gz"))
        return torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))

    x_all, y_all = load("train")
    x_test, y_test = load("t10k")
    n_val = (len(x_all) + 5) // 6  # 10,000 of 60,000, as the notebook holds out
    order = torch.from_numpy(np.random.RandomState(42).permutation(len(x_all)))  # sklearn's train_test_split
    x_val, y_val = x_all[order[:n_val]], y_all[order[:n_val]]
    x, y = x_all[order[n_val:]], y_all[order[n_val:]]

    model = Aecnn()
    adam = KerasAdam(model.parameters())
    best_loss, best_epoch, best_state, wait, epochs_run = math.inf, -1, None, 0, 0
    shuffle = torch.Generator().manual_seed(args.seed)
    for epoch in range(args.epochs):
        lr = 0.001 * 0.5 * (1 + math.cos(math.pi * epoch / args.horizon))
        model.train()
        perm = torch.randperm(len(x), generator=shuffle)
        for start in range(0, len(x), 64):
            index = perm[start:start + 64]
            for p in model.parameters():
                p.grad = None
            F.cross_entropy(model(x[index]), y[index]).backward()
            adam.step(lr)
        epochs_run = epoch + 1
        val_loss, _ = evaluate(model, x_val, y_val)
        if best_state is None or val_loss < best_loss:
            if val_loss < best_loss:
                best_loss, wait = val_loss, 0
            best_epoch = epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            wait += 1
            if wait >= args.patience:
                break
    model.load_state_dict(best_state)
    _, val_accuracy = evaluate(model, x_val, y_val)
    _, test_accuracy = evaluate(model, x_test, y_test)
    print(json.dumps({"seed": args.seed, "horizon": args.horizon, "epochs_run": epochs_run, "best_epoch": best_epoch + 1,
                      "val_accuracy": val_accuracy, "test_accuracy": test_accuracy}))


if __name__ == "__main__":
    main()
