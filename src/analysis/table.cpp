#include "aecnn/analysis/table.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace aecnn::analysis {
namespace {

bool looks_numeric(const std::string& cell) {
  if (cell.empty()) return false;
  char* end = nullptr;
  std::strtod(cell.c_str(), &end);
  return end != cell.c_str() && (*end == '\0' || *end == '%' || *end == 's');
}

}  // namespace

Table::Table(std::vector<std::string> header) : header_(std::move(header)) {}

void Table::add_row(std::vector<std::string> cells) {
  if (cells.size() != header_.size()) throw std::logic_error("table row has the wrong number of cells");
  rows_.push_back(std::move(cells));
}

std::string Table::to_text() const {
  std::vector<std::size_t> width(header_.size());
  std::vector<bool> numeric(header_.size(), !rows_.empty());
  for (std::size_t c = 0; c < header_.size(); ++c) {
    width[c] = header_[c].size();
    for (const auto& row : rows_) {
      width[c] = std::max(width[c], row[c].size());
      numeric[c] = numeric[c] && (looks_numeric(row[c]) || row[c] == "-");
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::string pad(width[c] - cells[c].size(), ' ');
      if (c > 0) text += "  ";
      text += numeric[c] ? pad + cells[c] : (c + 1 == cells.size() ? cells[c] : cells[c] + pad);
    }
    return text + "\n";
  };
  std::string text = line(header_);
  for (const auto& row : rows_) text += line(row);
  return text;
}

std::string Table::to_markdown() const {
  auto line = [](const std::vector<std::string>& cells) {
    std::string text = "|";
    for (const auto& cell : cells) {
      std::string escaped;
      for (char c : cell) escaped += c == '|' ? std::string("\\|") : std::string(1, c);
      text += " " + escaped + " |";
    }
    return text + "\n";
  };
  std::string text = line(header_) + "|";
  for (std::size_t c = 0; c < header_.size(); ++c) text += "---|";
  text += "\n";
  for (const auto& row : rows_) text += line(row);
  return text;
}

std::string Table::to_csv() const {
  auto line = [](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) text += ",";
      if (cells[c].find_first_of(",\"\n") == std::string::npos) {
        text += cells[c];
        continue;
      }
      text += '"';
      for (char ch : cells[c]) text += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      text += '"';
    }
    return text + "\n";
  };
  std::string text = line(header_);
  for (const auto& row : rows_) text += line(row);
  return text;
}

std::string Table::format(const std::string& format) const {
  if (format == "markdown") return to_markdown();
  if (format == "csv") return to_csv();
  return to_text();
}

Table stack(const std::vector<std::pair<std::string, Table>>& tables, const std::string& key_column) {
  std::vector<std::string> header = {key_column};
  for (const auto& [key, table] : tables)
    for (const auto& name : table.header())
      if (std::find(header.begin(), header.end(), name) == header.end()) header.push_back(name);
  Table stacked(header);
  for (const auto& [key, table] : tables) {
    std::vector<std::size_t> place;  // where each of this table's columns goes
    for (const auto& name : table.header())
      place.push_back(static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin()));
    for (const auto& row : table.body()) {
      std::vector<std::string> cells(header.size());
      cells[0] = key;
      for (std::size_t c = 0; c < row.size(); ++c) cells[place[c]] = row[c];
      stacked.add_row(std::move(cells));
    }
  }
  return stacked;
}

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

}  // namespace aecnn::analysis
