#pragma once
// Command-line changes to every trial of a sweep, for a quick look at a long study:
//   aecnn-sweep sweeps/all.toml --epochs-scale 0.5 --set train_images=2000
// They are applied after expansion and change the trials' hashes, so a scaled run is its own
// sweep: it never resumes into, or mixes with, the results of the full one.
#include <string>
#include <utility>
#include <vector>

#include "aecnn/sweep/expand.hpp"

namespace aecnn::sweep {

struct Overrides {
  std::vector<std::string> set;  ///< "key=value", value in TOML spelling (bare words are strings)
  double epochs_scale = 1.0;     ///< epochs (and a nonzero lr_horizon) times this, rounded, at least 1

  bool empty() const { return set.empty() && epochs_scale == 1.0; }
  /// As the user would type them, for the record in results.h5.
  std::string to_string() const;
};

/// Applies `overrides` to every trial, checking each value like a sweep file's and re-hashing.
/// Throws SpecError naming the option (`--set lr=-1: 'lr' must be > 0, not -1`), or when the
/// change makes two trials of an experiment identical.
void apply_overrides(std::vector<TrialSpec>& trials, const Overrides& overrides);

}  // namespace aecnn::sweep
