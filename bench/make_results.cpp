// A benchmark aid, never a result: writes a results file of N synthetic trials through the real
// ResultsWriter (the sweep name says "synthetic"; every number is made up from a fixed formula),
// so aecnn-analyze's speed can be measured on a 10,000-trial file without training 10,000 trials.
//   aecnn_bench_make_results OUT.h5 TRIALS EPOCHS
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "aecnn/store/writer.hpp"
#include "aecnn/sweep/expand.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s OUT.h5 TRIALS EPOCHS\n", argv[0]);
    return 2;
  }
  const int trials = std::atoi(argv[2]), epochs = std::atoi(argv[3]);
  const int seeds = 10, settings = (trials + seeds - 1) / seeds;
  std::string lr_values;
  for (int i = 0; i < settings; ++i) lr_values += (i ? ", " : "") + std::to_string(1e-4 * (i + 1));
  std::string seed_values;
  for (int s = 0; s < seeds; ++s) seed_values += (s ? ", " : "") + std::to_string(s);
  const std::string text = "name = 'synthetic_benchmark_data'\ndata_dir = 'none'\nseeds = [" + seed_values +
                           "]\n[base]\nepochs = " + std::to_string(epochs) + "\n[grid]\nlr = [" + lr_values + "]\n";
  try {
    const auto spec = aecnn::sweep::parse_sweep(text, "synthetic.toml");
    auto specs = aecnn::sweep::expand(spec);
    specs.resize(static_cast<std::size_t>(trials));
    aecnn::store::ResultsWriter writer(argv[1], {spec.name, aecnn::sweep::sweep_hash(spec, specs), "synthetic.toml",
                                                 text, "none", "synthetic benchmark data", "", specs.size()});
    writer.add_trials(specs);
    // Committed 64 trials at a time, as a busy sweep's group commits would (it is data, not a run).
    writer.begin_batch();
    for (const auto& trial : specs) {
      if (trial.index % 64 == 63) {
        writer.end_batch();
        writer.begin_batch();
      }
      writer.begin_trial(trial, {1});
      aecnn::train::TrialResult r;
      for (int e = 1; e <= epochs; ++e) {
        const double x = 0.5 + 0.4 * (1 - std::exp(-e / 3.0)) + 0.001 * (trial.index % 17);
        aecnn::train::EpochRecord row{e, 1e-3, 1 - x / 2, x, 1.1 - x, x - 0.02, 10.0, 9.0};
        writer.append_epoch(trial.id, row);
        r.history.push_back(row);
      }
      r.epochs_run = epochs;
      r.test_accuracy = r.history.back().val_accuracy - 0.01;
      r.class_precision = r.class_recall = r.class_f1 = std::vector<double>(10, r.test_accuracy);
      r.class_support = std::vector<std::int64_t>(10, 100);
      r.confusion = std::vector<std::int64_t>(100, 1);
      r.params_total = 177041;
      writer.finish_trial(trial.id, r);
    }
    writer.end_batch();
  } catch (const aecnn::Error& error) {
    std::fprintf(stderr, "%s\n", error.what());
    return 1;
  }
  return 0;
}
