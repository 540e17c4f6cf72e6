#pragma once
// Private to the store: the tables of format 2 (docs/results-format.md) and the indexes rank 0
// keeps of them, so that a write touches a few cells, never a whole column.
//
//   /trials/<column>      one row per trial of the sweep's expansion; row = the trial's index
//   /config/<key>         the trial's resolved configuration, one typed column per key, same rows
//   /history/<column>     one row per epoch: `trial` (the trial's index; -1: a row a resumed
//                         attempt replaced) and the history columns
//   /metrics/<column>     one row per done trial: `trial`, the test metrics; per-class [rows, C],
//                         confusion_matrix [rows, C, C]
//   /provenance/<column>  the distinct (host, libraries, command) records; /trials/provenance
//                         is a trial's row here, -1 for none
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "aecnn/sweep/expand.hpp"
#include "aecnn/train/records.hpp"
#include "columns.hpp"
#include "row_index.hpp"

namespace aecnn::store {

/// The status of a row no trial has started yet (a sweep's rows exist from its first run on).
inline constexpr const char* kStatusPending = "pending";

class TrialTables {
 public:
  /// Creates the tables, empty, in a new file, their chunks sized for about `expected_trials`.
  static void create(hid_t file, const std::string& path, std::size_t expected_trials);

  /// Opens the tables of `file` and reads the indexes (ids, history and metrics rows, provenance).
  TrialTables(hid_t file, std::string path);

  /// Gives every trial of `trials` a row (status pending) where it has none: the static columns
  /// and its configuration, written column by column.
  void add_rows(const std::vector<sweep::TrialSpec>& trials);
  /// The trial's row, added (one trial) if it has none. Throws when the row holds another trial.
  hsize_t row(const sweep::TrialSpec& trial);
  /// The row of a trial id, or -1.
  std::int64_t find(const std::string& id) const;
  std::size_t size() const { return ids_.size(); }

  void write_config(hsize_t row, const sweep::ConfigMap& config);

  void set(hsize_t row, const char* column, std::int64_t value);
  void set(hsize_t row, const char* column, double value);
  void set(hsize_t row, const char* column, const std::string& value);
  std::int64_t get_int(hsize_t row, const char* column) const;
  /// Writes every cell still waiting in an open column (columns::Handle): before a commit, and
  /// before anything reads the tables by name.
  void flush() const;

  /// History rows of the trial at `row`, in the order appended; replacing marks the old ones -1.
  void append_history(hsize_t row, const std::vector<train::EpochRecord>& records);
  void drop_history(hsize_t row);
  std::vector<train::EpochRecord> history(hsize_t row) const;

  /// A done trial's test metrics, one row; drop_metrics marks an earlier attempt's row -1.
  void append_metrics(hsize_t row, const train::TrialResult& result);
  void drop_metrics(hsize_t row);

  /// The row of `provenance` as recorded with this writer's HDF5 version and command (added once).
  std::int64_t provenance_row(const train::Provenance& provenance, std::int64_t threads, const std::string& hdf5,
                              const std::string& command_line);

 private:
  void resize_trials(hsize_t rows);
  void ensure_config_column(const std::string& key, const sweep::Value& value);
  void mark_dropped(const char* table, const std::vector<hsize_t>& rows);
  /// The column `name` of `table`, opened at its first use and held open (see open_).
  const columns::Handle& column(const char* table, const std::string& name) const;

  hid_t file_;
  std::string path_;
  std::vector<std::string> ids_;                     ///< by row; "" for a row no trial holds
  IdIndex row_of_;                                   ///< id -> row
  std::vector<std::string> config_columns_;          ///< names of /config's columns
  RowLists history_of_;                              ///< by trial row: its live /history rows
  RowLists metrics_of_;                              ///< by trial row: its live /metrics rows
  std::unordered_map<std::string, std::int64_t> provenance_;  ///< record's text -> row
  hsize_t history_rows_ = 0, metrics_rows_ = 0, provenance_rows_ = 0;
  /// Every column used so far, held open for the writer's life: HDF5 keeps a dataset's chunk
  /// cache only while it is open, and looking a column up by name per cell cost a sixth of a
  /// no-op trial (perf).
  mutable std::unordered_map<std::string, columns::Handle> open_;
  hsize_t trial_chunk_ = 16;                         ///< rows of a /trials and /config chunk
  std::size_t classes_ = 0;                          ///< per-class columns' width (0: no metrics yet)
};

/// Every row's configuration as `/config` holds it (booleans typed back by the schema); `rows`
/// long, so that a row past a shorter column (a file being written) reads as empty. Values every
/// row has in common are one map the rows share.
std::vector<sweep::LayeredConfig> read_configs(hid_t file, const std::string& path, std::size_t rows);

/// A comma-separated list (`varying`, `ranks`) as its items.
inline std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) items.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

/// A provenance record from its fields by name: `text(name)` for strings, `integer(name)` for
/// counts. Format 2's table, format 1's attributes and the upgrade all build one so.
template <typename Text, typename Integer>
train::Provenance provenance_from(Text text, Integer integer) {
  train::Provenance p;
  p.host = text("host");
  p.cpu_model = text("cpu_model");
  p.cpus_online = static_cast<int>(integer("cpus_online"));
  p.cpus_allowed = static_cast<int>(integer("cpus_allowed"));
  p.device = text("device");
  p.libtorch = text("libtorch");
  p.cpu_capability = text("cpu_capability");
  p.blas = text("blas");
  p.mpi = text("mpi");
  p.compiler = text("compiler");
  p.tool_version = text("tool_version");
  return p;
}

/// A done trial's test metrics (metric_columns(), by name) from `number(name)`.
template <typename Number>
void set_test_metrics(train::TrialResult& result, Number number) {
  result.test_loss = number("test_loss");
  result.test_accuracy = number("test_accuracy");
  result.test_precision = number("test_precision_weighted");
  result.test_recall = number("test_recall_weighted");
  result.test_f1 = number("test_f1_weighted");
  result.train_eval_loss = number("train_eval_loss");
  result.train_eval_accuracy = number("train_eval_accuracy");
}

/// The `/trials` columns, with the value a new row holds (for readers and the upgrade).
struct TrialColumn {
  const char* name;
  int type;  ///< columns::Type
  std::int64_t initial;
};
const std::vector<TrialColumn>& trial_columns();
/// The `/metrics` scalar columns, in TrialResult's order.
const std::vector<const char*>& metric_columns();
/// The `/provenance` columns.
const std::vector<const char*>& provenance_columns();

}  // namespace aecnn::store
