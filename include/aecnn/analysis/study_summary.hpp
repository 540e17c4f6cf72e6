#pragma once
// The whole study in a few lines, as the notebook's final report summary gives it: the best
// schedule, batch size, attention and regularisation (each phase's own answer, phase_judgement),
// and the final model's test metrics and parameters; each with its evidence (seeds, 95%
// interval, the test and its p) and "not distinguishable" where the data cannot tell.
#include <string>
#include <vector>

#include "aecnn/store/reader.hpp"

namespace aecnn::analysis {

/// One line per answered question: "best batch size: batch_size=64 (...evidence...)".
/// Empty when no experiment is a phase of the study and none trains a single setting.
std::vector<std::string> study_summary(const store::ResultsContents& results);

}  // namespace aecnn::analysis
