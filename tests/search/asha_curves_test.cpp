// ASHA replayed offline on real learning curves (no training): tests/data/asha_curves.csv holds
// every epoch of the 24 trials of sweeps/asha.toml, trained to the end without a pruner
// (bench/asha.sh, docs/benchmarks.md); the validation accuracy is replayed here. Fed to AshaPruner in three arrival orders
// (trial after trial; epoch after epoch over all trials, as a synchronous search would; a seeded
// asynchronous interleaving), every verdict and cutoff must equal an independent computation
// from the rung's recorded values: sort them all, take the max(1, floor(n / rf))-th best.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "aecnn/search/pruner.hpp"

namespace aecnn::search {
namespace {

using Curves = std::map<int, std::vector<double>>;  // trial -> val_accuracy per epoch

Curves load_curves() {
  std::ifstream in(std::string(AECNN_SOURCE_DIR) + "/tests/data/asha_curves.csv");
  Curves curves;
  std::string line;
  std::getline(in, line);  // header: trial,epoch,accuracy,val_accuracy,val_loss
  EXPECT_EQ(line, "trial,epoch,accuracy,val_accuracy,val_loss");
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string trial, epoch, accuracy, value;
    std::getline(fields, trial, ',');
    std::getline(fields, epoch, ',');
    std::getline(fields, accuracy, ',');
    std::getline(fields, value, ',');
    auto& curve = curves[std::stoi(trial)];
    EXPECT_EQ(static_cast<int>(curve.size()) + 1, std::stoi(epoch)) << line;
    curve.push_back(std::stod(value));
  }
  return curves;
}

struct Report {
  int trial, epoch;
};

// What rung `rung` says of `value`, from every value recorded there so far (its own included),
// computed from scratch.
std::pair<bool, double> independent_verdict(std::vector<double> recorded, double value, int rf) {
  std::sort(recorded.begin(), recorded.end(), std::greater<double>());  // best first: maximising
  const std::size_t keep = std::max<std::size_t>(1, recorded.size() / static_cast<std::size_t>(rf));
  const double cutoff = recorded[keep - 1];
  return {value < cutoff, cutoff};
}

// Replays `order` (trials stop reporting once stopped); returns the epochs trained.
int replay(const Curves& curves, const std::vector<Report>& order) {
  constexpr int kGrace = 1, kRf = 3, kMaxEpochs = 15;
  AshaPruner asha(kGrace, kRf, kMaxEpochs, Direction::kMaximize);
  std::map<int, std::vector<double>> at_rung;  // epoch -> values recorded there, in order
  std::map<int, bool> stopped;
  int epochs = 0, stops = 0;
  for (const auto& r : order) {
    if (stopped[r.trial]) continue;
    const double value = curves.at(r.trial).at(static_cast<std::size_t>(r.epoch - 1));
    const PruneVerdict verdict = asha.report(r.trial, r.epoch, value);
    ++epochs;
    const bool rung = r.epoch == 1 || r.epoch == 3 || r.epoch == 9;
    if (!rung) {
      EXPECT_FALSE(verdict.stop) << "trial " << r.trial << " epoch " << r.epoch;
      continue;
    }
    at_rung[r.epoch].push_back(value);
    const auto [stop, cutoff] = independent_verdict(at_rung[r.epoch], value, kRf);
    EXPECT_EQ(verdict.stop, stop) << "trial " << r.trial << " epoch " << r.epoch;
    EXPECT_EQ(verdict.cutoff, cutoff) << "trial " << r.trial << " epoch " << r.epoch;
    EXPECT_EQ(verdict.compared, static_cast<int>(at_rung[r.epoch].size()));
    stopped[r.trial] = verdict.stop;
    stops += verdict.stop;
  }
  EXPECT_GT(stops, 0);  // the real curves give the rule something to do
  return epochs;
}

TEST(AshaOnRecordedCurves, EveryVerdictEqualsTheRungCutoffComputedFromScratchInEveryArrivalOrder) {
  const Curves curves = load_curves();
  ASSERT_EQ(curves.size(), 24u);
  int full = 0;
  for (const auto& [trial, curve] : curves) full += static_cast<int>(curve.size());
  ASSERT_EQ(full, 24 * 15);

  std::vector<Report> sequential, synchronous, asynchronous;
  for (const auto& [trial, curve] : curves)
    for (int e = 1; e <= static_cast<int>(curve.size()); ++e) sequential.push_back({trial, e});
  for (int e = 1; e <= 15; ++e)
    for (const auto& [trial, curve] : curves) synchronous.push_back({trial, e});
  // Two workers: each takes the next trial when its own ends (here: after all its epochs; a
  // stopped trial's later reports are skipped by replay), reports interleaved at random.
  std::mt19937_64 random(2026);
  std::vector<std::vector<Report>> queues(curves.size());
  for (const auto& [trial, curve] : curves)
    for (int e = 1; e <= static_cast<int>(curve.size()); ++e) queues[static_cast<std::size_t>(trial)].push_back({trial, e});
  std::size_t a = 0, b = 1, next = 2, ia = 0, ib = 0;
  while (a < queues.size() || b < queues.size()) {
    const bool take_a = b >= queues.size() || (a < queues.size() && random() % 2 == 0);
    std::size_t& trial = take_a ? a : b;
    std::size_t& i = take_a ? ia : ib;
    asynchronous.push_back(queues[trial][i]);
    if (++i == queues[trial].size()) trial = next++, i = 0;
  }
  ASSERT_EQ(asynchronous.size(), sequential.size());

  for (const auto* order : {&sequential, &synchronous, &asynchronous}) {
    const int epochs = replay(curves, *order);
    EXPECT_LT(epochs, full);
  }
}

}  // namespace
}  // namespace aecnn::search
