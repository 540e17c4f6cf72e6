#pragma once
// Helpers for the sweep tests: parse text, collect problems, show trials compactly.
#include <string>
#include <vector>

#include "aecnn/sweep/expand.hpp"
#include "aecnn/sweep/sweep_spec.hpp"

namespace aecnn::sweep::testing {

/// The problems parse_sweep reports for `text`, or none.
inline std::vector<std::string> problems_of(const std::string& text) {
  try {
    parse_sweep(text, "s.toml");
  } catch (const SpecError& error) {
    return error.problems();
  }
  return {};
}

/// Each trial as "id:key=value,key=value" over its varying keys.
inline std::vector<std::string> summary(const std::vector<TrialSpec>& trials) {
  std::vector<std::string> lines;
  for (const auto& trial : trials) {
    std::string line = trial.id + ":";
    for (std::size_t i = 0; i < trial.varying.size(); ++i)
      line += (i ? "," : "") + trial.varying[i] + "=" + to_display(trial.config.at(trial.varying[i]));
    lines.push_back(line);
  }
  return lines;
}

inline std::vector<TrialSpec> expand_text(const std::string& text) { return expand(parse_sweep(text, "s.toml")); }

}  // namespace aecnn::sweep::testing
