#include "aecnn/analysis/table.hpp"

#include <gtest/gtest.h>

#include "aecnn/analysis/trial_table.hpp"

namespace aecnn::analysis {
namespace {

TEST(Table, AlignsTextLeftAndNumbersRight) {
  Table table({"trial", "acc"});
  table.add_row({"a-0000", "0.5"});
  table.add_row({"long-trial", "0.875"});
  EXPECT_EQ(table.to_text(),
            "trial         acc\n"
            "a-0000        0.5\n"
            "long-trial  0.875\n");
}

TEST(TrialTable, ShowsVaryingKeysAndResultsAndDashesForMissing) {
  store::ResultsContents results;
  store::TrialRecord done;
  done.id = "s-0000";
  done.experiment = "s";
  done.status = "done";
  done.varying = {"attention"};
  done.config["attention"] = std::string("both");
  done.history = {{1, 1e-3, 1.0, 0.5, 2.0, 0.25, 10.0}, {2, 1e-3, 0.5, 0.7, 1.0, 0.75, 11.0}};
  train::TrialResult r;
  r.test_accuracy = 0.8125;
  r.wall_seconds = 30.0;
  done.result = r;
  store::TrialRecord failed;
  failed.id = "s-0001";
  failed.experiment = "s";
  failed.status = "failed";
  failed.varying = {"attention"};
  failed.config["attention"] = std::string("none");
  store::TrialRecord other = done;
  other.id = "t-0000";
  other.experiment = "t";
  results.trials = {done, failed, other};
  EXPECT_EQ(experiments_of(results), (std::vector<std::string>{"s", "t"}));
  EXPECT_EQ(trial_table(results, "s").to_text(),
            "trial   status  attention  epochs  val_acc  best_val_acc  test_acc  seconds\n"
            "s-0000  done    both            2   0.7500        0.7500    0.8125     30.0\n"
            "s-0001  failed  none            0        -             -         -        -\n");
}

}  // namespace
}  // namespace aecnn::analysis
