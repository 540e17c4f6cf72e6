#pragma once
// A sweep file as written: a name, the data, a base configuration, and one or more experiments,
// each with its own overrides and axes. docs/sweep-format.md is the user's manual; in short:
//
//   name = "study"
//   data_dir = "../data/fashion-mnist-subset"   # relative to this file
//   seeds = [0, 1, 2]                            # default seeds axis of every experiment
//   [base]                                       # overrides the schema's defaults
//   epochs = 5
//
//   [[experiment]]
//   name = "lr"
//   grid.schedule = ["constant", "cosine"]       # Cartesian product, first axis slowest
//
//   [[experiment]]
//   name = "batch"
//   epochs = 3                                   # overrides [base] for this experiment
//   zip.batch_size = [32, 64]                    # zipped keys advance together
//   zip.lr = [0.0005, 0.001]
//
// Without [[experiment]] the top level is the one experiment (grid, zip, trials, random, seeds).
// parse_sweep() validates everything before any trial runs and reports every problem at once,
// in file order, each as `file:line:column: message`.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "aecnn/error.hpp"
#include "aecnn/search/space.hpp"
#include "aecnn/sweep/value.hpp"

namespace aecnn::sweep {

/// One axis of a grid or zip: a key and the values it takes, in file order.
struct GridAxis {
  std::string key;
  std::vector<Value> values;
};

/// Early stopping of unpromising trials, decided on rank 0 at each epoch (`[pruner]`, top level
/// for every experiment, or an experiment's own `pruner = { ... }`). docs/sweep-format.md.
struct PrunerSpec {
  std::string type = "none";            ///< "asha", "median" or "none"
  std::string metric = "val_accuracy";  ///< a history column: val_accuracy, val_loss, accuracy, loss
  bool maximize = true;                 ///< mode = "max"; default: max for accuracies, min for losses
  int grace_epochs = 1;                 ///< ASHA: the first rung
  int reduction_factor = 3;             ///< ASHA: rungs grace * rf^k; the best 1/rf continue
  int max_epochs = 0;                   ///< ASHA: rungs stay below this; 0: the trial's epochs
  int startup_trials = 5;               ///< median: completed trials before anything is pruned
  int warmup_epochs = 0;                ///< median: epochs of every trial never pruned
  bool enabled() const { return type != "none"; }
};

/// A key that model-based search suggests: its prior and, for a choice, the values the sampler's
/// indices stand for (each already valid for the key).
struct SearchedKey {
  std::string key;
  search::ParamSpace space;
  std::vector<Value> choices;
};

/// Model-based search (`[search]`, or an experiment's own `[experiment.search]`): `n_trials`
/// trials whose searched keys rank 0 fills in as it starts each one, from the trials finished so
/// far (Optuna's univariate TPE with its defaults). docs/sweep-format.md.
struct SearchSpec {
  std::string sampler = "tpe";
  int n_trials = 0;                     ///< 0: no search
  std::uint64_t seed = 0;
  std::string metric = "val_accuracy";  ///< what TPE optimises: a history column of the final model
  bool maximize = true;
  int startup_trials = 10;              ///< suggestions drawn from the priors until this many trials finished
  std::vector<SearchedKey> keys;        ///< in file order
  bool enabled() const { return n_trials > 0; }
};

/// One experiment: its resolved base and the axes whose Cartesian product gives its trials,
/// in this order (the first varies slowest): trials, grid axes, zip, random, seeds.
struct ExperimentSpec {
  std::string name;
  std::string where;                   ///< "file:line:column" of its first axis (or table), for messages
  ConfigMap base;                      ///< defaults <- [base] <- the experiment's own keys
  std::vector<ConfigMap> trials;       ///< explicit trials: each a set of overrides
  std::vector<GridAxis> grid;
  std::vector<GridAxis> zip;           ///< all of the same length
  /// Random search, drawn while parsing (so every drawn value is checked with its line): each
  /// sample a set of overrides. The sampler is our own arithmetic on std::mt19937_64 seeded with
  /// `random.seed`, so the same file gives the same trials on every machine and compiler.
  std::vector<ConfigMap> random_samples;
  std::vector<SearchedKey> random_space;  ///< the keys random search draws, with their distributions, in file order
  std::vector<std::int64_t> seeds;     ///< empty: no seeds axis (base's seed)
  PrunerSpec pruner;                   ///< type "none" unless the file asks for one
  SearchSpec search;                   ///< n_trials 0 unless the file asks for model-based search
};

/// Which trials keep their weights once they end (`keep_weights`): the best `best` of each
/// experiment by its metric (the default), every trial's, or none. A trial's resume state goes
/// once it ends whatever this says; the rest of what it recorded always stays.
struct KeepWeights {
  enum class Mode { kBest, kAll, kNone };
  Mode mode = Mode::kBest;
  int best = 3;  ///< kBest: how many per experiment
  /// As written in a sweep file: "best:3", "all", "none".
  std::string text() const;
};

struct SweepSpec {
  std::string name;      ///< the sweep's name (and the only experiment's, without [[experiment]])
  std::string file;      ///< path the spec was read from
  std::string data_dir_where;  ///< "file:line:column" of data_dir, for messages about it
  std::string text;      ///< the file's text, stored in results.h5 for provenance
  std::string data_dir;  ///< folder with the four Fashion-MNIST IDX files
  std::vector<ExperimentSpec> experiments;
  int max_attempts = 3;  ///< a trial that failed this often (over all runs) is not tried again
  /// Seconds a running trial may go without a word from its ranks (they report every training
  /// step and evaluation batch) before it counts as lost: a hung, stopped or cut-off rank.
  double worker_timeout_seconds = 300;
  /// Not part of any trial's identity: a resumed sweep may change it, and it applies from then.
  KeepWeights keep_weights;
};

/// Invalid sweep: one or more `file:line:column: message` lines.
class SpecError : public Error {
 public:
  explicit SpecError(const std::vector<std::string>& problems);
  const std::vector<std::string>& problems() const noexcept { return problems_; }

 private:
  std::vector<std::string> problems_;
};

/// Parses and validates a sweep from TOML text. `file` names it in messages. Throws SpecError.
SweepSpec parse_sweep(const std::string& text, const std::string& file);

/// Reads and parses a sweep file; a relative data_dir is taken relative to the file's folder.
/// Throws SpecError (invalid content) or aecnn::Error (unreadable file).
SweepSpec parse_sweep_file(const std::string& path);

}  // namespace aecnn::sweep
