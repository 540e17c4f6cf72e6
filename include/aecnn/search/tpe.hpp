#pragma once
// Optuna's univariate TPE (Tree-structured Parzen Estimator), with its defaults: the first
// `startup_trials` suggestions are drawn from the priors; after that, for each parameter on its
// own, the finished trials are split into the best gamma(n) = min(ceil(0.1 n), 25) ("below") and
// the rest ("above"), a Parzen estimator is fitted to each, `ei_candidates` values are drawn from
// the "below" one, and the candidate with the largest log l(x) - log g(x) is suggested.
//
// Pruned trials count, ranked as Optuna ranks them: every completed trial before every pruned
// one, pruned trials by the deepest epoch they reached (deeper first), then by the value there.
//
// A suggestion is a function of the seed, its own number and the finished trials observed so far
// (in the order they were observed): its random stream is seeded with (seed, number) through std::seed_seq, whose
// algorithm the standard fixes. So a sweep resumed after a kill makes the same suggestions as
// the run it continues, given the same results in the same order, on every machine.
#include <cstdint>
#include <vector>

#include "aecnn/search/parzen_estimator.hpp"
#include "aecnn/search/space.hpp"

namespace aecnn::search {

struct TpeOptions {
  int startup_trials = 10;
  int ei_candidates = 24;
  double prior_weight = 1.0;
};

/// A finished trial as TPE learns from it.
struct Observation {
  std::vector<double> params;  ///< internal values, in the order of the search space
  double loss = 0;             ///< the metric, signed so that lower is better (NaN: the worst)
  bool complete = true;        ///< false: pruned
  int epochs = 0;              ///< pruned: the deepest epoch it reported, where `loss` was taken
};

/// gamma(n) = min(ceil(0.1 n), 25): how many of n finished trials count as "below" (good).
int tpe_gamma(int n);

/// Indices of the `n_below` best observations and of the rest, each in trial order.
void split_observations(const std::vector<Observation>& history, int n_below, std::vector<std::size_t>& below,
                        std::vector<std::size_t>& above);

class TpeSampler {
 public:
  TpeSampler(std::vector<ParamSpace> space, TpeOptions options, std::uint64_t seed);

  /// A trial finished (completed or pruned): it joins the history, after the ones before it.
  void observe(const Observation& observation);
  /// Suggestion number `number` (0, 1, ...) from the history observed so far.
  std::vector<double> suggest(std::uint64_t number) const;

  const std::vector<ParamSpace>& space() const { return space_; }
  const std::vector<Observation>& history() const { return history_; }

 private:
  std::vector<ParamSpace> space_;
  TpeOptions options_;
  std::uint64_t seed_;
  std::vector<Observation> history_;
  /// Per numeric parameter: (value, history index) in increasing order, kept as trials arrive,
  /// so that no suggestion sorts the history again (the bandwidths need the order).
  std::vector<std::vector<std::pair<double, std::size_t>>> ascending_;
  /// suggest()'s working arrays, refilled each time, kept for their capacity: fresh ones of
  /// 10,000 entries per suggestion cost more in page faults than the arithmetic (so one sampler
  /// serves one thread; rank 0 has one).
  struct Scratch {
    ParzenEstimator below, above;
    std::vector<std::size_t> below_index, above_index, above_ascending;
    std::vector<std::ptrdiff_t> position_in_above;
    std::vector<double> good, bad;
  };
  mutable Scratch scratch_;
};

}  // namespace aecnn::search
