#pragma once
// A plain text table: a header row and string cells, printed with aligned columns.
#include <cstdio>
#include <string>
#include <vector>

namespace aecnn::analysis {

class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void add_row(std::vector<std::string> cells);  ///< must have as many cells as the header
  std::size_t rows() const { return rows_.size(); }
  const std::vector<std::string>& header() const { return header_; }
  const std::vector<std::vector<std::string>>& body() const { return rows_; }

  /// Columns separated by two spaces, text left-aligned, numbers right-aligned.
  std::string to_text() const;
  /// A GitHub-flavoured Markdown table ('|' in cells escaped).
  std::string to_markdown() const;
  /// RFC 4180 CSV: cells with commas, quotes or newlines quoted, quotes doubled.
  std::string to_csv() const;
  /// to_text, to_markdown or to_csv by name ("text", "markdown", "csv").
  std::string format(const std::string& format) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

/// `value` with `decimals` digits after the point.
std::string fixed(double value, int decimals);

}  // namespace aecnn::analysis
