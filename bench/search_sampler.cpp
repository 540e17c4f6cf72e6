// How well and how fast the adaptive-search library decides, without training anything:
//  1. TPE against random search (both ours) on Branin and Hartmann-6, known optima 0.397887 and
//     -3.32237: SEEDS seeds x EVALS sequential evaluations each; prints each run's final best
//     value as CSV (for bench/search.sh, which adds Optuna's TPE and Welch's tests).
//  2. Time per TPE suggestion with 1,000 and 10,000 finished trials (6 parameters), and per
//     pruning decision (ASHA, median) with 10,000 trials recorded.
//   aecnn_bench_search_sampler quality [SEEDS] [EVALS]   -> function,method,seed,best
//   aecnn_bench_search_sampler timing                    -> a Markdown table
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "aecnn/search/pruner.hpp"
#include "aecnn/search/test_functions.hpp"
#include "aecnn/search/tpe.hpp"

namespace {

using namespace aecnn::search;

struct Problem {
  std::string name;
  std::vector<ParamSpace> space;
  std::function<double(const std::vector<double>&)> f;
};

// Each test function searched over its own domain.
std::vector<Problem> problems() {
  std::vector<Problem> list;
  for (const auto& function : test_functions()) {
    std::vector<ParamSpace> space;
    for (std::size_t k = 0; k < function.dimensions(); ++k) space.push_back(ParamSpace::uniform(function.low[k], function.high[k]));
    list.push_back({function.name, space, function.value});
  }
  return list;
}

double run(const Problem& problem, int startup, std::uint64_t seed, int evals) {
  TpeSampler sampler(problem.space, {startup, 24, 1.0}, seed);
  double best = INFINITY;
  for (int n = 0; n < evals; ++n) {
    const auto x = sampler.suggest(static_cast<std::uint64_t>(n));
    const double y = problem.f(x);
    best = std::min(best, y);
    sampler.observe({x, y, true, 0});
  }
  return best;
}

int quality(int seeds, int evals) {
  // The functions' known optima, evaluated here: a check of the constants above.
  std::fprintf(stderr, "branin(pi, 2.275) = %.6f, hartmann6(x*) = %.5f\n", branin({3.14159265358979323846, 2.275}),
               hartmann6({0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573}));
  std::printf("function,method,seed,best\n");
  for (const auto& problem : problems())
    for (int seed = 0; seed < seeds; ++seed) {
      std::printf("%s,aecnn-tpe,%d,%.9g\n", problem.name.c_str(), seed, run(problem, 10, static_cast<std::uint64_t>(seed), evals));
      // Random search: every suggestion from the priors (startup never ends).
      std::printf("%s,aecnn-random,%d,%.9g\n", problem.name.c_str(), seed,
                  run(problem, evals + 1, static_cast<std::uint64_t>(seed), evals));
    }
  return 0;
}

template <typename F>
double mean_ms(int repeats, F&& call) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < repeats; ++i) call(i);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / repeats;
}

int timing() {
  const Problem h6 = problems()[1];
  std::printf("| decision | finished trials | ms per decision |\n|---|---:|---:|\n");
  for (const int n : {1000, 10000}) {
    std::mt19937_64 engine(1);
    TpeSampler sampler(h6.space, {}, 7);
    for (int i = 0; i < n; ++i) {
      std::vector<double> x(6);
      for (auto& v : x) v = unit_uniform(engine);
      sampler.observe({x, hartmann6(x), true, 0});
    }
    double sink = 0;
    const double ms = mean_ms(n >= 10000 ? 20 : 100, [&](int i) { sink += sampler.suggest(static_cast<std::uint64_t>(i))[0]; });
    std::printf("| TPE suggestion, 6 parameters | %d | %.3f |\n", n, ms);
    if (sink == 12345) std::printf(" ");
  }
  for (const int n : {1000, 10000}) {
    // ASHA: n trials each report at the first rung (epoch 1), a new one decided on top.
    AshaPruner asha(1, 3, 15, Direction::kMaximize);
    std::mt19937_64 engine(2);
    for (int i = 0; i < n; ++i) asha.report(i, 1, unit_uniform(engine));
    int trial = n;
    const double ms = mean_ms(1000, [&](int) { asha.report(trial++, 1, unit_uniform(engine)); });
    std::printf("| ASHA verdict at a rung | %d | %.4f |\n", n, ms);
    // Median: n completed trials of 15 epochs, a running trial reports epoch 8.
    MedianPruner median(5, 0, Direction::kMaximize);
    for (int i = 0; i < n; ++i) {
      for (int e = 1; e <= 15; ++e) median.report(i, e, unit_uniform(engine));
      median.completed(i);
    }
    trial = n;
    const double mms = mean_ms(1000, [&](int) { median.report(trial++, 8, unit_uniform(engine)); });
    std::printf("| median verdict | %d | %.4f |\n", n, mms);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "quality") return quality(argc > 2 ? std::atoi(argv[2]) : 30, argc > 3 ? std::atoi(argv[3]) : 100);
  if (mode == "timing") return timing();
  std::fprintf(stderr, "usage: aecnn_bench_search_sampler quality [SEEDS] [EVALS] | timing\n");
  return 2;
}
