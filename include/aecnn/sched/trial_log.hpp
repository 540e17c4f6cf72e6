#pragma once
// Rank 0's record of what happens to each trial: commits it to results.h5 and prints progress.
// Serial and MPI runs both report through it, so both write the same file the same way.
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "aecnn/store/writer.hpp"
#include "aecnn/sweep/expand.hpp"
#include "aecnn/train/records.hpp"

namespace aecnn::sched {

class TrialLog {
 public:
  /// `trials` is the whole expansion; `already_done` counts trials a resumed file had finished.
  TrialLog(store::ResultsWriter& writer, const std::vector<sweep::TrialSpec>& trials, int already_done,
           std::FILE* out = stdout);

  void started(int trial, const std::vector<int>& ranks);
  void epoch(int trial, const train::EpochRecord& record);
  void done(int trial, const train::TrialResult& result);
  void failed(int trial, const std::string& message);

  int done_count() const { return done_; }
  const std::vector<std::pair<std::string, std::string>>& failures() const { return failures_; }
  /// One closing line, plus one per failed trial.
  void print_summary() const;

 private:
  std::string status_prefix() const;

  store::ResultsWriter& writer_;
  const std::vector<sweep::TrialSpec>& trials_;
  std::FILE* out_;
  int done_ = 0;
  int running_ = 0;
  std::vector<std::pair<std::string, std::string>> failures_;  ///< trial id, message
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace aecnn::sched
