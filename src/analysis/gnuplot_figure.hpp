#pragma once
// One gnuplot figure (internal to the analysis): its data file, its script, and the PNG and SVG
// drawn from them, with gnuplot started without a shell. Text from a results file reaches a
// script only through quoted() and a data file only through field(), so it stays data.
#include <sstream>
#include <string>

namespace aecnn::analysis {

/// `text` as a gnuplot single-quoted string: gnuplot substitutes `command` and expands escapes in
/// double quotes, but in single quotes nothing but '' (one quote) is special. A line break would
/// end the command and start another, so control characters become spaces.
std::string quoted(const std::string& text);

/// `text` as a field of a tab-separated .dat file: a tab or a line break inside it would shift
/// the columns or start a new row, so control characters become spaces.
std::string field(const std::string& text);

class Figure {
 public:
  Figure(std::string dir, std::string name) : dir_(std::move(dir)), name_(std::move(name)) {}
  std::ostringstream data, script;

  /// Writes <name>.dat and <name>.gp and runs gnuplot in `dir`; returns the name. `size` is "W,H"
  /// in pixels. Throws Error naming the script when gnuplot is missing or fails.
  std::string draw(const std::string& size = "900,560");

 private:
  std::string dir_, name_;
};

}  // namespace aecnn::analysis
