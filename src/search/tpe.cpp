#include "aecnn/search/tpe.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <tuple>

#include "aecnn/search/parzen_estimator.hpp"

namespace aecnn::search {

double draw_uniformly(const ParamSpace& space, std::mt19937_64& engine) {
  const double u = unit_uniform(engine);
  switch (space.kind) {
    case ParamSpace::Kind::kUniform: return space.low + (space.high - space.low) * u;
    case ParamSpace::Kind::kLogUniform:
      return std::exp(std::log(space.low) + (std::log(space.high) - std::log(space.low)) * u);
    case ParamSpace::Kind::kInt: return space.low + std::floor(u * (space.high - space.low + 1));
    case ParamSpace::Kind::kChoice: return std::floor(u * static_cast<double>(space.choices));
  }
  return 0;
}

int tpe_gamma(int n) { return std::min(static_cast<int>(std::ceil(0.1 * n)), 25); }

void split_observations(const std::vector<Observation>& history, int n_below, std::vector<std::size_t>& below,
                        std::vector<std::size_t>& above) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  // Optuna's key (-step, value), lexicographic: completed trials have step +inf; a NaN value
  // ranks last among its step; a pruned trial that reported nothing gets (1, 0).
  auto key = [&](std::size_t i) {
    const Observation& o = history[i];
    if (o.complete) return std::make_tuple(-kInf, std::isnan(o.loss) ? kInf : o.loss);
    if (o.epochs <= 0) return std::make_tuple(1.0, 0.0);
    return std::make_tuple(-static_cast<double>(o.epochs), std::isnan(o.loss) ? kInf : o.loss);
  };
  std::vector<std::size_t> order(history.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  const auto split = order.begin() + std::min<std::ptrdiff_t>(n_below, static_cast<std::ptrdiff_t>(order.size()));
  below.assign(order.begin(), split);
  above.assign(split, order.end());
  std::sort(below.begin(), below.end());
  std::sort(above.begin(), above.end());
}

TpeSampler::TpeSampler(std::vector<ParamSpace> space, TpeOptions options, std::uint64_t seed)
    : space_(std::move(space)), options_(options), seed_(seed) {}

std::vector<double> TpeSampler::suggest(std::uint64_t number, const std::vector<Observation>& history) const {
  std::seed_seq seq{static_cast<std::uint32_t>(seed_), static_cast<std::uint32_t>(seed_ >> 32),
                    static_cast<std::uint32_t>(number), static_cast<std::uint32_t>(number >> 32)};
  std::mt19937_64 engine(seq);
  std::vector<double> suggestion;
  const int n = static_cast<int>(history.size());
  if (n < options_.startup_trials) {
    for (const auto& param : space_) suggestion.push_back(draw_uniformly(param, engine));
    return suggestion;
  }
  std::vector<std::size_t> below, above;
  split_observations(history, tpe_gamma(n), below, above);
  for (std::size_t p = 0; p < space_.size(); ++p) {
    std::vector<double> good, bad;
    for (const std::size_t i : below) good.push_back(history[i].params[p]);
    for (const std::size_t i : above) bad.push_back(history[i].params[p]);
    const ParzenEstimator l(space_[p], good, options_.prior_weight), g(space_[p], bad, options_.prior_weight);
    double best = 0, best_score = -std::numeric_limits<double>::infinity();
    for (int c = 0; c < options_.ei_candidates; ++c) {
      const double candidate = l.sample(engine);
      const double score = l.log_pdf(candidate) - g.log_pdf(candidate);
      if (c == 0 || score > best_score) best = candidate, best_score = score;
    }
    suggestion.push_back(best);
  }
  return suggestion;
}

}  // namespace aecnn::search
