#include "trial_tables.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "aecnn/data/fashion_mnist.hpp"
#include "aecnn/sweep/schema.hpp"
#include "checkpoint_io.hpp"
#include "columns.hpp"
#include "h5.hpp"

namespace aecnn::store {
namespace {

using columns::Type;

// Chunks small enough that a commit rewrites little: a batch of trials dirties one chunk per
// column, and the commit journals and writes each dirty 4 KiB page twice, so 64 rows of int64
// (512 bytes) a chunk, not 1,024 (8 KiB: a 10,000-trial no-op sweep's commits then wrote 30 times
// what they changed). Tiny sweeps get smaller ones still. 100,000 trials make 1,563 chunks a
// column, which HDF5's chunk index holds easily. The history's and the metrics' chunks follow
// from the trials' (read back from /trials/id when a file is reopened).
hsize_t trial_chunk_for(std::size_t trials) {
  hsize_t rows = 16;
  while (rows < trials && rows < 64) rows *= 2;
  return rows;
}
hsize_t history_chunk(hsize_t trial_chunk) { return trial_chunk * 8; }
hsize_t metrics_chunk(hsize_t trial_chunk) { return std::min<hsize_t>(16, trial_chunk); }
constexpr hsize_t kProvenanceChunk = 16;
const double kNaN = std::numeric_limits<double>::quiet_NaN();

const char* const kGroups[] = {"trials", "config", "history", "metrics", "provenance"};
enum GroupIndex { kTrials, kConfig, kHistory, kMetrics, kProvenance };

Type config_type(const std::string& key, const sweep::Value& value) {
  if (const sweep::KeySpec* spec = sweep::find_key(key)) {
    switch (spec->kind) {
      case sweep::ValueKind::kBool:
      case sweep::ValueKind::kInt: return Type::kInt64;
      case sweep::ValueKind::kFloat: return Type::kFloat64;
      case sweep::ValueKind::kString: return Type::kString;
    }
  }
  if (std::holds_alternative<double>(value)) return Type::kFloat64;
  if (std::holds_alternative<std::string>(value)) return Type::kString;
  return Type::kInt64;
}

// Writes `values` (one per row, all of the column's type) from row `first` of a config column.
void write_config_values(const columns::Handle& column, Type type, hsize_t first,
                         const std::vector<sweep::Value>& values) {
  if (type == Type::kString) {
    std::vector<std::string> strings;
    for (const auto& v : values) strings.push_back(std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : "");
    columns::write(column, first, strings);
  } else if (type == Type::kFloat64) {
    std::vector<double> numbers;
    for (const auto& v : values)
      numbers.push_back(std::holds_alternative<double>(v) ? std::get<double>(v)
                        : std::holds_alternative<std::int64_t>(v) ? static_cast<double>(std::get<std::int64_t>(v))
                                                                   : kNaN);
    columns::write(column, first, numbers);
  } else {
    std::vector<std::int64_t> numbers;
    for (const auto& v : values)
      numbers.push_back(std::holds_alternative<bool>(v) ? std::int64_t{std::get<bool>(v)}
                        : std::holds_alternative<std::int64_t>(v) ? std::get<std::int64_t>(v)
                                                                   : 0);
    columns::write(column, first, numbers);
  }
}

// The value a config key holds in a row no trial has configured: the schema's default.
sweep::Value config_default(const std::string& key, Type type) {
  if (const sweep::KeySpec* spec = sweep::find_key(key)) return spec->default_value;
  if (type == Type::kString) return std::string();
  if (type == Type::kFloat64) return kNaN;
  return std::int64_t{0};
}

std::string provenance_key(const std::vector<std::string>& fields) {
  std::string key;
  for (const auto& field : fields) key += field + '\x1f';
  return key;
}

void write_string_list_attr(hid_t object, const char* name, const std::vector<std::string>& values,
                            const std::string& where) {
  std::vector<const char*> pointers;
  for (const auto& v : values) pointers.push_back(v.c_str());
  h5::Id type(H5Tcopy(H5T_C_S1), H5Tclose, where);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  const hsize_t count = values.size();
  h5::Id space(H5Screate_simple(1, &count, nullptr), H5Sclose, where);
  if (H5Aexists(object, name) > 0) H5Adelete(object, name);
  h5::Id attr(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              where + ": cannot create attribute " + name);
  if (H5Awrite(attr.get(), type.get(), pointers.data()) < 0) throw H5Error(where + ": cannot write attribute " + name);
}

}  // namespace

const std::vector<TrialColumn>& trial_columns() {
  static const std::vector<TrialColumn> kColumns = {
      {"id", int(Type::kString), 0},          {"experiment", int(Type::kString), 0},
      {"index", int(Type::kInt64), -1},       {"hash", int(Type::kString), 0},
      {"varying", int(Type::kString), 0},     {"status", int(Type::kStatus), 0},
      {"attempts", int(Type::kInt64), 0},     {"failures", int(Type::kInt64), 0},
      {"resumed_from_epoch", int(Type::kInt64), 0}, {"ranks", int(Type::kString), 0},
      {"suggested_after", int(Type::kInt64), -1},   {"started", int(Type::kFloat64), 0},
      {"finished", int(Type::kFloat64), 0},   {"error", int(Type::kString), 0},
      {"stop_reason", int(Type::kString), 0}, {"wall_seconds", int(Type::kFloat64), 0},
      {"params_trainable", int(Type::kInt64), 0}, {"params_total", int(Type::kInt64), 0},
      {"threads", int(Type::kInt64), 0},      {"train_images", int(Type::kInt64), 0},
      {"validation_images", int(Type::kInt64), 0}, {"test_images", int(Type::kInt64), 0},
      {"device", int(Type::kString), 0},      {"epochs_run", int(Type::kInt64), 0},
      {"best_epoch", int(Type::kInt64), 0},   {"stopped_early", int(Type::kInt64), 0},
      {"restored_best", int(Type::kInt64), 0}, {"peak_memory_bytes", int(Type::kInt64), -1},
      {"memory_baseline_bytes", int(Type::kInt64), -1}, {"memory_measure", int(Type::kString), 0},
      {"provenance", int(Type::kInt64), -1},  {"weights_dropped", int(Type::kString), 0},
  };
  return kColumns;
}

const std::vector<const char*>& metric_columns() {
  static const std::vector<const char*> kColumns = {"test_loss",        "test_accuracy",   "test_precision_weighted",
                                                    "test_recall_weighted", "test_f1_weighted", "train_eval_loss",
                                                    "train_eval_accuracy"};
  return kColumns;
}

const std::vector<const char*>& provenance_columns() {
  static const std::vector<const char*> kColumns = {"host", "cpu_model", "cpus_online", "cpus_allowed", "threads",
                                                    "device", "libtorch", "cpu_capability", "blas", "mpi", "hdf5",
                                                    "compiler", "tool_version", "command_line"};
  return kColumns;
}

namespace {
bool is_int_provenance(const std::string& name) {
  return name == "cpus_online" || name == "cpus_allowed" || name == "threads";
}
}  // namespace

void TrialTables::create(hid_t file, const std::string& path, std::size_t expected_trials) {
  const hsize_t trial_chunk = trial_chunk_for(expected_trials);
  for (const char* name : kGroups) h5::create_group(file, std::string("/") + name, path);
  {
    h5::Id trials = h5::open_group(file, "/trials", path);
    for (const auto& c : trial_columns())
      columns::create(trials.get(), c.name, static_cast<Type>(c.type), trial_chunk, path + ":/trials");
  }
  {
    h5::Id history = h5::open_group(file, "/history", path);
    columns::create(history.get(), "trial", Type::kInt64, history_chunk(trial_chunk), path + ":/history");
    for (const char* c : kHistoryColumns)
      columns::create(history.get(), c, std::string(c) == "epoch" ? Type::kInt64 : Type::kFloat64, history_chunk(trial_chunk),
                      path + ":/history");
  }
  {
    h5::Id provenance = h5::open_group(file, "/provenance", path);
    for (const char* c : provenance_columns())
      columns::create(provenance.get(), c, is_int_provenance(c) ? Type::kInt64 : Type::kString, kProvenanceChunk,
                      path + ":/provenance");
  }
}

namespace {
// An open table group for one operation.
h5::Id table(hid_t file, const char* name, const std::string& path) {
  return h5::open_group(file, std::string("/") + name, path);
}
std::string where_of(const std::string& path, const char* name) { return path + ":/" + name; }
}  // namespace

TrialTables::TrialTables(hid_t file, std::string path) : file_(file), path_(std::move(path)) {
  {
    h5::Id trials = table(file_, "trials", path_);
    ids_ = columns::read_strings(trials.get(), "id", where_of(path_, "trials"));
    trial_chunk_ = columns::chunk_rows(trials.get(), "id", where_of(path_, "trials"));
  }
  row_of_.assign(ids_);
  history_of_.resize_owners(ids_.size());
  metrics_of_.resize_owners(ids_.size());
  {
    h5::Id config = table(file_, "config", path_);
    config_columns_ = h5::member_names(config.get());
  }
  {
    h5::Id history = table(file_, "history", path_);
    const auto trial = columns::read_ints(history.get(), "trial", where_of(path_, "history"));
    history_rows_ = trial.size();
    for (hsize_t r = 0; r < trial.size(); ++r)
      if (trial[r] >= 0 && static_cast<std::size_t>(trial[r]) < ids_.size()) history_of_.append(trial[r], r);
  }
  {
    h5::Id metrics = table(file_, "metrics", path_);
    if (h5::exists(metrics.get(), "trial")) {
      const auto trial = columns::read_ints(metrics.get(), "trial", where_of(path_, "metrics"));
      metrics_rows_ = trial.size();
      for (hsize_t r = 0; r < trial.size(); ++r)
        if (trial[r] >= 0 && static_cast<std::size_t>(trial[r]) < ids_.size()) metrics_of_.append(trial[r], r);
      std::size_t cell = 0;
      columns::read_doubles(metrics.get(), "class_support", where_of(path_, "metrics"), &cell);
      classes_ = cell;
    }
  }
  {
    h5::Id provenance = table(file_, "provenance", path_);
    const std::string where = where_of(path_, "provenance");
    std::vector<std::vector<std::string>> fields;
    for (const char* c : provenance_columns()) {
      std::vector<std::string> column;
      if (is_int_provenance(c))
        for (auto v : columns::read_ints(provenance.get(), c, where)) column.push_back(std::to_string(v));
      else
        column = columns::read_strings(provenance.get(), c, where);
      fields.push_back(std::move(column));
    }
    provenance_rows_ = fields.front().size();
    for (hsize_t r = 0; r < provenance_rows_; ++r) {
      std::vector<std::string> record;
      for (const auto& column : fields) record.push_back(r < column.size() ? column[r] : "");
      provenance_[provenance_key(record)] = static_cast<std::int64_t>(r);
    }
  }
}

const columns::Handle& TrialTables::column(const char* table_name, const std::string& name) const {
  const std::string key = std::string(table_name) + "/" + name;
  auto it = open_.find(key);
  if (it != open_.end()) return it->second;
  h5::Id group = table(file_, table_name, path_);
  return open_.emplace(key, columns::open(group.get(), name, where_of(path_, table_name))).first->second;
}

void TrialTables::resize_trials(hsize_t rows) {
  const hsize_t old = ids_.size();
  if (rows <= old) return;
  const hsize_t added = rows - old;
  for (const auto& c : trial_columns()) {
    const columns::Handle& handle = column("trials", c.name);
    columns::resize(handle, rows);
    switch (static_cast<Type>(c.type)) {
      case Type::kString: break;  // allocated empty (columns::create)
      case Type::kStatus: columns::write(handle, old, std::vector<std::string>(added, kStatusPending)); break;
      case Type::kFloat64: columns::write(handle, old, std::vector<double>(added, kNaN)); break;
      default: columns::write(handle, old, std::vector<std::int64_t>(added, c.initial));
    }
  }
  for (const auto& key : config_columns_) {
    const columns::Handle& handle = column("config", key);
    const Type type = columns::type_of(handle);
    columns::resize(handle, rows);
    write_config_values(handle, type, old, std::vector<sweep::Value>(added, config_default(key, type)));
  }
  ids_.resize(rows);
  history_of_.resize_owners(rows);
  metrics_of_.resize_owners(rows);
}

void TrialTables::ensure_config_column(const std::string& key, const sweep::Value& value) {
  if (std::find(config_columns_.begin(), config_columns_.end(), key) != config_columns_.end()) return;
  const Type type = config_type(key, value);
  {
    h5::Id config = table(file_, "config", path_);
    columns::create(config.get(), key, type, trial_chunk_, where_of(path_, "config"));
  }
  const columns::Handle& handle = column("config", key);
  columns::resize(handle, ids_.size());
  write_config_values(handle, type, 0, std::vector<sweep::Value>(ids_.size(), config_default(key, type)));
  config_columns_.push_back(key);
}

void TrialTables::add_rows(const std::vector<sweep::TrialSpec>& trials) {
  hsize_t rows = ids_.size();
  for (const auto& t : trials) rows = std::max<hsize_t>(rows, static_cast<hsize_t>(t.index) + 1);
  resize_trials(rows);
  // The trials without a row of their own, in runs of consecutive rows written column by column.
  std::vector<const sweep::TrialSpec*> fresh;
  for (const auto& t : trials)
    if (ids_[t.index].empty()) fresh.push_back(&t);
  std::sort(fresh.begin(), fresh.end(), [](auto* a, auto* b) { return a->index < b->index; });
  for (std::size_t begin = 0; begin < fresh.size();) {
    std::size_t end = begin + 1;
    while (end < fresh.size() && fresh[end]->index == fresh[end - 1]->index + 1) ++end;
    const hsize_t first = static_cast<hsize_t>(fresh[begin]->index);
    std::vector<std::string> ids, experiments, hashes, varying;
    std::vector<std::int64_t> indexes;
    for (std::size_t i = begin; i < end; ++i) {
      const auto& t = *fresh[i];
      ids.push_back(t.id);
      experiments.push_back(t.experiment);
      hashes.push_back(t.hash);
      std::string joined;
      for (const auto& key : t.varying) joined += (joined.empty() ? "" : ",") + key;
      varying.push_back(joined);
      indexes.push_back(t.index);
    }
    columns::write(column("trials", "id"), first, ids);
    columns::write(column("trials", "experiment"), first, experiments);
    columns::write(column("trials", "index"), first, indexes);
    columns::write(column("trials", "hash"), first, hashes);
    columns::write(column("trials", "varying"), first, varying);
    for (const auto& [key, value] : fresh[begin]->config.resolved()) {
      ensure_config_column(key, value);
      const Type type = columns::type_of(column("config", key));
      std::vector<sweep::Value> values;
      for (std::size_t i = begin; i < end; ++i) {
        const sweep::Value* found = fresh[i]->config.get(key);
        values.push_back(found != nullptr ? *found : config_default(key, type));
      }
      write_config_values(column("config", key), type, first, values);
    }
    for (std::size_t i = begin; i < end; ++i) {
      ids_[fresh[i]->index] = fresh[i]->id;
      row_of_.insert(ids_, static_cast<std::size_t>(fresh[i]->index));
    }
    begin = end;
  }
}

hsize_t TrialTables::row(const sweep::TrialSpec& trial) {
  const auto r = static_cast<hsize_t>(trial.index);
  if (r < ids_.size() && ids_[r] == trial.id) return r;
  if (r < ids_.size() && !ids_[r].empty())
    throw H5Error(path_ + ":/trials: row " + std::to_string(r) + " holds trial '" + ids_[r] + "', not '" + trial.id + "'");
  add_rows({trial});
  return r;
}

std::int64_t TrialTables::find(const std::string& id) const {
  return row_of_.find(ids_, id);
}

void TrialTables::write_config(hsize_t row, const sweep::ConfigMap& config) {
  for (const auto& [key, value] : config) {
    ensure_config_column(key, value);
    const columns::Handle& handle = column("config", key);
    write_config_values(handle, columns::type_of(handle), row, {value});
  }
}

void TrialTables::flush() const {
  for (const auto& entry : open_) columns::flush(entry.second);
}

void TrialTables::set(hsize_t row, const char* name, std::int64_t value) { columns::write_cell(column("trials", name), row, value); }
void TrialTables::set(hsize_t row, const char* name, double value) { columns::write_cell(column("trials", name), row, value); }
void TrialTables::set(hsize_t row, const char* name, const std::string& value) {
  columns::write_cell(column("trials", name), row, value);
}
std::int64_t TrialTables::get_int(hsize_t row, const char* name) const {
  return static_cast<std::int64_t>(columns::read_cell(column("trials", name), row));
}

void TrialTables::mark_dropped(const char* table_name, const std::vector<hsize_t>& rows) {
  for (hsize_t r : rows) columns::write_cell(column(table_name, "trial"), r, std::int64_t{-1});
}

void TrialTables::append_history(hsize_t row, const std::vector<train::EpochRecord>& records) {
  if (records.empty()) return;
  const hsize_t first = history_rows_, rows = first + records.size();
  columns::append(column("history", "trial"), first, std::vector<std::int64_t>(records.size(), static_cast<std::int64_t>(row)));
  std::vector<std::vector<double>> values(kHistoryColumns.size());
  for (const auto& record : records) {
    const auto cells = history_row(record);
    for (std::size_t c = 0; c < cells.size(); ++c) values[c].push_back(cells[c]);
  }
  for (std::size_t c = 0; c < kHistoryColumns.size(); ++c) {
    const columns::Handle& handle = column("history", kHistoryColumns[c]);
    if (c == 0) columns::append(handle, first, std::vector<std::int64_t>(values[0].begin(), values[0].end()));
    else columns::append(handle, first, values[c]);
  }
  for (hsize_t r = first; r < rows; ++r) history_of_.append(row, r);
  history_rows_ = rows;
}

void TrialTables::drop_history(hsize_t row) {
  mark_dropped("history", history_of_.rows_of(row));
  history_of_.clear(row);
}

std::vector<train::EpochRecord> TrialTables::history(hsize_t row) const {
  const auto rows = history_of_.rows_of(row);
  if (rows.empty()) return {};
  std::vector<std::vector<double>> values;
  for (const char* c : kHistoryColumns) values.push_back(columns::read_doubles_at(column("history", c), rows));
  std::vector<train::EpochRecord> records;
  std::array<double, kHistoryColumns.size()> cells{};
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t c = 0; c < cells.size(); ++c) cells[c] = values[c][r];
    records.push_back(from_history_row(cells.data()));
  }
  return records;
}

void TrialTables::append_metrics(hsize_t row, const train::TrialResult& result) {
  const std::string where = where_of(path_, "metrics");
  // Per-class columns are as wide as the data set has classes; `classes` says how many of a
  // row's cells hold values (none for a benchmark's no-op trial), the rest NaN and 0.
  const std::size_t width = data::kClassNames.size(), classes = result.class_support.size();
  if (classes > width || result.class_precision.size() != classes || result.class_recall.size() != classes ||
      result.class_f1.size() != classes || result.confusion.size() != classes * classes)
    throw H5Error(where + ": a trial's metrics have " + std::to_string(classes) + " classes' support, " +
                  std::to_string(result.class_precision.size()) + " precisions and " +
                  std::to_string(result.confusion.size()) + " confusion cells; the table holds up to " +
                  std::to_string(width) + " classes");
  const hsize_t chunk = metrics_chunk(trial_chunk_);
  if (classes_ == 0) {
    h5::Id metrics = table(file_, "metrics", path_);
    columns::create(metrics.get(), "trial", Type::kInt64, chunk, where);
    for (const char* c : metric_columns()) columns::create(metrics.get(), c, Type::kFloat64, chunk, where);
    columns::create(metrics.get(), "classes", Type::kInt64, chunk, where);
    for (const char* c : {"class_precision", "class_recall", "class_f1"})
      columns::create(metrics.get(), c, Type::kFloat64, chunk, where, {width});
    columns::create(metrics.get(), "class_support", Type::kInt32, chunk, where, {width});
    columns::create(metrics.get(), "confusion_matrix", Type::kInt32, chunk, where, {width, width});
    write_string_list_attr(metrics.get(), "class_names",
                           std::vector<std::string>(data::kClassNames.begin(), data::kClassNames.end()), where);
    classes_ = width;
  }
  const hsize_t first = metrics_rows_, rows = first + 1;
  const auto append = [&](const char* name, const auto& values) { columns::append(column("metrics", name), first, values); };
  append("trial", std::vector<std::int64_t>{static_cast<std::int64_t>(row)});
  const double scalars[] = {result.test_loss,   result.test_accuracy,   result.test_precision, result.test_recall,
                            result.test_f1,     result.train_eval_loss, result.train_eval_accuracy};
  for (std::size_t c = 0; c < metric_columns().size(); ++c) append(metric_columns()[c], std::vector<double>{scalars[c]});
  append("classes", std::vector<std::int64_t>{static_cast<std::int64_t>(classes)});
  const auto padded = [&](const std::vector<double>& values) {
    std::vector<double> cells(width, kNaN);
    std::copy(values.begin(), values.end(), cells.begin());
    return cells;
  };
  append("class_precision", padded(result.class_precision));
  append("class_recall", padded(result.class_recall));
  append("class_f1", padded(result.class_f1));
  std::vector<std::int64_t> support(width, 0), confusion(width * width, 0);
  std::copy(result.class_support.begin(), result.class_support.end(), support.begin());
  for (std::size_t i = 0; i < classes; ++i)
    for (std::size_t j = 0; j < classes; ++j) confusion[i * width + j] = result.confusion[i * classes + j];
  append("class_support", support);
  append("confusion_matrix", confusion);
  metrics_of_.append(row, first);
  metrics_rows_ = rows;
}

void TrialTables::drop_metrics(hsize_t row) {
  mark_dropped("metrics", metrics_of_.rows_of(row));
  metrics_of_.clear(row);
}

std::int64_t TrialTables::provenance_row(const train::Provenance& p, std::int64_t threads, const std::string& hdf5,
                                         const std::string& command_line) {
  const std::vector<std::string> fields = {p.host,       p.cpu_model, std::to_string(p.cpus_online),
                                           std::to_string(p.cpus_allowed), std::to_string(threads),
                                           p.device,     p.libtorch,  p.cpu_capability,
                                           p.blas,       p.mpi,       hdf5,
                                           p.compiler,   p.tool_version, command_line};
  const std::string key = provenance_key(fields);
  if (auto it = provenance_.find(key); it != provenance_.end()) return it->second;
  const hsize_t row = provenance_rows_;
  for (std::size_t c = 0; c < fields.size(); ++c) {
    const char* name = provenance_columns()[c];
    const columns::Handle& handle = column("provenance", name);
    columns::resize(handle, row + 1);
    if (is_int_provenance(name)) columns::write_cell(handle, row, static_cast<std::int64_t>(std::stoll(fields[c])));
    else columns::write_cell(handle, row, fields[c]);
  }
  provenance_rows_ = row + 1;
  provenance_[key] = static_cast<std::int64_t>(row);
  return static_cast<std::int64_t>(row);
}

std::vector<sweep::LayeredConfig> read_configs(hid_t file, const std::string& path, std::size_t rows) {
  // A column with one value in every row (most keys of a sweep: everything but what it varies)
  // goes into one map all rows share; the rest are each row's own. 100,000 rows of 16 keys as
  // separate maps were 166 MB and a sixth of aecnn-analyze's time.
  auto shared = std::make_shared<sweep::ConfigMap>();
  std::vector<std::pair<std::string, std::vector<sweep::Value>>> varying;
  h5::Id config = table(file, "config", path);
  const std::string where = where_of(path, "config");
  for (const auto& key : h5::member_names(config.get())) {
    const sweep::KeySpec* spec = sweep::find_key(key);
    std::vector<sweep::Value> values;
    switch (columns::type_of(config.get(), key, where)) {
      case Type::kString:
      case Type::kStatus:
        for (auto& v : columns::read_strings(config.get(), key, where)) values.emplace_back(std::move(v));
        break;
      case Type::kFloat64:
        for (double v : columns::read_doubles(config.get(), key, where)) values.emplace_back(v);
        break;
      default: {
        const bool boolean = spec != nullptr && spec->kind == sweep::ValueKind::kBool;
        for (std::int64_t v : columns::read_ints(config.get(), key, where))
          values.push_back(boolean ? sweep::Value(v != 0) : sweep::Value(v));
      }
    }
    if (values.size() > rows) values.resize(rows);
    const bool one_value = rows > 0 && values.size() == rows &&
                           std::all_of(values.begin(), values.end(), [&](const sweep::Value& v) { return v == values.front(); });
    if (one_value) (*shared)[key] = values.front();
    else varying.emplace_back(key, std::move(values));
  }
  std::vector<sweep::LayeredConfig> configs(rows, sweep::LayeredConfig(shared));
  for (auto& [key, values] : varying)
    for (std::size_t r = 0; r < values.size(); ++r) configs[r][key] = std::move(values[r]);
  return configs;
}

}  // namespace aecnn::store
