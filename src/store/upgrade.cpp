#include "aecnn/store/upgrade.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "aecnn/build_info.hpp"
#include "aecnn/store/reader.hpp"
#include "aecnn/store/writer.hpp"
#include "checkpoint_io.hpp"
#include "columns.hpp"
#include "compaction.hpp"
#include "h5.hpp"
#include "reader_v1.hpp"
#include "trial_tables.hpp"

namespace aecnn::store {
namespace {

// Format 1's times, "2026-12-02T10:11:12.345Z", as format 2's UNIX seconds (NaN if unreadable).
double unix_seconds(const std::string& iso) {
  std::tm parts{};
  const char* rest = strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &parts);
  if (rest == nullptr) return std::numeric_limits<double>::quiet_NaN();
  double seconds = static_cast<double>(timegm(&parts));
  if (*rest == '.') seconds += std::strtod(rest, nullptr);
  return seconds;
}

// The columns of a trial's row that format 1 kept as attributes of its group, copied over.
void copy_trial_attributes(hid_t v1_trial, TrialTables& tables, hsize_t row, const std::string& where) {
  for (const auto& column : trial_columns()) {
    const std::string name = column.name;
    if (name == "id" || name == "experiment" || name == "index" || name == "hash" || name == "varying") continue;
    if (!h5::has_attr(v1_trial, name)) continue;
    switch (static_cast<columns::Type>(column.type)) {
      case columns::Type::kFloat64:
        if (name == "started" || name == "finished")
          tables.set(row, column.name, unix_seconds(h5::read_string_attr(v1_trial, name, where)));
        else
          tables.set(row, column.name, h5::read_double_attr(v1_trial, name, where));
        break;
      case columns::Type::kString:
      case columns::Type::kStatus: tables.set(row, column.name, h5::read_string_attr(v1_trial, name, where)); break;
      default: tables.set(row, column.name, h5::read_int_attr(v1_trial, name, where));
    }
  }
}

// A trial's `provenance/` group as a row of the deduplicated table.
void copy_provenance(hid_t v1_trial, TrialTables& tables, hsize_t row, const std::string& where) {
  if (!h5::exists(v1_trial, "provenance")) return;
  const std::string at = where + "/provenance";
  h5::Id group = h5::open_group(v1_trial, "provenance", where);
  const hid_t p = group.get();
  const auto text = [&](const char* name) {
    return h5::has_attr(p, name) ? h5::read_string_attr(p, name, at) : std::string();
  };
  const auto integer = [&](const char* name) {
    return h5::has_attr(p, name) ? h5::read_int_attr(p, name, at) : std::int64_t{0};
  };
  tables.set(row, "provenance", tables.provenance_row(provenance_from(text, integer), integer("threads"), text("hdf5"),
                                                      text("command_line")));
}

void convert(hid_t from, const std::string& path, hid_t to, const std::string& copy) {
  const std::vector<TrialRecord> records = format_v1::read_trials(from, path);
  std::size_t rows = 0;
  for (const auto& r : records) rows = std::max(rows, static_cast<std::size_t>(std::max(r.index, 0)) + 1);
  for (const auto& name : h5::attr_names(from)) {
    if (name == "format_version" || name == "space_not_reused") continue;  // dead space does not travel
    h5::write_attr(to, name == "tool_version" ? "upgraded_from_tool_version" : name, h5::read_attr(from, name, path));
  }
  h5::write_attr(to, "format_version", static_cast<std::int64_t>(kFormatVersion));
  h5::write_attr(to, "tool_version", std::string(tool_version()));
  TrialTables::create(to, copy, rows);
  h5::Id checkpoints = h5::create_group(to, "/checkpoints", copy);
  TrialTables tables(to, copy);

  std::vector<sweep::TrialSpec> specs;
  for (const auto& r : records) {
    sweep::TrialSpec spec;
    spec.id = r.id;
    spec.experiment = r.experiment;
    spec.index = r.index;
    spec.hash = r.hash;
    spec.config = r.config;
    spec.varying = r.varying;
    specs.push_back(std::move(spec));
  }
  tables.add_rows(specs);
  h5::Id v1_trials = h5::open_group(from, "/trials", path);
  for (const auto& r : records) {
    const std::string where = path + ":/trials/" + r.id;
    const auto row = static_cast<hsize_t>(r.index);
    h5::Id group = h5::open_group(v1_trials.get(), r.id, path);
    copy_trial_attributes(group.get(), tables, row, where);
    tables.append_history(row, r.history);
    if (r.result) tables.append_metrics(row, *r.result);
    copy_provenance(group.get(), tables, row, where);
    if (h5::exists(group.get(), "checkpoint") &&
        H5Ocopy(group.get(), "checkpoint", checkpoints.get(), r.id.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0)
      throw H5Error(where + "/checkpoint: cannot copy: " + h5::library_error());
  }
  tables.flush();
  // The pruners' and the sampler's tables have not changed.
  for (const char* table : {"pruning", "search"})
    if (h5::exists(from, table) && H5Ocopy(from, table, to, table, H5P_DEFAULT, H5P_DEFAULT) < 0)
      throw H5Error(path + ":/" + table + ": cannot copy: " + h5::library_error());
}

}  // namespace

std::string upgrade_results(const std::string& path) {
  h5::silence_library_errors();
  const std::string note = recover_results(path);
  if (!std::filesystem::exists(path)) throw H5Error(path + ": no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw H5Error(path + ": not an HDF5 file (not an aecnn-sweep results file)");
  const std::string copy = path + ".upgrading";
  std::error_code ignored;
  std::filesystem::remove(copy, ignored);  // a crashed upgrade's
  int version = 0;
  {
    h5::Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
                path + ": cannot open (another process writing it?)");
    const hid_t root = file.get();
    if (!h5::has_attr(root, "format") || h5::read_string_attr(root, "format", path) != kFormatName)
      throw H5Error(path + ": an HDF5 file, but not an aecnn-sweep results file (no 'format' attribute)");
    version = static_cast<int>(h5::read_int_attr(root, "format_version", path));
    if (version > kFormatVersion)
      throw H5Error(path + ": format version " + std::to_string(version) + " is newer than this tool writes (" +
                    std::to_string(kFormatVersion) + "); update aecnn-sweep");
    if (version == kFormatVersion)
      return (note.empty() ? "" : note + "\n") + path + ": already format " + std::to_string(version) + "; nothing to do";
    try {
      h5::Id target(H5Fcreate(copy.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT), H5Fclose, copy + ": cannot create");
      convert(root, path, target.get(), copy);
    } catch (...) {
      std::filesystem::remove(copy, ignored);
      throw;
    }
  }
  compaction::sync_file(copy);
  compaction::replace_with(path, copy);
  return (note.empty() ? "" : note + "\n") + path + ": converted from format " + std::to_string(version) +
         " to format " + std::to_string(kFormatVersion);
}

}  // namespace aecnn::store
