#pragma once
// What both executables do with a command line they cannot take: one line naming the option and
// what it accepts, and exit code 2, as for every other bad input. CLI11's own codes (105, 106,
// 109, ...) would read as "a rank died" to a launcher script, which then requeues a typo; its
// "Run with --help" second line would break the one-line rule. --help and --version still exit 0.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "aecnn/error.hpp"

namespace aecnn::apps {

/// Prints `error` as one line (when `print`: under mpirun only one rank does) and returns the
/// exit code: 0 for --help and --version (printed by CLI11 as usual), kExitBadInput otherwise.
inline int command_line_error(const CLI::App& app, const CLI::ParseError& error, const char* tool, bool print) {
  if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return print ? app.exit(error) : 0;
  if (print) std::fprintf(stderr, "%s: error: %s (see %s --help)\n", tool, error.what(), tool);
  return kExitBadInput;
}

/// A number greater than `least`, said in words when it is not (CLI::PositiveNumber prints the
/// largest double, all 309 digits of it).
inline CLI::Validator number_above(double least) {
  char shown[32];
  std::snprintf(shown, sizeof shown, "%g", least);
  return CLI::Validator(
      [least, shown = std::string(shown)](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || !std::isfinite(value) || !(value > least))
          return "must be a number above " + shown + ", got '" + text + "'";
        return "";
      },
      std::string("NUMBER > ") + shown);
}

/// A whole number of at least `least`.
inline CLI::Validator integer_at_least(long long least) {
  return CLI::Validator(
      [least](std::string& text) -> std::string {
        char* end = nullptr;
        const long long value = std::strtoll(text.c_str(), &end, 10);
        if (text.empty() || *end != '\0' || value < least)
          return "must be a whole number of at least " + std::to_string(least) + ", got '" + text + "'";
        return "";
      },
      "INTEGER >= " + std::to_string(least));
}

/// One of `choices`, listed in the message.
inline CLI::Validator one_of(std::vector<std::string> choices) {
  std::string listed;
  for (std::size_t i = 0; i < choices.size(); ++i)
    listed += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  return CLI::Validator(
      [choices, listed](std::string& text) -> std::string {
        for (const auto& choice : choices)
          if (text == choice) return "";
        return "must be " + listed + ", got '" + text + "'";
      },
      "{" + listed + "}");
}

}  // namespace aecnn::apps
