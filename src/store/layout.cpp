#include "layout.hpp"

#include <vector>

#include "checkpoint_io.hpp"
#include "columns.hpp"
#include "h5.hpp"
#include "trial_tables.hpp"

namespace aecnn::store::layout {
namespace {

enum class Kind { kInteger, kNumber, kString, kAny };

struct Expected {
  std::string name;
  Kind kind;
  int dimensions = 1;
};

bool is_kind(H5T_class_t type_class, Kind kind) {
  switch (kind) {
    case Kind::kInteger: return type_class == H5T_INTEGER;
    case Kind::kNumber: return type_class == H5T_INTEGER || type_class == H5T_FLOAT;
    case Kind::kString: return type_class == H5T_STRING;
    case Kind::kAny: return type_class == H5T_INTEGER || type_class == H5T_FLOAT || type_class == H5T_STRING;
  }
  return false;
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kInteger: return "integers";
    case Kind::kNumber: return "numbers";
    case Kind::kString: return "strings";
    case Kind::kAny: return "numbers or strings";
  }
  return "";
}

// One table's columns as they are, checked one by one against what they should be.
class TableCheck {
 public:
  TableCheck(hid_t file, const char* table, const std::string& path)
      : group_(h5::open_group(file, std::string("/") + table, path)), where_(path + ":/" + table) {}

  bool empty() const { return h5::member_names(group_.get()).empty(); }
  std::vector<std::string> members() const { return h5::member_names(group_.get()); }

  // The column's dimensions, after checking its kind and number of dimensions and that it has
  // `rows` rows (the first column checked sets them when `rows` is unset).
  std::vector<hsize_t> column(const Expected& expected) {
    const columns::Shape shape = columns::inspect(group_.get(), expected.name, where_);
    const std::string what = where_ + "/" + expected.name;
    if (!is_kind(shape.type_class, expected.kind))
      throw H5Error(what + ": not a column of " + std::string(kind_name(expected.kind)) + " (a damaged results file)");
    if (shape.dims.size() != static_cast<std::size_t>(expected.dimensions))
      throw H5Error(what + ": has " + std::to_string(shape.dims.size()) + " dimension(s), expected " +
                    std::to_string(expected.dimensions) + " (a damaged results file)");
    if (first_.empty()) {
      first_ = what;
      rows_ = shape.dims[0];
    } else if (shape.dims[0] != rows_) {
      throw LengthMismatch(what + ": " + std::to_string(shape.dims[0]) + " rows, but " + first_ + " has " +
                           std::to_string(rows_) + " (a damaged results file)");
    }
    return shape.dims;
  }
  // The next columns must have `rows` rows, as another table's.
  void rows_as(hsize_t rows, const std::string& of) { rows_ = rows, first_ = of; }
  hsize_t rows() const { return rows_; }
  const std::string& where() const { return where_; }

 private:
  h5::Id group_;
  std::string where_;
  std::string first_;
  hsize_t rows_ = 0;
};

Kind kind_of(columns::Type type) {
  switch (type) {
    case columns::Type::kInt32:
    case columns::Type::kInt64: return Kind::kInteger;
    case columns::Type::kFloat64: return Kind::kNumber;
    case columns::Type::kString:
    case columns::Type::kStatus: return Kind::kString;
  }
  return Kind::kAny;
}

hsize_t check_trials(hid_t file, const std::string& path) {
  TableCheck trials(file, "trials", path);
  for (const auto& c : trial_columns()) trials.column({c.name, kind_of(static_cast<columns::Type>(c.type))});
  TableCheck config(file, "config", path);
  config.rows_as(trials.rows(), trials.where() + "/id");
  for (const auto& key : config.members()) config.column({key, Kind::kAny});
  return trials.rows();
}

void check_history(hid_t file, const std::string& path) {
  TableCheck history(file, "history", path);
  history.column({"trial", Kind::kInteger});
  for (const char* c : kHistoryColumns) history.column({c, std::string(c) == "epoch" ? Kind::kInteger : Kind::kNumber});
}

// /metrics exists from a sweep's first done trial on.
void check_metrics(hid_t file, const std::string& path) {
  TableCheck metrics(file, "metrics", path);
  if (metrics.empty()) return;
  metrics.column({"trial", Kind::kInteger});
  metrics.column({"classes", Kind::kInteger});
  for (const char* c : metric_columns()) metrics.column({c, Kind::kNumber});
  hsize_t classes = 0;
  for (const char* c : {"class_precision", "class_recall", "class_f1", "class_support"}) {
    const auto dims = metrics.column({c, Kind::kNumber, 2});
    if (classes == 0) classes = dims[1];
    if (dims[1] != classes || classes == 0)
      throw H5Error(metrics.where() + "/" + c + ": " + std::to_string(dims[1]) + " classes a row, class_precision has " +
                    std::to_string(classes) + " (a damaged results file)");
  }
  const auto confusion = metrics.column({"confusion_matrix", Kind::kInteger, 3});
  if (confusion[1] != classes || confusion[2] != classes)
    throw H5Error(metrics.where() + "/confusion_matrix: not " + std::to_string(classes) + " x " +
                  std::to_string(classes) + " a row (a damaged results file)");
}

void check_provenance(hid_t file, const std::string& path) {
  TableCheck provenance(file, "provenance", path);
  for (const char* c : provenance_columns()) {
    const std::string name = c;
    const bool count = name == "cpus_online" || name == "cpus_allowed" || name == "threads";
    provenance.column({name, count ? Kind::kInteger : Kind::kString});
  }
}

}  // namespace

void check_tables(hid_t file, const std::string& path) {
  for (const char* table : {"trials", "config", "history", "metrics", "provenance"})
    if (!h5::exists(file, std::string("/") + table))
      throw H5Error(path + ":/" + table + ": missing (a damaged results file)");
  check_trials(file, path);
  check_history(file, path);
  check_metrics(file, path);
  check_provenance(file, path);
}

}  // namespace aecnn::store::layout
