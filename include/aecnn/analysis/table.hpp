#pragma once
// A plain text table: a header row and string cells, printed with aligned columns.
#include <cstdio>
#include <string>
#include <utility>
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

/// `tables` one under another, each row led by its table's key in the column `key_column`: one
/// table, as one CSV file wants it. Its columns are every table's, in order of first appearance;
/// a row holds "" where its own table has no such column.
Table stack(const std::vector<std::pair<std::string, Table>>& tables, const std::string& key_column);

/// `value` with `decimals` digits after the point.
std::string fixed(double value, int decimals);

}  // namespace aecnn::analysis
