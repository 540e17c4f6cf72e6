// What committing a trial's results to results.h5 costs rank 0: the time of each writer call
// (flushes included) and the file space a trial keeps, with a real AE-CNN checkpoint (trained
// for two short epochs on the shipped subset, so its arrays have the real sizes).
//   aecnn_bench_commit_cost DATA_DIR [TRIALS=40] [EPOCHS=5]
// Prints a markdown table. A benchmark aid, not a test: it asserts nothing about time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "aecnn/store/writer.hpp"
#include "aecnn/sweep/expand.hpp"
#include "aecnn/train/trainer.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Timings {
  std::vector<double> ms;
  double median() { std::sort(ms.begin(), ms.end()); return ms[ms.size() / 2]; }
  double p95() { std::sort(ms.begin(), ms.end()); return ms[ms.size() * 95 / 100]; }
};

template <class F>
void time(Timings& into, F&& f) {
  const auto start = Clock::now();
  f();
  into.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DATA_DIR [TRIALS] [EPOCHS]\n", argv[0]);
    return 2;
  }
  const int trials = argc > 2 ? std::atoi(argv[2]) : 40;
  const int epochs = argc > 3 ? std::atoi(argv[3]) : 5;
  aecnn::train::set_compute_threads(1);

  // One real checkpoint of the `both` variant (the largest).
  aecnn::sweep::TrialConfig config;
  config.epochs = 2;
  config.train_images = 128;
  config.eval_images = 128;
  aecnn::train::Checkpoint checkpoint;
  aecnn::train::TrialResult result;
  {
    aecnn::train::Trainer trainer(aecnn::data::load_fashion_mnist(argv[1]));
    aecnn::train::TrialHooks hooks;
    hooks.on_epoch = [&](const aecnn::train::EpochRecord&, const aecnn::train::Checkpoint& c) { checkpoint = c; };
    result = trainer.run(config, hooks);
  }
  std::size_t floats = 0;
  for (const auto& a : checkpoint.model) floats += a.values.size();
  for (const auto& a : checkpoint.best_model) floats += a.values.size();

  const std::string text = "name = 'commit'\ndata_dir = '.'\n[grid]\nseed = [" + [&] {
    std::string seeds;
    for (int i = 0; i < trials; ++i) seeds += (i ? "," : "") + std::to_string(i);
    return seeds;
  }() + "]\n";
  const auto spec = aecnn::sweep::parse_sweep(text, "commit.toml");
  const auto specs = aecnn::sweep::expand(spec);
  const std::string path = std::filesystem::temp_directory_path() / "aecnn_bench_commit_cost.h5";
  std::filesystem::remove(path);

  std::map<std::string, Timings> t;
  {
    aecnn::store::ResultsWriter writer(path, {spec.name, aecnn::sweep::sweep_hash(spec, specs), "commit.toml", text,
                                              ".", ""});
    for (const auto& trial : specs) {
      time(t["begin_trial"], [&] { writer.begin_trial(trial, {1}); });
      for (int e = 1; e <= epochs; ++e) {
        aecnn::train::EpochRecord row = result.history.back();
        row.epoch = e;
        checkpoint.epochs_done = e;
        checkpoint.history.resize(static_cast<std::size_t>(e), row);
        time(t["append_epoch + checkpoint"], [&] { writer.append_epoch(trial.id, row, &checkpoint); });
      }
      time(t["finish_trial"], [&] { writer.finish_trial(trial.id, result); });
    }
    // A history row alone (what a trial without checkpoints would cost), on a fresh trial.
    for (int i = 0; i < 200; ++i) {
      if (i == 0) writer.begin_trial(specs[0], {1});
      aecnn::train::EpochRecord row = result.history.back();
      time(t["append_epoch, row only"], [&] { writer.append_epoch(specs[0].id, row); });
    }
  }
  const double mib = static_cast<double>(std::filesystem::file_size(path)) / (1024.0 * 1024.0);
  std::filesystem::remove(path);

  std::printf("%d trials x %d epochs; checkpoint: %zu weight floats (model + best) and %zu bytes of Adam state\n\n",
              trials, epochs, floats, checkpoint.optimizer.size());
  std::printf("| writer call | median (ms) | p95 (ms) | calls |\n|---|---|---|---|\n");
  for (auto& [name, timings] : t)
    std::printf("| %s | %.2f | %.2f | %zu |\n", name.c_str(), timings.median(), timings.p95(), timings.ms.size());
  std::printf("\nfile: %.1f MiB, %.2f MiB per done trial (its weights and best weights kept for export)\n", mib,
              mib / trials);
  return 0;
}
