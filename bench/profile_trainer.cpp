// Where aecnn-sweep's own training time goes: the trainer (the `both` AE-CNN, batch 64, on the
// shipped subset) run under LibTorch's profiler, every ATen op's self time (its time less the ops
// it called) summed by name, in either memory layout: bench/run prints NCHW and channels-last.
//   aecnn_bench_profile_trainer DATA_DIR THREADS nchw|cl [IMAGES=2048] [EPOCHS=2]
// Prints a markdown table: the ops with the most self time in one trial (its epochs with their
// validation passes, and the final evaluations), and their share of all op time. A benchmark
// aid: it asserts nothing.
#include <torch/csrc/autograd/profiler_kineto.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "aecnn/train/trainer.hpp"

namespace {

namespace profiler = torch::autograd::profiler;

// Self time per op name, from the flat event list: on each thread an op that starts inside
// another's interval is its child, and its time is taken out of the parent's.
std::map<std::string, double> self_microseconds(const std::vector<profiler::KinetoEvent>& events) {
  struct Open {
    std::uint64_t end;
    std::string name;
  };
  // LibTorch 1.13 records the autograd engine's per-node wrapper events without an end here
  // (durations near 2^64 us); their own time is bookkeeping, so they are left out and the
  // backward ops they wrap count on their own.
  std::uint64_t first = ~0ull, last = 0;
  for (const auto& event : events) {
    first = std::min(first, event.startUs());
    last = std::max(last, event.startUs());
  }
  std::vector<const profiler::KinetoEvent*> ordered;
  for (const auto& event : events)
    if (event.deviceType() == c10::DeviceType::CPU && event.durationUs() <= last - first) ordered.push_back(&event);
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto* a, const auto* b) {
    if (a->startThreadId() != b->startThreadId()) return a->startThreadId() < b->startThreadId();
    if (a->startUs() != b->startUs()) return a->startUs() < b->startUs();
    return a->durationUs() > b->durationUs();  // a parent before a child that starts with it
  });
  std::map<std::string, double> self;
  std::vector<Open> stack;
  std::uint64_t thread = ~0ull;
  for (const auto* event : ordered) {
    if (event->startThreadId() != thread) {
      stack.clear();
      thread = event->startThreadId();
    }
    while (!stack.empty() && stack.back().end <= event->startUs()) stack.pop_back();
    const double duration = static_cast<double>(event->durationUs());
    if (!stack.empty()) self[stack.back().name] -= duration;
    self[event->name()] += duration;
    stack.push_back({event->startUs() + event->durationUs(), event->name()});
  }
  return self;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s DATA_DIR THREADS nchw|cl [IMAGES] [EPOCHS]\n", argv[0]);
    return 2;
  }
  const int threads = std::atoi(argv[2]);
  const std::string layout = argv[3];
  aecnn::sweep::TrialConfig config;
  config.train_images = argc > 4 ? std::atoi(argv[4]) : 2048;
  config.epochs = argc > 5 ? std::atoi(argv[5]) : 2;
  config.eval_images = 1371;
  aecnn::train::set_cpu_layout(layout == "cl" ? aecnn::train::CpuLayout::kChannelsLast
                                              : aecnn::train::CpuLayout::kNchw);
  aecnn::train::set_compute_threads(threads);
  aecnn::train::Trainer trainer(aecnn::data::load_fashion_mnist(argv[1]));
  // A first run without the profiler: warms up (oneDNN compiles its kernels on first use) and
  // gives the time the profiler's own cost is to be judged against.
  const auto plain = trainer.run(config);

  using torch::profiler::impl::ActivityType;
  using torch::profiler::impl::ProfilerConfig;
  using torch::profiler::impl::ProfilerState;
  profiler::prepareProfiler(ProfilerConfig(ProfilerState::KINETO), {ActivityType::CPU});
  profiler::enableProfiler(ProfilerConfig(ProfilerState::KINETO), {ActivityType::CPU});
  const auto result = trainer.run(config);
  const auto profile = profiler::disableProfiler();

  auto self = self_microseconds(profile->events());
  std::vector<std::pair<std::string, double>> ops(self.begin(), self.end());
  std::sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  double total = 0;
  for (const auto& [name, us] : ops) total += us;
  std::printf("%s, %d thread(s), one trial: %d epochs of %lld training images with a validation pass of "
              "%lld, then the final model on the training and the test split (%lld). %.2f s (%.2f s with the "
              "profiler on, %.0f%% of it inside ATen ops)\n\n",
              layout == "cl" ? "channels-last" : "NCHW", threads, result.epochs_run,
              static_cast<long long>(result.train_images), static_cast<long long>(result.validation_images),
              static_cast<long long>(result.test_images), plain.wall_seconds, result.wall_seconds,
              100.0 * total / 1e6 / result.wall_seconds);
  std::printf("| op | self time (s) | share of op time |\n|---|---|---|\n");
  double shown = 0;
  for (std::size_t i = 0; i < ops.size() && i < 14; ++i) {
    std::printf("| %s | %.2f | %.1f%% |\n", ops[i].first.c_str(), ops[i].second / 1e6, 100.0 * ops[i].second / total);
    shown += ops[i].second;
  }
  std::printf("| (%zu other ops) | %.2f | %.1f%% |\n", ops.size() > 14 ? ops.size() - 14 : 0, (total - shown) / 1e6,
              100.0 * (total - shown) / total);
  return 0;
}
