#include "aecnn/analysis/figures.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../support/temp_dir.hpp"

namespace aecnn::analysis {
namespace {

using ::testing::HasSubstr;

// A done trial with setting lr=`lr` and a final val accuracy.
store::TrialRecord trial(double lr, int seed, double val_accuracy) {
  store::TrialRecord t;
  t.id = "s-" + std::to_string(lr) + "-" + std::to_string(seed);
  t.experiment = "s";
  t.status = "done";
  t.varying = {"lr", "seed"};
  t.config["lr"] = lr;
  t.config["seed"] = std::int64_t{seed};
  t.history = {{1, lr, 1.0, 0.5, 2.0, 0.1, 10.0, 9.0}, {2, lr, 0.5, 0.8, 0.6, val_accuracy, 12.0, 11.0}};
  train::TrialResult r;
  r.history = t.history;
  r.train_eval_accuracy = val_accuracy + 0.05;
  r.params_total = 177041;
  t.result = r;
  return t;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The data rows of a figure's .dat file (its lines that are neither comments nor blank).
std::vector<std::string> data_rows(const std::string& path) {
  std::vector<std::string> rows;
  std::istringstream in(read(path));
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') rows.push_back(line);
  return rows;
}

// A search of 30 settings: the per-setting figures draw the 24 most accurate and say so; the
// figure against the varied number draws all 30, in its order.
TEST(Figures, ASearchOfManySettingsDrawsTheMostAccurateAndSaysSo) {
  store::ResultsContents results;
  // lr from large to small, accuracy highest in the middle: the drawn 24 are neither the first
  // 24 nor the last 24 written.
  for (int i = 0; i < 30; ++i) {
    const double lr = 0.1 / (1 + i);
    results.trials.push_back(trial(lr, 0, 0.9 - 0.01 * std::abs(i - 15)));
  }
  const auto settings = settings_of(results, "s");
  ASSERT_EQ(settings.size(), 30u);
  aecnn::testing::TempDir dir;
  write_figures(dir.path(), "s", settings);

  const auto bars = data_rows(dir.file("s-val_accuracy.dat"));
  ASSERT_EQ(bars.size(), 24u);
  // Left out: the three settings at either end (accuracy 0.75-0.77 and 0.76-0.78).
  for (int i : {0, 1, 2, 28, 29})
    for (const auto& row : bars) EXPECT_NE(row.substr(0, row.find('\t')), settings[i].label);
  EXPECT_EQ(bars.front().substr(0, bars.front().find('\t')), settings[3].label);  // the written order kept
  EXPECT_THAT(read(dir.file("s-val_accuracy.gp")), HasSubstr("the 24 most accurate of 30 settings"));
  EXPECT_THAT(read(dir.file("s-curves_accuracy.gp")), HasSubstr("the 24 most accurate of 30 settings"));

  const auto by_lr = data_rows(dir.file("s-by_lr.dat"));
  ASSERT_EQ(by_lr.size(), 30u);
  for (std::size_t i = 1; i < by_lr.size(); ++i) EXPECT_LT(std::stod(by_lr[i - 1]), std::stod(by_lr[i]));
}

TEST(Figures, AFewSettingsAreAllDrawnWithNoNote) {
  store::ResultsContents results;
  for (int i = 0; i < 3; ++i) results.trials.push_back(trial(0.01 * (i + 1), 0, 0.8 + 0.01 * i));
  aecnn::testing::TempDir dir;
  write_figures(dir.path(), "s", settings_of(results, "s"));
  EXPECT_EQ(data_rows(dir.file("s-val_accuracy.dat")).size(), 3u);
  EXPECT_THAT(read(dir.file("s-val_accuracy.gp")), ::testing::Not(HasSubstr("most accurate")));
}

}  // namespace
}  // namespace aecnn::analysis
