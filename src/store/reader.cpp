#include "aecnn/store/reader.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <limits>
#include <map>
#include <unordered_map>

#include "aecnn/sweep/schema.hpp"
#include "aecnn/store/writer.hpp"
#include "checkpoint_io.hpp"
#include "h5.hpp"
#include "search_tables.hpp"
#include "sweep_identity.hpp"
#include "columns.hpp"
#include "journaled_driver.hpp"
#include "layout.hpp"
#include "reader_v1.hpp"
#include "trial_tables.hpp"

namespace aecnn::store {
namespace {

// Every column of one table group, read whole, by name.
struct Table {
  std::map<std::string, std::vector<std::int64_t>> ints;
  std::map<std::string, std::vector<double>> doubles;
  std::map<std::string, std::vector<std::string>> strings;
  std::size_t rows = 0;  ///< the shortest column's length: a file being written may have a longer one
  bool present = false;

  Table(hid_t file, const std::string& name, const std::vector<std::string>& int_columns,
        const std::vector<std::string>& double_columns, const std::vector<std::string>& string_columns,
        const std::string& path) {
    const std::string where = path + ":/" + name;
    h5::Id group = h5::open_group(file, "/" + name, path);
    if (int_columns.empty() || !h5::exists(group.get(), int_columns.front())) return;
    present = true;
    rows = std::numeric_limits<std::size_t>::max();
    for (const auto& c : int_columns) rows = std::min(rows, (ints[c] = columns::read_ints(group.get(), c, where)).size());
    for (const auto& c : double_columns)
      rows = std::min(rows, (doubles[c] = columns::read_doubles(group.get(), c, where)).size());
    for (const auto& c : string_columns)
      rows = std::min(rows, (strings[c] = columns::read_strings(group.get(), c, where)).size());
  }
};

// One /metrics row's per-class cells: `classes` values a row in each per-class column, `classes`
// x `classes` in the confusion matrix; the row's `used` classes are real, the rest padding.
struct ClassCells {
  const double *precision, *recall, *f1, *support;
  const std::int64_t* confusion;
};

void set_class_metrics(train::TrialResult& result, const ClassCells& cells, std::size_t classes, std::int64_t used,
                       std::size_t row, const std::string& path) {
  if (used < 0 || static_cast<std::size_t>(used) > classes)
    throw H5Error(path + ":/metrics/classes: row " + std::to_string(row) + " says " + std::to_string(used) +
                  " classes, the columns hold " + std::to_string(classes));
  const auto n = static_cast<std::size_t>(used);
  result.class_precision.assign(cells.precision, cells.precision + n);
  result.class_recall.assign(cells.recall, cells.recall + n);
  result.class_f1.assign(cells.f1, cells.f1 + n);
  result.class_support.assign(cells.support, cells.support + n);  // counts, stored as numbers
  result.confusion.clear();
  result.confusion.reserve(n * n);
  for (std::size_t i = 0; i < n; ++i)
    result.confusion.insert(result.confusion.end(), cells.confusion + i * classes, cells.confusion + i * classes + n);
}

constexpr std::array<const char*, 4> kPerClassColumns = {"class_precision", "class_recall", "class_f1", "class_support"};

std::vector<TrialRecord> read_trials(hid_t file, const std::string& path, bool class_metrics) {
  std::vector<std::string> int_columns, double_columns, string_columns;
  for (const auto& c : trial_columns()) {
    switch (static_cast<columns::Type>(c.type)) {
      case columns::Type::kString:
      case columns::Type::kStatus: string_columns.push_back(c.name); break;
      case columns::Type::kFloat64: double_columns.push_back(c.name); break;
      default: int_columns.push_back(c.name);
    }
  }
  // `index` first: a table is present when its first column is.
  std::iter_swap(int_columns.begin(), std::find(int_columns.begin(), int_columns.end(), "index"));
  const Table t(file, "trials", int_columns, double_columns, string_columns, path);
  const std::size_t n = t.rows;
  const auto& index = t.ints.at("index");
  const auto& id = t.strings.at("id");
  const auto& status = t.strings.at("status");
  // Each column looked up once, not per trial (a string-keyed lookup per field and trial was a
  // fifth of reading 10,000 trials).
  const auto& attempts = t.ints.at("attempts"), &best_epoch = t.ints.at("best_epoch"),
              &epochs_run = t.ints.at("epochs_run"), &failures = t.ints.at("failures"),
              &memory_baseline_bytes = t.ints.at("memory_baseline_bytes"), &params_total = t.ints.at("params_total"),
              &params_trainable = t.ints.at("params_trainable"), &peak_memory_bytes = t.ints.at("peak_memory_bytes"),
              &provenance_of = t.ints.at("provenance"), &restored_best = t.ints.at("restored_best"),
              &stopped_early = t.ints.at("stopped_early"), &suggested_after = t.ints.at("suggested_after"),
              &test_images = t.ints.at("test_images"), &threads = t.ints.at("threads"),
              &train_images = t.ints.at("train_images"), &validation_images = t.ints.at("validation_images");
  const auto& device = t.strings.at("device"), &error = t.strings.at("error"),
              &experiment = t.strings.at("experiment"), &hash = t.strings.at("hash"),
              &memory_measure = t.strings.at("memory_measure"), &varying = t.strings.at("varying"),
              &weights_dropped = t.strings.at("weights_dropped");
  const auto& wall_seconds = t.doubles.at("wall_seconds");

  std::vector<std::string> history_doubles(kHistoryColumns.begin() + 1, kHistoryColumns.end());
  const Table history(file, "history", {"trial", "epoch"}, history_doubles, {}, path);
  std::vector<std::vector<std::size_t>> history_of(n);
  for (std::size_t r = 0; r < history.rows; ++r) {
    const std::int64_t trial = history.ints.at("trial")[r];
    if (trial >= 0 && static_cast<std::size_t>(trial) < n) history_of[trial].push_back(r);
  }

  std::vector<std::string> metric_doubles(metric_columns().begin(), metric_columns().end());
  const Table metrics(file, "metrics", {"trial", "classes"}, metric_doubles, {}, path);
  std::vector<std::int64_t> metrics_of(n, -1);
  for (std::size_t r = 0; r < metrics.rows; ++r) {
    const std::int64_t trial = metrics.ints.at("trial")[r];
    if (trial >= 0 && static_cast<std::size_t>(trial) < n) metrics_of[trial] = static_cast<std::int64_t>(r);
  }
  // Per-class columns: [rows, classes] and [rows, classes, classes].
  std::map<std::string, std::vector<double>> per_class;
  std::vector<std::int64_t> confusion_cells;  // counts: read as integers, not through doubles
  std::size_t classes = 0;
  if (metrics.present && class_metrics) {
    h5::Id group = h5::open_group(file, "/metrics", path);
    const std::string where = path + ":/metrics";
    for (const char* c : kPerClassColumns) {
      std::size_t cell = 0;
      per_class[c] = columns::read_doubles(group.get(), c, where, &cell);
      if (classes == 0) classes = cell;
      if (cell != classes || per_class[c].size() < metrics.rows * cell)
        throw H5Error(where + "/" + c + ": not [rows, " + std::to_string(classes) + "]");
    }
    std::size_t cell = 0;
    confusion_cells = columns::read_ints(group.get(), "confusion_matrix", where, &cell);
    if (cell != classes * classes || confusion_cells.size() < metrics.rows * cell)
      throw H5Error(where + "/confusion_matrix: not [rows, " + std::to_string(classes) + ", " + std::to_string(classes) + "]");
  }

  std::vector<std::string> provenance_ints = {"cpus_online", "cpus_allowed", "threads"}, provenance_strings;
  for (const char* c : provenance_columns())
    if (std::find(provenance_ints.begin(), provenance_ints.end(), c) == provenance_ints.end())
      provenance_strings.push_back(c);
  const Table provenance(file, "provenance", provenance_ints, {}, provenance_strings, path);
  // A run has one provenance row per rank and version: built once each, copied to its trials.
  std::vector<train::Provenance> provenance_rows;
  for (std::size_t p = 0; p < provenance.rows; ++p)
    provenance_rows.push_back(provenance_from([&](const char* c) { return provenance.strings.at(c)[p]; },
                                              [&](const char* c) { return provenance.ints.at(c)[p]; }));

  auto configs = read_configs(file, path, n);
  std::vector<TrialRecord> trials;
  trials.reserve(n);
  for (std::size_t r = 0; r < n; ++r) {
    if (id[r].empty() || status[r] == kStatusPending) continue;
    const std::string where = path + ":/trials row " + std::to_string(r) + " (" + id[r] + ")";
    TrialRecord trial;
    trial.id = id[r];
    trial.experiment = experiment[r];
    trial.index = static_cast<int>(index[r]);
    trial.hash = hash[r];
    trial.status = status[r];
    trial.error = error[r];
    trial.attempts = static_cast<int>(attempts[r]);
    trial.failures = static_cast<int>(failures[r]);
    trial.suggested_after = static_cast<int>(suggested_after[r]);
    trial.varying = split_commas(varying[r]);
    trial.weights_dropped = weights_dropped[r];
    trial.config = std::move(configs[r]);
    trial.history.reserve(history_of[r].size());
    for (std::size_t h : history_of[r]) {
      std::array<double, kHistoryColumns.size()> cells{};
      cells[0] = static_cast<double>(history.ints.at("epoch")[h]);
      for (std::size_t c = 1; c < kHistoryColumns.size(); ++c) cells[c] = history.doubles.at(kHistoryColumns[c])[h];
      trial.history.push_back(from_history_row(cells.data()));
    }
    if (trial.status == kStatusDone) {
      const std::int64_t m = metrics_of[r];
      if (m < 0) throw H5Error(where + ": done, but /metrics has no row for it");
      const auto row = static_cast<std::size_t>(m);
      train::TrialResult result;
      result.history = trial.history;
      result.wall_seconds = wall_seconds[r];
      result.params_trainable = params_trainable[r];
      result.params_total = params_total[r];
      result.threads = static_cast<int>(threads[r]);
      result.train_images = train_images[r];
      result.validation_images = validation_images[r];
      result.test_images = test_images[r];
      result.device = device[r];
      result.epochs_run = static_cast<int>(epochs_run[r]);
      result.best_epoch = static_cast<int>(best_epoch[r]);
      result.stopped_early = stopped_early[r] != 0;
      result.restored_best = restored_best[r] != 0;
      result.peak_memory_bytes = peak_memory_bytes[r];
      result.memory_baseline_bytes = memory_baseline_bytes[r];
      result.memory_measure = memory_measure[r];
      set_test_metrics(result, [&](const char* c) { return metrics.doubles.at(c)[row]; });
      if (class_metrics) {
        const auto at = [&](const char* c) { return per_class.at(c).data() + row * classes; };
        set_class_metrics(result,
                          {at("class_precision"), at("class_recall"), at("class_f1"), at("class_support"),
                           confusion_cells.data() + row * classes * classes},
                          classes, metrics.ints.at("classes")[row], row, path);
      }
      const std::int64_t p = provenance_of[r];
      if (p >= 0 && static_cast<std::size_t>(p) < provenance_rows.size()) result.provenance = provenance_rows[p];
      trial.result = std::move(result);
    }
    trials.push_back(std::move(trial));
  }
  return trials;
}

// The row of `trial_id` in /trials, or -1.
std::int64_t find_trial(hid_t file, const std::string& path, const std::string& trial_id) {
  h5::Id group = h5::open_group(file, "/trials", path);
  const auto ids = columns::read_strings(group.get(), "id", path + ":/trials");
  for (std::size_t r = 0; r < ids.size(); ++r)
    if (ids[r] == trial_id) return static_cast<std::int64_t>(r);
  return -1;
}

}  // namespace

namespace {

// Opens a results file read-only and checks that it is one this tool can read. A commit that a
// killed writer left unfinished is rolled back first where this process may (`note` says so);
// where it may not (a sweep still writes the file, or it is read-only to us) the journaled
// driver shows the file as of its last complete commit without changing it.
h5::Id open_unchecked(const std::string& path, std::string* note) {
  h5::silence_library_errors();
  if (!std::filesystem::exists(path)) throw H5Error(path + ": no such file");
  std::string repaired;
  try {
    repaired = recover_results(path);
  } catch (const H5Error&) {
    // Read anyway: the driver overlays the journal.
  }
  if (note != nullptr) *note = repaired;
  std::error_code ignored;
  if (std::filesystem::file_size(path, ignored) == 0)
    throw H5Error(path + ": empty: the sweep that creates it was stopped before its first commit (run it again)");
  // Without the lock a file that a running sweep holds open can be read; what is read is its
  // last complete commit, unless a commit completes while we read (then reading again helps).
  h5::Id access = journaled::file_access();
  H5Pset_file_locking(access.get(), false, true);
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, access.get());
  if (id < 0) {
    const std::string reason = h5::library_error();  // before another call replaces it
    if (H5Fis_hdf5(path.c_str()) <= 0) throw H5Error(path + ": not an HDF5 file (not an aecnn-sweep results file)");
    throw H5Error(path + ": cannot open: " + reason);
  }
  h5::Id file(id, H5Fclose, path);
  const hid_t root = file.get();
  if (!h5::has_attr(root, "format"))
    throw H5Error(path + ": an HDF5 file, but not an aecnn-sweep results file (no 'format' attribute)");
  const auto format = h5::read_attr(root, "format", path);
  const auto* format_name = std::get_if<std::string>(&format);
  if (format_name == nullptr || *format_name != kFormatName)
    throw H5Error(path + ": an HDF5 file, but not an aecnn-sweep results file (its 'format' attribute is " +
                  (format_name ? "'" + printable(format_name->substr(0, 60)) + "'" : std::string("not a string")) + ", not '" +
                  kFormatName + "')");
  const auto version = h5::read_int_attr(root, "format_version", path);
  if (version > kFormatVersion)
    throw H5Error(path + ": format version " + std::to_string(version) + " is newer than this tool reads (" +
                  std::to_string(kFormatVersion) + "); update aecnn-sweep");
  return file;
}

// open_unchecked, and the tables checked before anything reads them (format 2; format 1 is
// checked as it is read). A commit that completes while the check runs (a sweep writing the
// file) can make a table's columns differ in length for a moment: read again then, twice at
// most; a file whose columns still differ is damaged.
h5::Id open_results(const std::string& path, std::string* note = nullptr) {
  for (int attempt = 1;; ++attempt) {
    h5::Id file = open_unchecked(path, note);
    if (h5::read_int_attr(file.get(), "format_version", path) == 1) return file;
    try {
      layout::check_tables(file.get(), path);
      return file;
    } catch (const layout::LengthMismatch&) {
      if (attempt == 3) throw;
    }
  }
}

}  // namespace

std::optional<train::Checkpoint> read_checkpoint(const std::string& path, const std::string& trial_id) {
  h5::Id file = open_results(path);
  if (h5::read_int_attr(file.get(), "format_version", path) == 1)
    return format_v1::read_checkpoint(file.get(), path, trial_id, /*with_optimizer=*/false);
  if (find_trial(file.get(), path, trial_id) < 0) throw H5Error(path + ": has no trial '" + trial_id + "'");
  if (!h5::exists(file.get(), "/checkpoints")) return std::nullopt;
  h5::Id group = h5::open_group(file.get(), "/checkpoints", path);
  return checkpoint_io::read_latest(group.get(), trial_id, path + ":/checkpoints", /*with_optimizer=*/false);
}

ResultsContents read_results(const std::string& path, const ReadOptions& options) {
  ResultsContents contents;
  h5::Id file = open_results(path, &contents.recovery_note);
  const hid_t root = file.get();
  contents.format_version = static_cast<int>(h5::read_int_attr(root, "format_version", path));
  contents.sweep_name = h5::read_string_attr(root, "sweep_name", path);
  contents.sweep_hash = h5::read_string_attr(root, "sweep_hash", path);
  contents.sweep_file = h5::read_string_attr(root, "sweep_file", path);
  contents.sweep_toml = h5::read_string_attr(root, "sweep_toml", path);
  contents.data_dir = h5::read_string_attr(root, "data_dir", path);
  // Files written before --set/--epochs-scale existed have no attribute: no overrides.
  if (h5::has_attr(root, "overrides")) contents.overrides = h5::read_string_attr(root, "overrides", path);

  contents.trials = contents.format_version == 1 ? format_v1::read_trials(root, path)
                                                       : read_trials(root, path, options.class_metrics);
  // Rows are in index order unless a file of format 1 (groups by name) says otherwise: sorting
  // 100,000 records that are in order already moved each one several times.
  const auto by_index = [](const TrialRecord& a, const TrialRecord& b) { return a.index < b.index; };
  if (!std::is_sorted(contents.trials.begin(), contents.trials.end(), by_index))
    std::sort(contents.trials.begin(), contents.trials.end(), by_index);
  contents.pruning = search_tables::read_pruning(root, path);
  contents.observations = search_tables::read_observations(root, path);
  return contents;
}

StatusContents read_statuses(const std::string& path) {
  StatusContents contents;
  int format = 0;
  {
    h5::Id file = open_results(path);
    const hid_t root = file.get();
    format = static_cast<int>(h5::read_int_attr(root, "format_version", path));
    contents.sweep = recorded_sweep(root, path);
    if (format != 1) {
      h5::Id trials = h5::open_group(root, "/trials", path);
      const std::string where = path + ":/trials";
      auto ids = columns::read_strings(trials.get(), "id", where);
      auto status = columns::read_strings(trials.get(), "status", where);
      const auto failures = columns::read_ints(trials.get(), "failures", where);
      if (status.size() != ids.size() || failures.size() != ids.size())
        throw H5Error(where + ": its columns id, status and failures differ in length");
      for (std::size_t r = 0; r < ids.size(); ++r)
        if (!ids[r].empty())
          contents.trials.push_back({std::move(ids[r]), std::move(status[r]), static_cast<int>(failures[r])});
      return contents;
    }
  }
  for (auto& trial : read_results(path).trials)
    contents.trials.push_back({std::move(trial.id), std::move(trial.status), trial.failures});
  return contents;
}

void read_class_metrics(const std::string& path, ResultsContents& results, const std::vector<std::size_t>& trials) {
  if (results.format_version == 1) return;  // read with everything else
  std::vector<TrialRecord*> wanted;
  for (std::size_t t : trials)
    if (results.trials.at(t).result) wanted.push_back(&results.trials[t]);
  if (wanted.empty()) return;
  h5::Id file = open_results(path);
  h5::Id trials_group = h5::open_group(file.get(), "/trials", path);
  const auto index = columns::read_ints(trials_group.get(), "index", path + ":/trials");
  std::unordered_map<std::int64_t, std::size_t> row_of_index;
  for (std::size_t r = 0; r < index.size(); ++r) row_of_index.emplace(index[r], r);
  const std::string where = path + ":/metrics";
  h5::Id group = h5::open_group(file.get(), "/metrics", path);
  const auto trial_of = columns::read_ints(group.get(), "trial", where);
  const auto used_of = columns::read_ints(group.get(), "classes", where);
  std::unordered_map<std::int64_t, std::size_t> metrics_row;  // by /trials row; the last wins, as read_results
  for (std::size_t m = 0; m < std::min(trial_of.size(), used_of.size()); ++m) metrics_row[trial_of[m]] = m;
  for (TrialRecord* trial : wanted) {
    const auto row = row_of_index.find(trial->index);
    const auto m = row == row_of_index.end() ? metrics_row.end() : metrics_row.find(static_cast<std::int64_t>(row->second));
    if (m == metrics_row.end()) throw H5Error(path + ":/trials (" + trial->id + "): done, but /metrics has no row for it");
    std::array<std::vector<double>, kPerClassColumns.size()> per_class;
    std::size_t classes = 0;
    for (std::size_t c = 0; c < kPerClassColumns.size(); ++c) {
      std::size_t cell = 0;
      per_class[c] = columns::read_double_rows(group.get(), kPerClassColumns[c], where, m->second, 1, &cell);
      if (c == 0) classes = cell;
      if (cell != classes) throw H5Error(where + "/" + kPerClassColumns[c] + ": not [rows, " + std::to_string(classes) + "]");
    }
    std::size_t cell = 0;
    const auto confusion = columns::read_int_rows(group.get(), "confusion_matrix", where, m->second, 1, &cell);
    if (cell != classes * classes)
      throw H5Error(where + "/confusion_matrix: not [rows, " + std::to_string(classes) + ", " + std::to_string(classes) + "]");
    set_class_metrics(*trial->result,
                      {per_class[0].data(), per_class[1].data(), per_class[2].data(), per_class[3].data(), confusion.data()},
                      classes, used_of[m->second], m->second, path);
  }
}

}  // namespace aecnn::store
