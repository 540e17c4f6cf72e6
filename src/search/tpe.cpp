#include "aecnn/search/tpe.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

namespace aecnn::search {

int tpe_gamma(int n) { return std::min(static_cast<int>(std::ceil(0.1 * n)), 25); }

void split_observations(const std::vector<Observation>& history, int n_below, std::vector<std::size_t>& below,
                        std::vector<std::size_t>& above) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  // Optuna's key (-step, value), lexicographic: completed trials have step +inf; a NaN value
  // ranks last among its step; a pruned trial that reported nothing gets (1, 0). The index
  // breaks ties, as Optuna's stable sort does.
  std::vector<std::tuple<double, double, std::size_t>> keys;
  keys.reserve(history.size());
  for (std::size_t i = 0; i < history.size(); ++i) {
    const Observation& o = history[i];
    const double loss = std::isnan(o.loss) ? kInf : o.loss;
    if (o.complete) keys.emplace_back(-kInf, loss, i);
    else if (o.epochs <= 0) keys.emplace_back(1.0, 0.0, i);
    else keys.emplace_back(-static_cast<double>(o.epochs), loss, i);
  }
  // Only the best n_below need ordering among themselves: a partition, then a sort of those.
  const std::size_t split = std::min(static_cast<std::size_t>(std::max(n_below, 0)), keys.size());
  std::nth_element(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(split), keys.end());
  below.clear();
  above.clear();
  for (std::size_t j = 0; j < keys.size(); ++j) (j < split ? below : above).push_back(std::get<2>(keys[j]));
  std::sort(below.begin(), below.end());
  std::sort(above.begin(), above.end());
}

TpeSampler::TpeSampler(std::vector<ParamSpace> space, TpeOptions options, std::uint64_t seed)
    : space_(std::move(space)), options_(options), seed_(seed), ascending_(space_.size()) {}

void TpeSampler::observe(const Observation& observation) {
  const std::size_t index = history_.size();
  history_.push_back(observation);
  for (std::size_t p = 0; p < space_.size(); ++p) {
    if (space_[p].kind == ParamSpace::Kind::kChoice) continue;
    auto& sorted = ascending_[p];
    const std::pair<double, std::size_t> entry{observation.params[p], index};
    sorted.insert(std::upper_bound(sorted.begin(), sorted.end(), entry), entry);
  }
}

std::vector<double> TpeSampler::suggest(std::uint64_t number) const {
  std::seed_seq seq{static_cast<std::uint32_t>(seed_), static_cast<std::uint32_t>(seed_ >> 32),
                    static_cast<std::uint32_t>(number), static_cast<std::uint32_t>(number >> 32)};
  std::mt19937_64 engine(seq);
  std::vector<double> suggestion;
  const int n = static_cast<int>(history_.size());
  if (n < options_.startup_trials) {
    for (const auto& param : space_) suggestion.push_back(draw_uniformly(param, engine));
    return suggestion;
  }
  Scratch& w = scratch_;
  split_observations(history_, tpe_gamma(n), w.below_index, w.above_index);
  // Where each history entry stands in "above" (or -1 when it is below): to read the above
  // values' increasing order off each parameter's kept order.
  w.position_in_above.assign(history_.size(), -1);
  for (std::size_t i = 0; i < w.above_index.size(); ++i) w.position_in_above[w.above_index[i]] = static_cast<std::ptrdiff_t>(i);
  for (std::size_t p = 0; p < space_.size(); ++p) {
    w.good.clear();
    w.bad.clear();
    for (const std::size_t i : w.below_index) w.good.push_back(history_[i].params[p]);
    for (const std::size_t i : w.above_index) w.bad.push_back(history_[i].params[p]);
    const std::vector<std::size_t>* order = nullptr;
    if (space_[p].kind != ParamSpace::Kind::kChoice) {
      w.above_ascending.clear();
      for (const auto& entry : ascending_[p])
        if (w.position_in_above[entry.second] >= 0)
          w.above_ascending.push_back(static_cast<std::size_t>(w.position_in_above[entry.second]));
      order = &w.above_ascending;
    }
    w.below.fit(space_[p], w.good, options_.prior_weight);
    w.above.fit(space_[p], w.bad, options_.prior_weight, order);
    double best = 0, best_score = -std::numeric_limits<double>::infinity();
    for (int c = 0; c < options_.ei_candidates; ++c) {
      const double candidate = w.below.sample(engine);
      const double score = w.below.log_pdf(candidate) - w.above.log_pdf(candidate);
      if (c == 0 || score > best_score) best = candidate, best_score = score;
    }
    suggestion.push_back(best);
  }
  return suggestion;
}

}  // namespace aecnn::search
