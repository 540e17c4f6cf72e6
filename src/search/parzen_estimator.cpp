#include "aecnn/search/parzen_estimator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace aecnn::search {
namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))

// log(Phi(b) - Phi(a)) for a < b, from the side of zero where erfc keeps its digits.
double log_gauss_mass(double a, double b) {
  double mass;
  if (a >= 0) mass = 0.5 * (std::erfc(a * kInvSqrt2) - std::erfc(b * kInvSqrt2));
  else if (b <= 0) mass = 0.5 * (std::erfc(-b * kInvSqrt2) - std::erfc(-a * kInvSqrt2));
  else mass = 0.5 * (std::erf(b * kInvSqrt2) - std::erf(a * kInvSqrt2));
  return mass > 0 ? std::log(mass) : -std::numeric_limits<double>::infinity();
}

double log_sum_exp(const std::vector<double>& terms) {
  const double top = *std::max_element(terms.begin(), terms.end());
  if (!std::isfinite(top)) return top;
  double sum = 0;
  for (const double t : terms) sum += std::exp(t - top);
  return top + std::log(sum);
}

// Index drawn with probabilities `p` (summing to 1), Optuna's way: the number of cumulative
// sums below a uniform draw.
std::size_t draw_index(const std::vector<double>& p, std::mt19937_64& engine) {
  const double u = unit_uniform(engine);
  double cumulative = 0;
  std::size_t below = 0;
  for (const double pi : p) {
    cumulative += pi;
    if (cumulative < u) ++below;
  }
  return std::min(below, p.size() - 1);
}

// Optuna's default_weights(n) into `weights` (resized to n, its capacity kept).
void fill_observation_weights(std::vector<double>& weights, std::size_t n) {
  weights.assign(n, 1.0);
  if (n < 25) return;
  const std::size_t ramp = n - 25;
  const double first = 1.0 / static_cast<double>(n);
  for (std::size_t i = 0; i < ramp; ++i)
    weights[i] = ramp == 1 ? first : first + (1.0 - first) * static_cast<double>(i) / static_cast<double>(ramp - 1);
}

}  // namespace

std::vector<double> default_observation_weights(std::size_t n) {
  std::vector<double> weights;
  fill_observation_weights(weights, n);
  return weights;
}

ParzenEstimator::ParzenEstimator(const ParamSpace& space, const std::vector<double>& observations, double prior_weight,
                                 const std::vector<std::size_t>* ascending) {
  fit(space, observations, prior_weight, ascending);
}

void ParzenEstimator::fit(const ParamSpace& space, const std::vector<double>& observations, double prior_weight,
                          const std::vector<std::size_t>* ascending) {
  space_ = space;
  const std::size_t n = observations.size();
  // Every array below is cleared and refilled, never freed: its capacity carries to the next fit.
  mus_.clear(), sigmas_.clear(), log_mass_.clear(), log_scale_.clear(), inv_sigma_.clear(), sorted_.clear();
  choice_probabilities_.clear();
  fill_observation_weights(weights_, n);
  weights_.push_back(prior_weight);
  const double total = std::accumulate(weights_.begin(), weights_.end(), 0.0);
  for (double& w : weights_) w /= total;

  if (space.kind == ParamSpace::Kind::kChoice) {
    const double smoothing = prior_weight / static_cast<double>(n + 1);
    choice_probabilities_.assign(n + 1, std::vector<double>(static_cast<std::size_t>(space.choices), smoothing));
    for (std::size_t k = 0; k < n; ++k) choice_probabilities_[k][static_cast<std::size_t>(observations[k])] += 1.0;
    for (auto& row : choice_probabilities_) {
      const double sum = std::accumulate(row.begin(), row.end(), 0.0);
      for (double& p : row) p /= sum;
    }
    return;
  }

  switch (space.kind) {
    case ParamSpace::Kind::kLogUniform: low_ = std::log(space.low), high_ = std::log(space.high); break;
    case ParamSpace::Kind::kInt: low_ = space.low - 0.5, high_ = space.high + 0.5; break;
    default: low_ = space.low, high_ = space.high; break;
  }
  const std::size_t m = n + 1;
  mus_.reserve(m);
  for (const double value : observations) mus_.push_back(transform(value));
  mus_.push_back(0.5 * (low_ + high_));  // the prior's component

  // Each bandwidth: the larger gap to its neighbours in sorted order, the bounds standing in
  // for the missing neighbour at either end, except that the outermost two take their inner
  // gap (Optuna's consider_endpoints=False); then clipped to [range / min(100, 1 + m), range].
  // Sorted as (value, index) pairs: equal values keep their order, as a stable sort would; the
  // prior's component (index n, so after any equal value) goes in by binary search.
  auto& sorted = sorted_;
  sorted.reserve(m);
  if (ascending != nullptr) {
    for (const std::size_t k : *ascending) sorted.emplace_back(mus_[k], k);
  } else {
    for (std::size_t k = 0; k < n; ++k) sorted.emplace_back(mus_[k], k);
    std::sort(sorted.begin(), sorted.end());
  }
  const std::pair<double, std::size_t> prior{mus_[n], n};
  sorted.insert(std::upper_bound(sorted.begin(), sorted.end(), prior), prior);
  auto at = [&](std::size_t j) { return j == 0 ? low_ : j == m + 1 ? high_ : sorted[j - 1].first; };  // with the bounds
  const double range = high_ - low_;
  const double min_sigma = range / std::min(100.0, 1.0 + static_cast<double>(m));
  sigmas_.assign(m, 0.0);
  for (std::size_t j = 0; j < m; ++j) {
    double sigma = std::max(at(j + 1) - at(j), at(j + 2) - at(j + 1));
    if (m >= 2 && j == 0) sigma = at(2) - at(1);
    if (m >= 2 && j == m - 1) sigma = at(m) - at(m - 1);
    sigmas_[sorted[j].second] = std::clamp(sigma, min_sigma, range);
  }
  sigmas_.back() = range;  // the prior's bandwidth is the whole range, unclipped

  log_mass_.resize(m);
  log_scale_.resize(m);
  inv_sigma_.resize(m);
  for (std::size_t k = 0; k < m; ++k) {
    inv_sigma_[k] = 1.0 / sigmas_[k];
    const double a = (low_ - mus_[k]) * inv_sigma_[k], b = (high_ - mus_[k]) * inv_sigma_[k];
    // Beyond 8.5 sigmas on both sides the mass is 1 to within 2e-17: log 0, no erf() needed
    // (most components of a large estimator are narrow and well inside the bounds).
    log_mass_[k] = a < -8.5 && b > 8.5 ? 0.0 : log_gauss_mass(a, b);
    log_scale_[k] = std::log(weights_[k] * inv_sigma_[k]) - kLogSqrt2Pi - log_mass_[k];
  }
  by_centre_mu_.clear(), by_centre_inv_sigma_.clear(), by_centre_log_scale_.clear();
  max_log_scale_ = -std::numeric_limits<double>::infinity(), max_sigma_ = 0;
  for (const auto& [mu, k] : sorted) {
    if (k == n) continue;  // the prior's
    by_centre_mu_.push_back(mu);
    by_centre_inv_sigma_.push_back(inv_sigma_[k]);
    by_centre_log_scale_.push_back(log_scale_[k]);
    max_log_scale_ = std::max(max_log_scale_, log_scale_[k]);
    max_sigma_ = std::max(max_sigma_, sigmas_[k]);
  }
}

double ParzenEstimator::transform(double value) const {
  return space_.kind == ParamSpace::Kind::kLogUniform ? std::log(value) : value;
}

// A normal draw (Box-Muller on our own uniforms) kept only inside [low_, high_]. Every centre
// lies within the bounds and no bandwidth exceeds their distance, so at least a third of the
// draws land inside: the loop ends after a few tries.
double ParzenEstimator::truncated_normal(double mu, double sigma, std::mt19937_64& engine) const {
  constexpr double kTwoPi = 6.28318530717958647692;
  for (;;) {
    const double u1 = 1.0 - unit_uniform(engine);  // (0, 1]: the logarithm stays finite
    const double u2 = unit_uniform(engine);
    const double x = mu + sigma * std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
    if (x >= low_ && x <= high_) return x;
  }
}

double ParzenEstimator::sample(std::mt19937_64& engine) const {
  const std::size_t k = draw_index(weights_, engine);
  if (space_.kind == ParamSpace::Kind::kChoice) return static_cast<double>(draw_index(choice_probabilities_[k], engine));
  const double x = truncated_normal(mus_[k], sigmas_[k], engine);
  switch (space_.kind) {
    case ParamSpace::Kind::kLogUniform: return std::clamp(std::exp(x), space_.low, space_.high);
    // Round half to even, as numpy's round, which Optuna uses.
    case ParamSpace::Kind::kInt: return std::clamp(std::nearbyint(x), space_.low, space_.high);
    default: return x;
  }
}

double ParzenEstimator::component_log_pdf(std::size_t k, double x) const {
  const double mu = mus_[k], sigma = sigmas_[k];
  if (space_.kind == ParamSpace::Kind::kInt) {
    const double a = (std::max(x - 0.5, low_) - mu) / sigma, b = (std::min(x + 0.5, high_) - mu) / sigma;
    return log_gauss_mass(a, b) - log_mass_[k];
  }
  const double z = (x - mu) / sigma;
  return -0.5 * z * z - kLogSqrt2Pi - std::log(sigma) - log_mass_[k];
}

double ParzenEstimator::log_pdf(double value) const {
  if (space_.kind == ParamSpace::Kind::kChoice) {
    double p = 0;
    for (std::size_t k = 0; k < weights_.size(); ++k)
      p += weights_[k] * choice_probabilities_[k][static_cast<std::size_t>(value)];
    return std::log(p);
  }
  const double x = transform(value);
  const std::size_t m = weights_.size();
  if (space_.kind == ParamSpace::Kind::kInt) {
    std::vector<double> terms(m);
    for (std::size_t k = 0; k < m; ++k) terms[k] = std::log(weights_[k]) + component_log_pdf(k, x);
    return log_sum_exp(terms);
  }
  // Log-sum-exp over the components, keeping only terms within 40 of the largest: each other
  // one adds less than exp(-40) = 4e-18 of the sum, below a double's resolution. With thousands
  // of trials most components are far from any one point, so the observations' components are
  // visited outwards from x, in order of centre, only while one could still be within 40 of the
  // largest term so far: a component at distance d has an exponent of at most
  // max_log_scale_ - (d / max_sigma_)^2 / 2, which only falls as the walk goes on. The prior's
  // component (bandwidth: the whole range) is always counted.
  const std::size_t prior = m - 1;
  const double prior_z = (x - mus_[prior]) * inv_sigma_[prior];
  const double prior_term = log_scale_[prior] - 0.5 * prior_z * prior_z;
  double top = prior_term;
  window_.clear();
  const double inv_max_sigma = max_sigma_ > 0 ? 1.0 / max_sigma_ : 0;
  auto visit = [&](std::size_t j) {
    const double d = (x - by_centre_mu_[j]) * inv_max_sigma;
    if (max_log_scale_ - 0.5 * d * d < top - 40.0) return false;
    const double z = (x - by_centre_mu_[j]) * by_centre_inv_sigma_[j];
    const double term = by_centre_log_scale_[j] - 0.5 * z * z;
    window_.push_back(term);
    top = std::max(top, term);
    return true;
  };
  const std::size_t start =
      static_cast<std::size_t>(std::lower_bound(by_centre_mu_.begin(), by_centre_mu_.end(), x) - by_centre_mu_.begin());
  for (std::size_t j = start; j < by_centre_mu_.size() && visit(j); ++j) {
  }
  for (std::size_t j = start; j-- > 0 && visit(j);) {
  }
  if (!std::isfinite(top)) return top;
  double sum = std::exp(prior_term - top);
  for (const double term : window_)
    if (term - top > -40.0) sum += std::exp(term - top);
  return top + std::log(sum);
}

}  // namespace aecnn::search
