#pragma once
// Private helpers of the store: an owning HDF5 id and typed attribute/dataset access.
// Nothing outside src/store sees a raw hid_t.
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "aecnn/store/results_file.hpp"
#include "aecnn/sweep/value.hpp"

namespace aecnn::store::h5 {

/// Owns one HDF5 id and closes it with the matching H5*close.
class Id {
 public:
  Id() = default;
  /// Throws H5Error(what) if `id` is negative (the HDF5 call failed).
  Id(hid_t id, herr_t (*close)(hid_t), const std::string& what);
  Id(Id&& other) noexcept;
  Id& operator=(Id&& other) noexcept;
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  ~Id();
  hid_t get() const noexcept { return id_; }

 private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*close_)(hid_t) = nullptr;
};

/// Fixes the writer's metadata cache at 512 KiB. Every H5Fflush walks the whole cache (HDF5 1.10's
/// H5C_set_slist_enabled), and the default adaptive cache grows with the file: at 10,000 trials
/// that walk was a third of rank 0's time. 512 KiB holds a trial's working set (a checkpoint's
/// object headers included). Measured (bench/scheduler.sh, aecnn_bench_make_results): 10,000
/// no-op trials 20 s -> 15 s; 256 KiB was a little faster still but made a 10,000-trial file
/// with histories 15% larger (the group's heap rewritten as it grows); 512 KiB keeps the size.
void bound_metadata_cache(hid_t file, const std::string& path);
/// Turns off HDF5's own error printing: we report one line of our own instead.
void silence_library_errors();
/// What HDF5 itself reported for the call that just failed (the innermost error).
std::string library_error();

bool exists(hid_t location, const std::string& path);
Id open_group(hid_t location, const std::string& path, const std::string& file);
Id create_group(hid_t location, const std::string& path, const std::string& file);

void write_attr(hid_t object, const std::string& name, const std::string& value);
void write_attr(hid_t object, const std::string& name, std::int64_t value);
void write_attr(hid_t object, const std::string& name, double value);
void write_attr(hid_t object, const std::string& name, const sweep::Value& value);

bool has_attr(hid_t object, const std::string& name);
/// Reads an integer, float or string attribute as a Value. Throws H5Error if absent.
sweep::Value read_attr(hid_t object, const std::string& name, const std::string& where);
std::string read_string_attr(hid_t object, const std::string& name, const std::string& where);
std::int64_t read_int_attr(hid_t object, const std::string& name, const std::string& where);
double read_double_attr(hid_t object, const std::string& name, const std::string& where);
/// Names of all attributes of `object`, in creation order where tracked, else by name.
std::vector<std::string> attr_names(hid_t object);
/// A trial group's `config/` attributes as the sweep's values (booleans, stored as integers, typed back).
sweep::ConfigMap read_config(hid_t trial, const std::string& where);
/// Names of the links in a group, by name.
std::vector<std::string> member_names(hid_t group);

/// Fixed-size datasets: 1-D doubles, 1-D or 2-D int64 (`cols` > 0 makes rows x cols), strings.
void write_array(hid_t group, const std::string& name, const std::vector<double>& values, const std::string& where);
void write_array(hid_t group, const std::string& name, const std::vector<std::int64_t>& values, std::size_t cols,
                 const std::string& where);
void write_strings(hid_t group, const std::string& name, const std::vector<std::string>& values,
                   const std::string& where);
/// An N-D float32 dataset of `shape` (row-major `values`); a 2-D float64 table of `cols` columns;
/// a 1-D uint8 dataset. Rewritten in place when the dataset exists with the same shape and type
/// (no new space in the file), else replaced.
void write_floats(hid_t group, const std::string& name, const std::vector<float>& values,
                  const std::vector<std::int64_t>& shape, const std::string& where);
void write_table(hid_t group, const std::string& name, const std::vector<double>& values, std::size_t cols,
                 const std::string& where);
void write_bytes(hid_t group, const std::string& name, const std::vector<std::uint8_t>& values,
                 const std::string& where);
std::vector<float> read_floats(hid_t group, const std::string& name, std::vector<std::int64_t>& shape,
                               const std::string& where);
std::vector<std::uint8_t> read_bytes(hid_t group, const std::string& name, const std::string& where);

/// Points the soft link `name` in `group` at `target` (a path relative to the group).
void set_soft_link(hid_t group, const std::string& name, const std::string& target, const std::string& where);
/// Removes the link `name` from `group` if it is there.
void remove_link(hid_t group, const std::string& name);

/// Reads a numeric dataset of any shape, flattened.
std::vector<double> read_array(hid_t group, const std::string& name, const std::string& where);

/// A 1-D dataset of doubles (or int32 when `integer`) that grows one row at a time.
void create_column(hid_t group, const std::string& name, bool integer, const std::string& where);
void append_to_column(hid_t group, const std::string& name, double value, const std::string& where);
std::vector<double> read_column(hid_t group, const std::string& name, const std::string& where);

}  // namespace aecnn::store::h5
