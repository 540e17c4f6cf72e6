#pragma once
// The base of every error aecnn reports to a user. Each main catches aecnn::Error once, prints
// what() as one line (or one line per problem) and exits with exit_code().
#include <stdexcept>
#include <string>

namespace aecnn {

/// Exit codes shared by the executables, so scripts and Slurm can tell outcomes apart.
enum ExitCode : int {
  kExitOk = 0,
  kExitTrialsFailed = 1,  ///< the sweep ran, but at least one trial failed
  kExitBadInput = 2,      ///< sweep file, data, results file or command line is wrong
  kExitInterrupted = 3,   ///< stopped by a signal; running the same command again resumes it
  kExitWorkerLost = 4,    ///< a worker stopped answering; the sweep ended early and resumes like 3
  kExitUnfinished = 5,    ///< aecnn-sweep --status: the results file still has trials to run
};

/// An error caused by the user's input or environment, worded for the user.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit_code = kExitBadInput)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

}  // namespace aecnn
