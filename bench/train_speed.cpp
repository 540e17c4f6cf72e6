// Training and evaluation throughput of aecnn-sweep's trainer on one rank: the `both` AE-CNN,
// batch 64, on the shipped subset, as bench/train_speed.sh compares it with PyTorch-Python.
//   aecnn_bench_train_speed DATA_DIR THREADS [IMAGES=4096] [EPOCHS=3] [cl|nchw]
// Prints one JSON line: images/s of the training steps (median over epochs after the first,
// which warms up) and of the validation pass (1,371 images, in batches of 64 as Keras
// validates). A benchmark aid: it asserts nothing.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "aecnn/train/trainer.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DATA_DIR THREADS [IMAGES] [EPOCHS]\n", argv[0]);
    return 2;
  }
  const int threads = std::atoi(argv[2]);
  aecnn::sweep::TrialConfig config;
  config.train_images = argc > 3 ? std::atoi(argv[3]) : 4096;
  config.epochs = argc > 4 ? std::atoi(argv[4]) : 3;
  config.eval_images = 1371;
  const std::string layout = argc > 5 ? argv[5] : "cl";
  aecnn::train::set_cpu_layout(layout == "nchw" ? aecnn::train::CpuLayout::kNchw : aecnn::train::CpuLayout::kChannelsLast);
  aecnn::train::set_compute_threads(threads);
  aecnn::train::Trainer trainer(aecnn::data::load_fashion_mnist(argv[1]));
  const auto result = trainer.run(config);
  std::vector<double> train_rates, eval_rates;
  for (std::size_t e = 1; e < result.history.size(); ++e) {
    const auto& row = result.history[e];
    train_rates.push_back(static_cast<double>(result.train_images) / row.train_seconds);
    eval_rates.push_back(static_cast<double>(result.validation_images) / (row.epoch_seconds - row.train_seconds));
  }
  std::sort(train_rates.begin(), train_rates.end());
  std::printf("{\"settings\": \"aecnn-sweep %s\", \"threads\": %d, \"train_images_per_s\": %.1f, "
              "\"eval_images_per_s\": %.1f}\n",
              layout.c_str(), threads, train_rates[train_rates.size() / 2], *std::max_element(eval_rates.begin(), eval_rates.end()));
  return 0;
}
