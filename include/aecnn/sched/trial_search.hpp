#pragma once
// Rank 0's model-based search: one TPE sampler per experiment with a `[search]`, which fills in
// a searched trial's keys when the trial starts (suggestion number = its place in the search)
// and learns from every searched trial that ends, done or pruned, in the order they end. Pure
// logic: the scheduler commits each suggestion with the trial's start (its config and
// `suggested_after`) and each observation with the trial's end; a resumed sweep replays the
// committed observations in order, so its samplers make the suggestions the killed run would
// have made next (search/tpe.hpp: a suggestion is a function of the seed, its number and the
// observations before it).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aecnn/search/tpe.hpp"
#include "aecnn/store/results_file.hpp"
#include "aecnn/sweep/trial_list.hpp"
#include "aecnn/train/records.hpp"

namespace aecnn::sched {

class TrialSearch {
 public:
  /// `searches`: by experiment name, the enabled ones.
  TrialSearch(const sweep::TrialList& trials, const std::map<std::string, sweep::SearchSpec>& searches);

  /// Whether the trial is one of a search's (its keys are suggested).
  bool searches(int trial) const;
  /// Feeds the observations a results file holds to the samplers, in their order. `trials` holds
  /// the configs those trials ran with (recorded at their start). A row naming a trial that is
  /// not searched, or whose values lie outside its search's priors, is refused with an Error
  /// naming `file`.
  void replay(const std::vector<store::ObservationRecord>& rows, const sweep::TrialList& trials,
              const std::string& file);
  /// Fills `trial`'s suggested keys in its config from what its sampler has observed, and sets
  /// its `suggested_after`. Nothing changes for a trial that is not searched.
  void suggest(sweep::TrialSpec& trial) const;
  /// The observation of a searched trial that ended with `history`: all its epochs (`complete`;
  /// the final model's value: the restored best epoch `restored_epoch` (1-based) if not 0, else
  /// the last), or pruned (the value at its last epoch). Its sampler learns it now; commit it with
  /// the trial's end. Nothing for a trial that is not searched.
  std::optional<store::ObservationRecord> observe(const sweep::TrialSpec& trial,
                                                  const std::vector<train::EpochRecord>& history, bool complete,
                                                  int restored_epoch = 0);

 private:
  struct Search {
    sweep::SearchSpec spec;
    std::unique_ptr<search::TpeSampler> sampler;
  };
  Search* search_of(int trial) const;
  /// The trial's searched values in the sampler's internal form; nothing if one lies outside its prior.
  static std::optional<std::vector<double>> internal_values(const Search& search, const sweep::TrialSpec& trial);

  std::map<std::string, std::unique_ptr<Search>> by_experiment_;
  std::vector<Search*> of_trial_;  ///< by trial index; null: not searched (empty: no search at all)
};

}  // namespace aecnn::sched
