#include "search_tables.hpp"

#include <vector>

#include "h5.hpp"

namespace aecnn::store::search_tables {
namespace {

struct Layout {
  const char* group;
  std::vector<const char*> ints, floats;
};
const Layout kPruning{"/pruning", {"trial", "epoch", "stop", "rung", "compared"}, {"value", "cutoff"}};
const Layout kObservations{"/search", {"trial", "epochs", "complete"}, {"value"}};

void append_row(hid_t file, const Layout& layout, const std::vector<double>& ints, const std::vector<double>& floats,
                const std::string& path) {
  const std::string where = path + ":" + layout.group;
  if (!h5::exists(file, layout.group)) {
    h5::Id created = h5::create_group(file, layout.group, path);
    for (const char* column : layout.ints) h5::create_column(created.get(), column, true, where);
    for (const char* column : layout.floats) h5::create_column(created.get(), column, false, where);
  }
  h5::Id table = h5::open_group(file, layout.group, path);
  for (std::size_t i = 0; i < layout.ints.size(); ++i) h5::append_to_column(table.get(), layout.ints[i], ints[i], where);
  for (std::size_t i = 0; i < layout.floats.size(); ++i)
    h5::append_to_column(table.get(), layout.floats[i], floats[i], where);
}

// The table's columns in layout order (ints, then floats), all of one length; none without a table.
std::vector<std::vector<double>> read_columns(hid_t file, const Layout& layout, const std::string& path) {
  std::vector<std::vector<double>> columns;
  if (!h5::exists(file, layout.group)) return columns;
  const std::string where = path + ":" + layout.group;
  h5::Id table = h5::open_group(file, layout.group, path);
  std::vector<const char*> names = layout.ints;
  names.insert(names.end(), layout.floats.begin(), layout.floats.end());
  for (const char* name : names) {
    columns.push_back(h5::read_column(table.get(), name, where));
    if (columns.back().size() != columns.front().size())
      throw H5Error(where + ": column '" + name + "' has " + std::to_string(columns.back().size()) + " rows, '" +
                    names.front() + "' has " + std::to_string(columns.front().size()));
  }
  return columns;
}

std::int64_t as_int(double value) { return static_cast<std::int64_t>(value); }

}  // namespace

void append(hid_t file, const PruningRecord& r, const std::string& path) {
  append_row(file, kPruning,
             {static_cast<double>(r.trial), static_cast<double>(r.epoch), r.stop ? 1.0 : 0.0, static_cast<double>(r.rung),
              static_cast<double>(r.compared)},
             {r.value, r.cutoff}, path);
}

void append(hid_t file, const ObservationRecord& r, const std::string& path) {
  append_row(file, kObservations,
             {static_cast<double>(r.trial), static_cast<double>(r.epochs), r.complete ? 1.0 : 0.0}, {r.value}, path);
}

std::vector<PruningRecord> read_pruning(hid_t file, const std::string& path) {
  const auto c = read_columns(file, kPruning, path);
  std::vector<PruningRecord> records(c.empty() ? 0 : c[0].size());
  for (std::size_t i = 0; i < records.size(); ++i)
    records[i] = {as_int(c[0][i]), as_int(c[1][i]), c[5][i], c[2][i] != 0, as_int(c[3][i]), c[6][i], as_int(c[4][i])};
  return records;
}

std::vector<ObservationRecord> read_observations(hid_t file, const std::string& path) {
  const auto c = read_columns(file, kObservations, path);
  std::vector<ObservationRecord> records(c.empty() ? 0 : c[0].size());
  for (std::size_t i = 0; i < records.size(); ++i)
    records[i] = {as_int(c[0][i]), as_int(c[1][i]), c[2][i] != 0, c[3][i]};
  return records;
}

}  // namespace aecnn::store::search_tables
