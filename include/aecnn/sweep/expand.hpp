#pragma once
// Turns a SweepSpec into the list of trials to run, each with a stable id and content hash.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aecnn/sweep/sweep_spec.hpp"
#include "aecnn/sweep/value.hpp"

namespace aecnn::sweep {

/// One trial: what it is (config) and what it is called.
struct TrialSpec {
  std::string id;          ///< "<experiment>-<index in the experiment, 4 digits>"; stable for one file
  std::string experiment;  ///< the experiment it belongs to
  int index = 0;           ///< position in the whole sweep's expansion, 0-based
  std::string hash;        ///< 16 hex digits of the content hash of `config`
  LayeredConfig config;    ///< fully resolved: every schema key present (the experiment's base shared)
  std::vector<std::string> varying;  ///< keys the experiment's axes set: what tells siblings apart
  /// Model-based search: the keys rank 0 fills in when it starts the trial (until then `config`
  /// holds the base's values for them), and the trial's number among its experiment's searched
  /// trials (the sampler's suggestion number). Empty and -1 for every other trial.
  std::vector<std::string> suggested;
  int search_number = -1;
  /// Set when the keys are filled: how many finished trials the suggestion learnt from.
  int suggested_after = -1;
};

/// The most trials one sweep may expand to; more is surely a mistake in the file (and would
/// take gigabytes to hold).
inline constexpr std::size_t kMaxTrials = 100000;

/// Expands every experiment, built whole (TrialList builds each trial only when asked), in file order: the Cartesian product of its axes (trials, grid
/// axes, zip, random samples, seeds; the first varies slowest) over its base.
/// Throws SpecError when two trials of one experiment resolve to the same configuration, or when
/// the sweep would have more than kMaxTrials trials.
std::vector<TrialSpec> expand(const SweepSpec& spec);

/// Canonical text of a resolved config: sorted `key = value` lines in TOML spelling.
std::string canonical_text(const ConfigMap& config);

/// FNV-1a 64-bit hash of `text`, as 16 lowercase hex digits. Stable across runs and machines.
std::string content_hash(const std::string& text);

/// content_hash of a text given piece by piece, without holding it whole (a sweep's hash covers
/// a line per trial).
class ContentHasher {
 public:
  void add(std::string_view text);
  std::string hex() const;

 private:
  std::uint64_t hash_ = 14695981039346656037ull;  // FNV-1a 64 offset basis
};

/// The hash of a whole sweep: its name and every trial's hash, in order.
/// Two files that expand to the same trials have the same sweep hash.
std::string sweep_hash(const SweepSpec& spec, const std::vector<TrialSpec>& trials);

/// A pruner's settings as one line (`type=asha metric=val_accuracy mode=max grace_epochs=1 ...`,
/// only the keys of its type): part of the sweep hash when a pruner is on, and what --dry-run shows.
std::string pruner_text(const PrunerSpec& pruner);

/// A search's settings and priors as one line (`sampler=tpe n_trials=20 seed=7 ... lr=loguniform[0.0001,0.01]`):
/// part of the sweep hash, and what --dry-run shows.
std::string search_text(const SearchSpec& search);

}  // namespace aecnn::sweep
