#include "checkpoint_io.hpp"

#include "h5.hpp"

namespace aecnn::store::checkpoint_io {
namespace {

constexpr const char* kSlots[] = {"slot_0", "slot_1"};

void write_arrays(hid_t slot, const char* name, const std::vector<train::NamedArray>& arrays,
                  const std::string& where) {
  const std::string at = where + "/" + name;
  h5::Id group = h5::exists(slot, name) ? h5::open_group(slot, name, where) : h5::create_group(slot, name, where);
  for (const auto& array : arrays) h5::write_floats(group.get(), array.name, array.values, array.shape, at);
}

// The arrays in the order the model lists them, which is creation order: HDF5 lists links by
// name unless told to track order, so the order is kept in an attribute.
std::vector<train::NamedArray> read_arrays(hid_t slot, const char* name, const std::string& where) {
  if (!h5::exists(slot, name)) return {};
  const std::string at = where + "/" + name;
  h5::Id group = h5::open_group(slot, name, where);
  std::vector<train::NamedArray> arrays;
  const std::string order = h5::read_string_attr(group.get(), "order", at);
  std::size_t start = 0;
  while (start < order.size()) {
    std::size_t end = order.find(',', start);
    if (end == std::string::npos) end = order.size();
    train::NamedArray array;
    array.name = order.substr(start, end - start);
    array.values = h5::read_floats(group.get(), array.name, array.shape, at);
    arrays.push_back(std::move(array));
    start = end + 1;
  }
  return arrays;
}

void write_order(hid_t slot, const char* name, const std::vector<train::NamedArray>& arrays, const std::string& where) {
  std::string order;
  for (const auto& array : arrays) order += (order.empty() ? "" : ",") + array.name;
  h5::Id group = h5::open_group(slot, name, where);
  h5::write_attr(group.get(), "order", order);
}

}  // namespace

std::string next_slot(hid_t parent, const std::string& group_name, const std::string& where) {
  if (!h5::exists(parent, group_name)) {
    h5::create_group(parent, group_name, where);
    return kSlots[0];
  }
  h5::Id group = h5::open_group(parent, group_name, where);
  if (!h5::has_attr(group.get(), "latest")) return kSlots[0];
  return h5::read_string_attr(group.get(), "latest", where + "/" + group_name) == kSlots[0] ? kSlots[1] : kSlots[0];
}

void write_slot(hid_t parent, const std::string& group_name, const std::string& slot_name, const train::Checkpoint& cp, const std::string& where) {
  h5::Id group = h5::open_group(parent, group_name, where);
  const std::string at = where + "/" + group_name + "/" + slot_name;
  h5::Id slot = h5::exists(group.get(), slot_name) ? h5::open_group(group.get(), slot_name, where)
                                                   : h5::create_group(group.get(), slot_name, where);
  const hid_t s = slot.get();
  h5::write_attr(s, "epochs_done", static_cast<std::int64_t>(cp.epochs_done));
  h5::write_attr(s, "lr", cp.lr);
  h5::write_attr(s, "stop_wait", static_cast<std::int64_t>(cp.stop_wait));
  h5::write_attr(s, "best_epoch", static_cast<std::int64_t>(cp.best_epoch));
  h5::write_attr(s, "best_val_loss", cp.best_val_loss);
  h5::write_attr(s, "seconds", cp.seconds);
  write_arrays(s, "model", cp.model, at);
  write_order(s, "model", cp.model, at);
  write_arrays(s, "best_model", cp.best_model, at);
  write_order(s, "best_model", cp.best_model, at);
  h5::write_bytes(s, "optimizer", cp.optimizer, at);
  std::vector<double> rows;
  for (const auto& record : cp.history) {
    const auto row = history_row(record);
    rows.insert(rows.end(), row.begin(), row.end());
  }
  h5::write_table(s, "history", rows, kHistoryColumns.size(), at);
}

void make_latest(hid_t parent, const std::string& group_name, const std::string& slot, int epochs_done, const std::string& where) {
  h5::Id group = h5::open_group(parent, group_name, where);
  h5::write_attr(group.get(), "latest", slot);
  h5::write_attr(group.get(), "epochs_done", static_cast<std::int64_t>(epochs_done));
  h5::set_soft_link(group.get(), "latest", slot, where + "/" + group_name);
}

std::optional<train::Checkpoint> read_latest(hid_t parent, const std::string& group_name, const std::string& where, bool with_optimizer) {
  if (!h5::exists(parent, group_name)) return std::nullopt;
  h5::Id group = h5::open_group(parent, group_name, where);
  if (!h5::has_attr(group.get(), "latest")) return std::nullopt;
  const std::string slot_name = h5::read_string_attr(group.get(), "latest", where + "/" + group_name);
  const std::string at = where + "/" + group_name + "/" + slot_name;
  h5::Id slot = h5::open_group(group.get(), slot_name, where);
  const hid_t s = slot.get();
  train::Checkpoint cp;
  cp.epochs_done = static_cast<int>(h5::read_int_attr(s, "epochs_done", at));
  cp.lr = h5::read_double_attr(s, "lr", at);
  cp.stop_wait = static_cast<int>(h5::read_int_attr(s, "stop_wait", at));
  cp.best_epoch = static_cast<int>(h5::read_int_attr(s, "best_epoch", at));
  cp.best_val_loss = h5::read_double_attr(s, "best_val_loss", at);
  cp.model = read_arrays(s, "model", at);
  cp.best_model = read_arrays(s, "best_model", at);
  if (with_optimizer) cp.optimizer = h5::read_bytes(s, "optimizer", at);
  const std::vector<double> rows = h5::read_array(s, "history", at);
  for (std::size_t i = 0; i + kHistoryColumns.size() <= rows.size(); i += kHistoryColumns.size())
    cp.history.push_back(from_history_row(&rows[i]));
  if (cp.history.size() != static_cast<std::size_t>(cp.epochs_done) || cp.model.empty())
    throw H5Error(at + ": incomplete checkpoint");
  // Checkpoints written before `seconds` was recorded: the epochs' own time, the most of it.
  if (h5::has_attr(s, "seconds")) cp.seconds = h5::read_double_attr(s, "seconds", at);
  else
    for (const auto& record : cp.history) cp.seconds += record.epoch_seconds;
  return cp;
}

bool drop_resume_state(hid_t parent, const std::string& group_name) {
  if (!h5::exists(parent, group_name)) return false;
  h5::Id group = h5::open_group(parent, group_name, "");
  if (!h5::has_attr(group.get(), "latest")) return false;
  const std::string latest = h5::read_string_attr(group.get(), "latest", "");
  for (const char* slot : kSlots)
    if (latest != slot) h5::remove_link(group.get(), slot);
  h5::Id kept = h5::open_group(group.get(), latest, "");
  h5::remove_link(kept.get(), "optimizer");
  return true;
}

bool drop_checkpoints(hid_t parent, const std::string& group_name) {
  if (!h5::exists(parent, group_name)) return false;
  h5::remove_link(parent, group_name);
  return true;
}

std::vector<train::EpochRecord> read_history(hid_t trial, const std::string& where) {
  h5::Id history = h5::open_group(trial, "history", where);
  const std::string at = where + "/history";
  std::vector<std::vector<double>> columns;
  for (const char* column : kHistoryColumns) columns.push_back(h5::read_column(history.get(), column, at));
  // A kill between two column appends can leave one column a row longer: keep whole rows only.
  std::size_t rows = columns.front().size();
  for (const auto& column : columns) rows = std::min(rows, column.size());
  std::vector<train::EpochRecord> records;
  std::array<double, kHistoryColumns.size()> row{};
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t c = 0; c < columns.size(); ++c) row[c] = columns[c][i];
    records.push_back(from_history_row(row.data()));
  }
  return records;
}

}  // namespace aecnn::store::checkpoint_io
