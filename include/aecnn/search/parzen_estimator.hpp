#pragma once
// One parameter's Parzen estimator, as Optuna's univariate TPE builds it (Optuna 3.x defaults:
// prior considered with weight 1, "magic clip" of the bandwidths, endpoints not considered):
// a mixture of truncated normals (numbers) or of smoothed one-hot rows (choices), one component
// per observation plus one for the prior, observations weighted by Optuna's default_weights
// (older ones ramp down once there are more than 25).
//
// Numbers live in a transformed space while estimated: log(x) for loguniform, x for uniform, x
// widened to [low - 0.5, high + 0.5] for int (whose density is the mass of [x - 0.5, x + 0.5]).
#include <random>
#include <utility>
#include <vector>

#include "aecnn/search/space.hpp"

namespace aecnn::search {

/// Optuna's default_weights(n): n ones, or for n > 25 a ramp from 1/n up to 1 for the oldest
/// n - 25 observations, then 25 ones for the newest.
std::vector<double> default_observation_weights(std::size_t n);

class ParzenEstimator {
 public:
  /// `observations`: internal values (see space.hpp), oldest first. `ascending`, if given, lists
  /// the observations' indices by increasing value (ties by index): the bandwidths need that
  /// order, and a caller that keeps its values sorted saves the sort (TpeSampler does).
  ParzenEstimator(const ParamSpace& space, const std::vector<double>& observations, double prior_weight = 1.0,
                  const std::vector<std::size_t>* ascending = nullptr);
  ParzenEstimator() = default;
  /// Fits anew, as the constructor does, reusing this estimator's arrays: with thousands of
  /// observations, fresh arrays per suggestion cost page faults that take longer than the fit.
  void fit(const ParamSpace& space, const std::vector<double>& observations, double prior_weight = 1.0,
           const std::vector<std::size_t>* ascending = nullptr);

  /// One draw, in internal form: a value in [low, high] (an integer for int), or a choice index.
  double sample(std::mt19937_64& engine) const;
  /// Log density at an internal value (log probability for int and choice).
  double log_pdf(double value) const;

  // What the estimator is made of, for tests: component weights (normalised, prior last), and
  // for numbers each component's centre and bandwidth in the transformed space.
  const std::vector<double>& weights() const { return weights_; }
  const std::vector<double>& mus() const { return mus_; }
  const std::vector<double>& sigmas() const { return sigmas_; }
  /// For choices: row k is component k's probability of each choice.
  const std::vector<std::vector<double>>& choice_probabilities() const { return choice_probabilities_; }

 private:
  double transform(double value) const;
  double truncated_normal(double mu, double sigma, std::mt19937_64& engine) const;
  double component_log_pdf(std::size_t k, double transformed) const;

  ParamSpace space_;
  double low_ = 0, high_ = 0;  ///< the transformed bounds
  std::vector<double> weights_, mus_, sigmas_;
  std::vector<double> log_mass_;  ///< each component's log mass inside [low_, high_]
  /// log(weight) - log(sigma) - log(sqrt(2 pi)) - log(mass) and 1/sigma, per component: the
  /// density's constant parts, computed once, so log_pdf's loop is a multiply-add per component.
  std::vector<double> log_scale_, inv_sigma_;
  std::vector<std::pair<double, std::size_t>> sorted_;  ///< fit()'s scratch: (centre, component) ascending
  // The observations' components (the prior's aside) by increasing centre, with the largest
  // log_scale_ and bandwidth among them: log_pdf walks out from a point only as far as a
  // component could still matter (see log_pdf), instead of visiting all of them.
  std::vector<double> by_centre_mu_, by_centre_inv_sigma_, by_centre_log_scale_;
  double max_log_scale_ = 0, max_sigma_ = 0;
  mutable std::vector<double> window_;  ///< log_pdf's scratch (so one estimator serves one thread)
  std::vector<std::vector<double>> choice_probabilities_;
};

}  // namespace aecnn::search
