#pragma once
// Names read from a results file that become parts of file names in a report folder. A results
// file is data people share, so such a name is checked before it reaches the file system: a
// crafted experiment name like "../x" or "$(cmd)" must not write outside the folder.
#include <string>

#include "aecnn/store/reader.hpp"

namespace aecnn::analysis {

/// True when `name` may be part of a file name: 1 to 100 of [A-Za-z0-9_.-], not starting with
/// '.' (so neither "." nor ".." nor a hidden file), no path separator.
bool is_file_stem(const std::string& name);

/// Throws aecnn::Error "`where`: NAME cannot name a file ..." unless is_file_stem(name).
void check_file_stem(const std::string& name, const std::string& where);

/// Checks every name of `results` that a report turns into a file name (experiment names and
/// the keys trials vary), before anything is written. `path` names the results file in the error.
void check_report_names(const store::ResultsContents& results, const std::string& path);

}  // namespace aecnn::analysis
