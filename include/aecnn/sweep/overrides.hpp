#pragma once
// Command-line changes to every trial of a sweep, for a quick look at a long study:
//   aecnn-sweep sweeps/all.toml --epochs-scale 0.5 --set train_images=2000
// TrialList applies them to each trial as it builds it; they change the trials' hashes, so a
// scaled run is its own sweep: it never resumes into, or mixes with, the results of the full one.
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

/// Overrides read and checked once (each value like a sweep file's), then applied to one
/// configuration at a time: a lazily expanded sweep applies them to each trial as it is built.
class CheckedOverrides {
 public:
  CheckedOverrides() = default;
  /// Throws SpecError naming the option (`--set lr=-1: 'lr' must be > 0, not -1`).
  explicit CheckedOverrides(Overrides overrides);
  bool empty() const { return overrides_.empty(); }
  const Overrides& overrides() const { return overrides_; }
  /// Changes `config` as the overrides say. Throws SpecError when a scaled value passes its key's
  /// limit. Only what changes is written: each own value costs memory.
  void apply(LayeredConfig& config) const;

 private:
  Overrides overrides_;
  std::vector<std::pair<std::string, Value>> assignments_;
};

}  // namespace aecnn::sweep
