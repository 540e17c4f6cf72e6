#pragma once
// A sweep file as written: a name, the data it uses, a base configuration and a grid of axes.
//
//   name = "quick"
//   data_dir = "../data/fashion-mnist-subset"   # a relative path is relative to this file's folder
//   [base]
//   epochs = 7
//   [grid]
//   attention = ["none", "both"]
//
// parse_sweep_file() validates everything before any trial runs, and reports every problem in the
// file at once, each as `file:line:column: message`.
#include <string>
#include <utility>
#include <vector>

#include "aecnn/error.hpp"
#include "aecnn/sweep/value.hpp"

namespace aecnn::sweep {

/// One axis of the grid: a key and the values it takes, in file order.
struct GridAxis {
  std::string key;
  std::vector<Value> values;
};

struct SweepSpec {
  std::string name;                 ///< names the experiment and prefixes trial ids
  std::string file;                 ///< path the spec was read from
  std::string text;                 ///< the file's text, stored in results.h5 for provenance
  std::string data_dir;             ///< folder with the four Fashion-MNIST IDX files, resolved
  ConfigMap base;                   ///< defaults with [base] applied, fully resolved and checked
  std::vector<GridAxis> grid;       ///< Cartesian product, first axis varies slowest
};

/// Invalid sweep: one or more `file:line:column: message` lines.
class SpecError : public Error {
 public:
  explicit SpecError(const std::vector<std::string>& problems);
  const std::vector<std::string>& problems() const noexcept { return problems_; }

 private:
  std::vector<std::string> problems_;
};

/// Parses and validates a sweep from TOML text. `file` names it in messages. Throws SpecError.
SweepSpec parse_sweep(const std::string& text, const std::string& file);

/// Reads and parses a sweep file; a relative data_dir is taken relative to the file's folder.
/// Throws SpecError (invalid content) or aecnn::Error (unreadable file).
SweepSpec parse_sweep_file(const std::string& path);

}  // namespace aecnn::sweep
