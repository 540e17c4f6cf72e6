#pragma once
// A sweep's trials as rank 0 holds them: each built when asked for from its experiment's axes
// (the mixed-radix digits of its index pick one point of each), so that 100,000 trials cost
// rank 0 no more memory than 100. The only trials held whole are those a search filled in.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aecnn/sweep/expand.hpp"
#include "aecnn/sweep/overrides.hpp"

namespace aecnn::sweep {

class TrialList {
 public:
  TrialList() = default;
  /// Checks the whole expansion now, in one pass that keeps 16 bytes a trial while it runs:
  /// the trial count (kMaxTrials), and that no two trials of an experiment resolve alike, as the
  /// file says and again with `overrides` applied. Throws SpecError as expand() describes.
  explicit TrialList(std::shared_ptr<const SweepSpec> spec, const Overrides& overrides = {});
  /// The same over a copy of `spec`.
  explicit TrialList(const SweepSpec& spec, const Overrides& overrides = {})
      : TrialList(std::make_shared<const SweepSpec>(spec), overrides) {}
  /// A list given trial by trial (an upgraded file, tests), held as given; trial i has index i.
  explicit TrialList(std::vector<TrialSpec> trials);

  std::size_t size() const;
  bool empty() const { return size() == 0; }
  /// Trial `index`, built: configuration, id, hash; a searched trial with the values filled in.
  TrialSpec operator[](std::size_t index) const { return build(index, /*with_hash=*/true); }
  /// As operator[], or std::out_of_range past the end.
  TrialSpec at(std::size_t index) const;
  TrialSpec front() const { return at(0); }
  TrialSpec back() const { return at(size() - 1); }
  /// Parts of trial `index` without building the rest of it.
  std::string id(std::size_t index) const;
  const std::string& experiment(std::size_t index) const;
  Value value(std::size_t index, const std::string& key) const;
  /// Replaces trial `trial.index`: a searched trial whose keys were filled in when it started.
  void replace(TrialSpec trial);

  /// The sweep hash (sweep_hash()) of a list made from a SweepSpec, found by the checking pass.
  const std::string& sweep_hash() const { return sweep_hash_; }

  /// Every trial, built: for a sweep known to be small.
  std::vector<TrialSpec> materialize() const;

  class const_iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = TrialSpec;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = TrialSpec;
    const_iterator(const TrialList* list, std::size_t index) : list_(list), index_(index) {}
    TrialSpec operator*() const { return (*list_)[index_]; }
    const_iterator& operator++() { ++index_; return *this; }
    bool operator==(const const_iterator& other) const { return index_ == other.index_; }
    bool operator!=(const const_iterator& other) const { return index_ != other.index_; }

   private:
    const TrialList* list_;
    std::size_t index_;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size()}; }

 private:
  struct Axis;
  struct Experiment;
  TrialSpec build(std::size_t index, bool with_hash) const;
  std::size_t experiment_at(std::size_t index) const;
  /// Every trial's hash, with the overrides set so far; SpecError on two alike in an experiment.
  void check_distinct(std::string* sweep_text_hash);

  /// The axes' values stay in the spec; the list only points at them.
  std::shared_ptr<const SweepSpec> spec_;
  std::vector<std::shared_ptr<const Experiment>> experiments_;
  CheckedOverrides overrides_;  ///< empty while the sweep is checked as the file says
  std::map<std::size_t, TrialSpec> replaced_;
  std::vector<TrialSpec> given_;  ///< a list given trial by trial
  bool given_list_ = false;
  std::string sweep_hash_;
};

}  // namespace aecnn::sweep
