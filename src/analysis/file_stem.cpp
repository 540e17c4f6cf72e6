#include "aecnn/analysis/file_stem.hpp"

#include <algorithm>

#include "aecnn/error.hpp"

namespace aecnn::analysis {

namespace {
// The longest part of a file name taken from a results file: two of them and a suffix
// ("<experiment>-by_<key>.gnuplot") stay under the 255 bytes a file name may have.
constexpr std::size_t kMaxStemLength = 100;
}  // namespace

bool is_file_stem(const std::string& name) {
  if (name.empty() || name.size() > kMaxStemLength || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

void check_file_stem(const std::string& name, const std::string& where) {
  if (is_file_stem(name)) return;
  std::string shown;
  for (char c : name) shown += static_cast<unsigned char>(c) < 0x20 ? '?' : c;  // one line, whatever it holds
  if (name.size() > kMaxStemLength)
    throw Error(where + " '" + shown.substr(0, 40) + "...' is " + std::to_string(name.size()) +
                " characters long: longer than a file name may take (at most " + std::to_string(kMaxStemLength) + ")");
  throw Error(where + " '" + shown + "' cannot name a file (only letters, digits, '_', '.' and '-', not first '.')");
}

void check_report_names(const store::ResultsContents& results, const std::string& path) {
  for (const auto& trial : results.trials) {
    check_file_stem(trial.experiment, path + ": trial " + trial.id + ": experiment name");
    for (const auto& key : trial.varying) check_file_stem(key, path + ": trial " + trial.id + ": varied key");
  }
}

}  // namespace aecnn::analysis
