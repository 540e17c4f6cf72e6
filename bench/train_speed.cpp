// Training and evaluation throughput of aecnn-sweep's trainer on one rank: the `both` AE-CNN,
// on the shipped subset, as bench/train_speed.sh compares it with PyTorch-Python.
//   aecnn_bench_train_speed DATA_DIR THREADS [IMAGES=4096] [EPOCHS=3] [cl|nchw] [BATCHES=64] [kept|glibc]
// BATCHES: one batch size, or several (64,128,256) trained one after another in this process as a
// sweep's worker trains its trials. kept|glibc: freed memory kept for reuse (the trainer's
// default) or glibc's defaults (train/memory.hpp).
// Prints one JSON line per trial: images/s of the training steps and seconds per training epoch
// (medians over the epochs after the first, which warms up), images/s of the validation pass
// (1,371 images, in batches of 64 as Keras validates) and the last epoch's loss. A benchmark aid:
// it asserts nothing.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "aecnn/train/memory.hpp"
#include "aecnn/train/trainer.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DATA_DIR THREADS [IMAGES] [EPOCHS] [cl|nchw] [BATCHES, e.g. 64,128,256] [kept|glibc]\n", argv[0]);
    return 2;
  }
  const int threads = std::atoi(argv[2]);
  aecnn::sweep::TrialConfig config;
  config.train_images = argc > 3 ? std::atoi(argv[3]) : 4096;
  config.epochs = argc > 4 ? std::atoi(argv[4]) : 3;
  config.eval_images = 1371;
  const std::string layout = argc > 5 ? argv[5] : "cl";
  std::vector<int> batches;
  for (std::string list = argc > 6 ? argv[6] : "64"; !list.empty();) {
    const auto comma = list.find(',');
    batches.push_back(std::atoi(list.substr(0, comma).c_str()));
    list = comma == std::string::npos ? "" : list.substr(comma + 1);
  }
  const std::string memory = argc > 7 ? argv[7] : "kept";
  aecnn::train::set_freed_memory(memory == "glibc" ? aecnn::train::FreedMemory::kGlibcDefaults
                                                   : aecnn::train::FreedMemory::kKeepForReuse);
  aecnn::train::set_cpu_layout(layout == "nchw" ? aecnn::train::CpuLayout::kNchw : aecnn::train::CpuLayout::kChannelsLast);
  aecnn::train::set_compute_threads(threads);
  aecnn::train::Trainer trainer(aecnn::data::load_fashion_mnist(argv[1]));
  for (const int batch : batches) {
    config.batch_size = batch;
    const auto result = trainer.run(config);
    std::vector<double> train_rates, eval_rates, train_seconds;
    for (std::size_t e = 1; e < result.history.size(); ++e) {
      const auto& row = result.history[e];
      train_rates.push_back(static_cast<double>(result.train_images) / row.train_seconds);
      train_seconds.push_back(row.train_seconds);
      eval_rates.push_back(static_cast<double>(result.validation_images) / (row.epoch_seconds - row.train_seconds));
    }
    std::sort(train_rates.begin(), train_rates.end());
    std::sort(train_seconds.begin(), train_seconds.end());
    std::printf("{\"settings\": \"aecnn-sweep %s %s\", \"threads\": %d, \"batch\": %d, \"train_images_per_s\": %.1f, "
                "\"train_epoch_seconds\": %.3f, \"eval_images_per_s\": %.1f, \"last_loss\": %.9g}\n",
                layout.c_str(), memory.c_str(), threads, batch, train_rates[train_rates.size() / 2],
                train_seconds[train_seconds.size() / 2], *std::max_element(eval_rates.begin(), eval_rates.end()),
                result.history.back().loss);
    std::fflush(stdout);
  }
  return 0;
}
