// A benchmark aid, never a result: writes a results file of N synthetic trials through the real
// ResultsWriter (the sweep name says "synthetic"; every number is made up from a fixed formula),
// so aecnn-analyze's speed can be measured on a 10,000-trial file without training 10,000 trials.
//   aecnn_bench_make_results OUT.h5 TRIALS EPOCHS [KEEP_WEIGHTS WEIGHTS_FROM.h5 TRIAL_ID]
// With the last three, every trial also checkpoints at its last epoch the real weights of
// TRIAL_ID in WEIGHTS_FROM.h5 (a file a real sweep wrote: real sizes), the sweep's keep_weights
// is KEEP_WEIGHTS ("best:5"), the keeper the scheduler uses decides whose weights go as each
// trial ends, and the file is closed as a finished run closes it (compacted where that pays):
// the size a study of that many trials and epochs ends at, written as one run would write it.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "aecnn/sched/weights_keeper.hpp"
#include "aecnn/store/reader.hpp"
#include "aecnn/store/writer.hpp"
#include "aecnn/sweep/expand.hpp"

int main(int argc, char** argv) {
  if (argc != 4 && argc != 7) {
    std::fprintf(stderr, "usage: %s OUT.h5 TRIALS EPOCHS [KEEP_WEIGHTS WEIGHTS_FROM.h5 TRIAL_ID]\n", argv[0]);
    return 2;
  }
  const bool with_weights = argc == 7;
  const int trials = std::atoi(argv[2]), epochs = std::atoi(argv[3]);
  const int seeds = 10, settings = (trials + seeds - 1) / seeds;
  std::string lr_values;
  for (int i = 0; i < settings; ++i) lr_values += (i ? ", " : "") + std::to_string(1e-4 * (i + 1));
  std::string seed_values;
  for (int s = 0; s < seeds; ++s) seed_values += (s ? ", " : "") + std::to_string(s);
  const std::string text = "name = 'synthetic_benchmark_data'\ndata_dir = 'none'\nseeds = [" + seed_values +
                           "]\n" + (with_weights ? "keep_weights = '" + std::string(argv[4]) + "'\n" : "") + "[base]\nepochs = " + std::to_string(epochs) + "\n[grid]\nlr = [" + lr_values + "]\n";
  try {
    const auto spec = aecnn::sweep::parse_sweep(text, "synthetic.toml");
    auto specs = aecnn::sweep::expand(spec);
    specs.resize(static_cast<std::size_t>(trials));
    aecnn::store::ResultsWriter writer(argv[1], {spec.name, aecnn::sweep::sweep_hash(spec, specs), "synthetic.toml",
                                                 text, "none", "synthetic benchmark data", "", specs.size()});
    writer.add_trials(specs);
    const aecnn::sweep::TrialList list(specs);  // what the keeper ranks: these trials, not the whole grid
    std::optional<aecnn::train::Checkpoint> weights;
    std::optional<aecnn::sched::WeightsKeeper> keeper;
    if (with_weights) {
      weights = aecnn::store::read_checkpoint(argv[5], argv[6]);
      if (!weights) throw aecnn::Error(std::string(argv[5]) + ": trial " + argv[6] + " has no weights");
      keeper.emplace(spec.keep_weights, list, std::map<std::string, aecnn::sched::RankBy>{});
    }
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
        r.history.push_back(row);
        if (weights && e == epochs) {
          weights->epochs_done = e;
          weights->history = r.history;
          writer.append_epoch(trial.id, row, &*weights);
        } else {
          writer.append_epoch(trial.id, row);
        }
      }
      r.epochs_run = epochs;
      r.test_accuracy = r.history.back().val_accuracy - 0.01;
      r.class_precision = r.class_recall = r.class_f1 = std::vector<double>(10, r.test_accuracy);
      r.class_support = std::vector<std::int64_t>(10, 100);
      r.confusion = std::vector<std::int64_t>(100, 1);
      r.params_total = 177041;
      std::vector<aecnn::store::DroppedWeights> drops;
      if (keeper)
        for (const auto& drop : keeper->done(trial.index, r.history, epochs))
          drops.push_back({specs[static_cast<std::size_t>(drop.trial)].id, drop.reason});
      writer.finish_trial(trial.id, r, {}, drops);
    }
    writer.end_batch();
    if (with_weights) {
      const std::string compacted = writer.close_and_compact();
      if (!compacted.empty()) std::printf("%s\n", compacted.c_str());
    }
  } catch (const aecnn::Error& error) {
    std::fprintf(stderr, "%s\n", error.what());
    return 1;
  }
  return 0;
}
