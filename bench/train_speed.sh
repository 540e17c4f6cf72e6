#!/usr/bin/env bash
# Training and evaluation throughput, aecnn-sweep's trainer against a plain PyTorch-Python script
# (bench/pytorch_aecnn.py, Debian's python3-torch: the same LibTorch 1.13), side by side in one
# run: the `both` AE-CNN, batch 64, 2,048 images of the shipped subset, 3 epochs (the first warms
# up), the same number of threads. PyTorch twice: as installed (default settings, no environment)
# and at its best (channels-last, index_select batches, inference_mode, OpenBLAS at one thread, and
# glibc's allocator kept from returning freed memory through MALLOC_ environment variables, as
# our trainer does in-process). Each configuration runs REPS times, interleaved; the table holds
# medians. Also the machine's fp32 peak per core, measured with a kernel that can reach it:
# OpenBLAS sgemm with its AVX2 kernels (what OPENBLAS_CORETYPE=Haswell on these machines selects)
# and with its AVX-512 kernels (the instruction set oneDNN's convolutions use); the step's GFLOP/s
# are given against the faster.
#   bench/train_speed.sh [BUILD_DIR] [REPS=2]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
reps=${2:-2}
data=$src/data/fashion-mnist-subset
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Forward FLOPs of one image, counted layer by layer (2 per multiply-add): conv1 0.45M, conv2
# 14.45M, conv3 7.23M, conv4 14.45M, conv5 7.23M, attention and dense 0.1M: 43.9 MFLOP. A training
# step costs about three forward passes (forward, and backward for inputs and for weights).
forward_mflop=43.9
train_mflop=$(echo "3 * $forward_mflop" | bc)

sgemm() {  # OPENBLAS_CORETYPE: GFLOP/s of a 1024 x 1024 fp32 matmul on one thread
  OPENBLAS_CORETYPE=$1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -c "
import time, torch
torch.set_num_threads(1)
a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
for _ in range(3): a @ b
t = time.perf_counter(); n = 40
for _ in range(n): a @ b
print(round(2 * 1024**3 * n / (time.perf_counter() - t) / 1e9, 1))"
}
avx2=$(sgemm Haswell)
avx512=$(sgemm SkylakeX)
matmul=$(echo "if ($avx512 > $avx2) $avx512 else $avx2" | bc)
echo "fp32 matmul (1024 x 1024, one thread): $avx2 GFLOP/s per core with AVX2 kernels, $avx512 with AVX-512 kernels; peak taken as $matmul"
echo

run() {  # label threads command...
  local label=$1 threads=$2
  shift 2
  "$@" | sed "s/^/$label $threads /" >> "$work/results"
}
for rep in $(seq "$reps"); do
  for threads in 1 2; do
    run ours-nchw "$threads" "$build/aecnn_bench_train_speed" "$data" "$threads" 2048 3 nchw
    run ours-cl "$threads" "$build/aecnn_bench_train_speed" "$data" "$threads" 2048 3 cl
    # PyTorch as a user runs it: OpenBLAS left to start its own threads.
    run py-default "$threads" /usr/bin/python3 "$src/bench/pytorch_aecnn.py" "$data" --threads "$threads" --images 2048 --json
    run py-best "$threads" env OPENBLAS_NUM_THREADS=1 MALLOC_MMAP_THRESHOLD_=1073741824 \
      MALLOC_TRIM_THRESHOLD_=1073741824 /usr/bin/python3 "$src/bench/pytorch_aecnn.py" "$data" \
      --threads "$threads" --images 2048 --best --json
  done
done

/usr/bin/python3 - "$work/results" "$matmul" "$train_mflop" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, threads, payload = line.split(" ", 2)
    r = json.loads(payload)
    rows.setdefault((label, int(threads)), []).append((r["train_images_per_s"], r["eval_images_per_s"]))
matmul, train_mflop = float(sys.argv[2]), float(sys.argv[3])
names = {"ours-nchw": "aecnn-sweep trainer, NCHW",
         "ours-cl": "aecnn-sweep trainer, channels-last (its default)",
         "py-default": "PyTorch-Python as installed (default settings)",
         "py-best": "PyTorch-Python at its best (best settings, allocator kept)"}
print("| threads | trainer | train images/s | eval images/s | train vs PyTorch as installed | train vs PyTorch best | step GFLOP/s | of fp32 peak |")
print("|---|---|---|---|---|---|---|---|")
for threads in (1, 2):
    med = {label: (statistics.median(t for t, _ in v), statistics.median(e for _, e in v))
           for (label, th), v in rows.items() if th == threads}
    for label in ("ours-nchw", "ours-cl", "py-default", "py-best"):
        train, evaluation = med[label]
        gflops = train * train_mflop / 1000
        print(f"| {threads} | {names[label]} | {train:.0f} | {evaluation:.0f} | {train / med['py-default'][0]:.2f}x "
              f"| {train / med['py-best'][0]:.2f}x | {gflops:.1f} | {100 * gflops / (matmul * threads):.0f}% |")
print(f"\n({len(next(iter(rows.values())))} runs each, medians; eval: 1,371 validation images in batches of 64, "
      "as Keras validates; PyTorch best under inference_mode)")
ratios = {threads: statistics.median(t for t, _ in rows[("ours-cl", threads)]) /
                   statistics.median(t for t, _ in rows[("py-best", threads)]) for threads in (1, 2)}
print("\n- Goal: our trainer (its default, channels-last) >= 1.1x PyTorch's best: " + "; ".join(
    f"{threads} thread(s) {ratio:.2f}x, **{'met' if ratio >= 1.1 else 'missed'}**" for threads, ratio in ratios.items()))
PY
