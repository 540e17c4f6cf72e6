#include "h5.hpp"

#include <utility>

#include "aecnn/sweep/schema.hpp"

namespace aecnn::store::h5 {
namespace {

// Variable-length UTF-8 strings: h5py reads them as `str`.
Id string_type(const std::string& where) {
  Id type(H5Tcopy(H5T_C_S1), H5Tclose, where);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

void write_scalar_attr(hid_t object, const std::string& name, hid_t file_type, hid_t memory_type,
                       const void* value) {
  const std::string where = "attribute '" + name + "'";
  if (H5Aexists(object, name.c_str()) > 0) H5Adelete(object, name.c_str());
  Id space(H5Screate(H5S_SCALAR), H5Sclose, where);
  Id attr(H5Acreate2(object, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose, where);
  if (H5Awrite(attr.get(), memory_type, value) < 0) throw H5Error("cannot write " + where);
}

}  // namespace

Id::Id(hid_t id, herr_t (*close)(hid_t), const std::string& what) : id_(id), close_(close) {
  if (id < 0) throw H5Error(what);
}
Id::Id(Id&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), close_(other.close_) {}
Id& Id::operator=(Id&& other) noexcept {
  if (this != &other) {
    if (id_ >= 0) close_(id_);
    id_ = std::exchange(other.id_, H5I_INVALID_HID);
    close_ = other.close_;
  }
  return *this;
}
Id::~Id() {
  if (id_ >= 0) close_(id_);
}

void bound_metadata_cache(hid_t file, const std::string& path) {
  H5AC_cache_config_t config;
  config.version = H5AC__CURR_CACHE_CONFIG_VERSION;
  if (H5Fget_mdc_config(file, &config) < 0) throw H5Error(path + ": cannot read the metadata cache settings");
  config.set_initial_size = true;
  config.initial_size = config.min_size = config.max_size = 512 * 1024;
  config.incr_mode = H5C_incr__off;
  config.flash_incr_mode = H5C_flash_incr__off;
  config.decr_mode = H5C_decr__off;
  if (H5Fset_mdc_config(file, &config) < 0) throw H5Error(path + ": cannot set the metadata cache size");
}

void silence_library_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

std::string library_error() {
  std::string message;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* error, void* data) -> herr_t {
        // The innermost entry says what HDF5 actually found ("truncated file: eof = ...").
        if (n == 0 && error->desc != nullptr) *static_cast<std::string*>(data) = error->desc;
        return 0;
      },
      &message);
  return message.empty() ? "unknown HDF5 error" : message;
}

bool exists(hid_t location, const std::string& path) {
  return H5Lexists(location, path.c_str(), H5P_DEFAULT) > 0;
}

Id open_group(hid_t location, const std::string& path, const std::string& file) {
  return Id(H5Gopen2(location, path.c_str(), H5P_DEFAULT), H5Gclose, file + ": cannot open group " + path);
}

Id create_group(hid_t location, const std::string& path, const std::string& file) {
  return Id(H5Gcreate2(location, path.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
            file + ": cannot create group " + path);
}

void write_attr(hid_t object, const std::string& name, const std::string& value) {
  Id type = string_type(name);
  const char* text = value.c_str();
  write_scalar_attr(object, name, type.get(), type.get(), &text);
}
void write_attr(hid_t object, const std::string& name, std::int64_t value) {
  write_scalar_attr(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}
void write_attr(hid_t object, const std::string& name, double value) {
  write_scalar_attr(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}
void write_attr(hid_t object, const std::string& name, const sweep::Value& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) write_attr(object, name, static_cast<std::int64_t>(v));
        else write_attr(object, name, v);
      },
      value);
}

bool has_attr(hid_t object, const std::string& name) { return H5Aexists(object, name.c_str()) > 0; }

sweep::Value read_attr(hid_t object, const std::string& name, const std::string& where) {
  const std::string what = where + ": attribute '" + name + "'";
  if (!has_attr(object, name)) throw H5Error(what + " is missing");
  Id attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose, what + " cannot be opened");
  Id type(H5Aget_type(attr.get()), H5Tclose, what + " has no type");
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER: {
      std::int64_t value = 0;
      if (H5Aread(attr.get(), H5T_NATIVE_INT64, &value) < 0) throw H5Error(what + " cannot be read");
      return value;
    }
    case H5T_FLOAT: {
      double value = 0;
      if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value) < 0) throw H5Error(what + " cannot be read");
      return value;
    }
    case H5T_STRING: {
      if (H5Tis_variable_str(type.get()) > 0) {
        Id memory = string_type(what);
        char* text = nullptr;
        if (H5Aread(attr.get(), memory.get(), &text) < 0) throw H5Error(what + " cannot be read");
        std::string value = text ? text : "";
        H5free_memory(text);
        return value;
      }
      std::string value(H5Tget_size(type.get()), '\0');
      if (H5Aread(attr.get(), type.get(), value.data()) < 0) throw H5Error(what + " cannot be read");
      return value.substr(0, value.find('\0'));
    }
    default: throw H5Error(what + " has a type aecnn does not use");
  }
}

std::string read_string_attr(hid_t object, const std::string& name, const std::string& where) {
  auto value = read_attr(object, name, where);
  if (auto* s = std::get_if<std::string>(&value)) return *s;
  throw H5Error(where + ": attribute '" + name + "' is not a string");
}
std::int64_t read_int_attr(hid_t object, const std::string& name, const std::string& where) {
  auto value = read_attr(object, name, where);
  if (auto* i = std::get_if<std::int64_t>(&value)) return *i;
  throw H5Error(where + ": attribute '" + name + "' is not an integer");
}
double read_double_attr(hid_t object, const std::string& name, const std::string& where) {
  auto value = read_attr(object, name, where);
  if (auto* d = std::get_if<double>(&value)) return *d;
  if (auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  throw H5Error(where + ": attribute '" + name + "' is not a number");
}

std::vector<std::string> attr_names(hid_t object) {
  std::vector<std::string> names;
  H5Aiterate2(
      object, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
      },
      &names);
  return names;
}

std::vector<std::string> member_names(hid_t group) {
  std::vector<std::string> names;
  H5Literate(
      group, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
      },
      &names);
  return names;
}

namespace {

// True when `name` is a dataset of exactly this type and shape, so it can be written in place.
bool same_layout(hid_t group, const std::string& name, hid_t file_type, const std::vector<hsize_t>& dims) {
  hid_t dataset = H5Dopen2(group, name.c_str(), H5P_DEFAULT);  // fails quietly for a group
  if (dataset < 0) return false;
  hid_t type = H5Dget_type(dataset), space = H5Dget_space(dataset);
  bool same = type >= 0 && space >= 0 && H5Tequal(type, file_type) > 0 &&
              H5Sget_simple_extent_ndims(space) == static_cast<int>(dims.size());
  if (same) {
    std::vector<hsize_t> current(dims.size());
    H5Sget_simple_extent_dims(space, current.data(), nullptr);
    same = current == dims;
  }
  if (type >= 0) H5Tclose(type);
  if (space >= 0) H5Sclose(space);
  H5Dclose(dataset);
  return same;
}

// A transfer list with a small conversion buffer. HDF5's default is 1 MiB, allocated and zeroed
// for every write that converts (variable-length strings always do): above glibc's mmap threshold,
// so each write paid fresh pages: about half of a no-op trial's time in one process (perf);
// 64 KiB stays on the heap and still converts thousands of elements at a time.
hid_t small_buffer_transfer() {
  static const hid_t plist = [] {
    const hid_t id = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_buffer(id, 64 * 1024, nullptr, nullptr);
    return id;
  }();
  return plist;
}

void write_dataset(hid_t group, const std::string& name, hid_t file_type, hid_t memory_type,
                   const std::vector<hsize_t>& dims, const void* data, const std::string& where) {
  const std::string what = where + "/" + name;
  if (exists(group, name)) {
    if (same_layout(group, name, file_type, dims)) {
      Id dataset(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, what + ": cannot open");
      if (H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, small_buffer_transfer(), data) < 0)
        throw H5Error(what + ": cannot write");
      return;
    }
    H5Ldelete(group, name.c_str(), H5P_DEFAULT);
  }
  Id space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose, what);
  Id dataset(H5Dcreate2(group, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose, what + ": cannot create");
  if (H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, small_buffer_transfer(), data) < 0)
    throw H5Error(what + ": cannot write");
}

}  // namespace

void write_array(hid_t group, const std::string& name, const std::vector<double>& values, const std::string& where) {
  write_dataset(group, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {values.size()}, values.data(), where);
}

void write_array(hid_t group, const std::string& name, const std::vector<std::int64_t>& values, std::size_t cols,
                 const std::string& where) {
  std::vector<hsize_t> dims = {values.size()};
  if (cols > 0) dims = {values.size() / cols, cols};
  write_dataset(group, name, H5T_STD_I64LE, H5T_NATIVE_INT64, dims, values.data(), where);
}

void write_strings(hid_t group, const std::string& name, const std::vector<std::string>& values,
                   const std::string& where) {
  std::vector<const char*> pointers;
  for (const auto& value : values) pointers.push_back(value.c_str());
  Id type = string_type(where);
  write_dataset(group, name, type.get(), type.get(), {values.size()}, pointers.data(), where);
}

void write_floats(hid_t group, const std::string& name, const std::vector<float>& values,
                  const std::vector<std::int64_t>& shape, const std::string& where) {
  const std::vector<hsize_t> dims(shape.begin(), shape.end());
  write_dataset(group, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, dims, values.data(), where);
}

void write_table(hid_t group, const std::string& name, const std::vector<double>& values, std::size_t cols,
                 const std::string& where) {
  write_dataset(group, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {values.size() / cols, cols}, values.data(), where);
}

void write_bytes(hid_t group, const std::string& name, const std::vector<std::uint8_t>& values,
                 const std::string& where) {
  write_dataset(group, name, H5T_STD_U8LE, H5T_NATIVE_UINT8, {values.size()}, values.data(), where);
}

namespace {

// Opens a dataset and returns its dimensions.
Id open_dataset(hid_t group, const std::string& name, std::vector<hsize_t>& dims, const std::string& what) {
  Id dataset(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, what + ": missing");
  Id space(H5Dget_space(dataset.get()), H5Sclose, what);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) throw H5Error(what + ": unreadable shape");
  dims.resize(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dataset;
}

}  // namespace

// `count` values of the dataset, after checking that it stores them: a damaged or crafted file
// may claim 2^40 values of a chunked dataset that stores none, and reading it would allocate them.
std::size_t checked_count(hid_t dataset, hsize_t count, const std::string& what) {
  Id type(H5Dget_type(dataset), H5Tclose, what + ": no type");
  const std::size_t element = H5Tget_size(type.get());
  const hsize_t stored = H5Dget_storage_size(dataset);
  if (count > 0 && (element == 0 || count > stored / element))
    throw H5Error(what + ": claims " + std::to_string(count) + " values but stores only " + std::to_string(stored) +
                  " bytes (a damaged results file)");
  return static_cast<std::size_t>(count);
}

std::vector<float> read_floats(hid_t group, const std::string& name, std::vector<std::int64_t>& shape,
                               const std::string& where) {
  const std::string what = where + "/" + name;
  std::vector<hsize_t> dims;
  Id dataset = open_dataset(group, name, dims, what);
  hsize_t count = 1;
  for (hsize_t d : dims) count *= d;
  shape.assign(dims.begin(), dims.end());
  std::vector<float> values(checked_count(dataset.get(), count, what));
  if (count > 0 && H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    throw H5Error(what + ": cannot read");
  return values;
}

std::vector<std::uint8_t> read_bytes(hid_t group, const std::string& name, const std::string& where) {
  const std::string what = where + "/" + name;
  std::vector<hsize_t> dims;
  Id dataset = open_dataset(group, name, dims, what);
  if (dims.size() != 1) throw H5Error(what + ": not a 1-D dataset");
  std::vector<std::uint8_t> values(checked_count(dataset.get(), dims[0], what));
  if (dims[0] > 0 && H5Dread(dataset.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    throw H5Error(what + ": cannot read");
  return values;
}

void set_soft_link(hid_t group, const std::string& name, const std::string& target, const std::string& where) {
  remove_link(group, name);
  if (H5Lcreate_soft(target.c_str(), group, name.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0)
    throw H5Error(where + "/" + name + ": cannot create the link");
}

void remove_link(hid_t group, const std::string& name) {
  if (H5Lexists(group, name.c_str(), H5P_DEFAULT) > 0) H5Ldelete(group, name.c_str(), H5P_DEFAULT);
}

std::vector<double> read_array(hid_t group, const std::string& name, const std::string& where) {
  const std::string what = where + "/" + name;
  Id dataset(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, what + ": missing");
  Id space(H5Dget_space(dataset.get()), H5Sclose, what);
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  if (count < 0) throw H5Error(what + ": unreadable shape");
  std::vector<double> values(checked_count(dataset.get(), static_cast<hsize_t>(count), what));
  if (count > 0 && H5Dread(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    throw H5Error(what + ": cannot read");
  return values;
}

void create_column(hid_t group, const std::string& name, bool integer, const std::string& where) {
  const hsize_t dims[1] = {0}, max_dims[1] = {H5S_UNLIMITED}, chunk[1] = {64};
  Id space(H5Screate_simple(1, dims, max_dims), H5Sclose, where);
  Id properties(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, where);
  H5Pset_chunk(properties.get(), 1, chunk);
  Id dataset(H5Dcreate2(group, name.c_str(), integer ? H5T_STD_I32LE : H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                        properties.get(), H5P_DEFAULT),
             H5Dclose, where + ": cannot create dataset " + name);
}

void append_to_column(hid_t group, const std::string& name, double value, const std::string& where) {
  const std::string what = where + "/" + name;
  Id dataset(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, what + ": cannot open");
  Id old_space(H5Dget_space(dataset.get()), H5Sclose, what);
  hsize_t size = 0;
  H5Sget_simple_extent_dims(old_space.get(), &size, nullptr);
  const hsize_t new_size = size + 1, one = 1;
  if (H5Dset_extent(dataset.get(), &new_size) < 0) throw H5Error(what + ": cannot extend");
  Id space(H5Dget_space(dataset.get()), H5Sclose, what);
  H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &size, nullptr, &one, nullptr);
  Id memory(H5Screate_simple(1, &one, nullptr), H5Sclose, what);
  if (H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, memory.get(), space.get(), H5P_DEFAULT, &value) < 0)
    throw H5Error(what + ": cannot write");
}

std::vector<double> read_column(hid_t group, const std::string& name, const std::string& where) {
  const std::string what = where + "/" + name;
  Id dataset(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, what + ": missing");
  Id space(H5Dget_space(dataset.get()), H5Sclose, what);
  if (H5Sget_simple_extent_ndims(space.get()) != 1) throw H5Error(what + ": not a 1-D dataset");
  hsize_t size = 0;
  H5Sget_simple_extent_dims(space.get(), &size, nullptr);
  std::vector<double> values(checked_count(dataset.get(), size, what));
  if (size > 0 && H5Dread(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    throw H5Error(what + ": cannot read");
  return values;
}

sweep::ConfigMap read_config(hid_t trial, const std::string& where) {
  sweep::ConfigMap config;
  Id group = open_group(trial, "config", where);
  for (const auto& key : attr_names(group.get())) {
    sweep::Value value = read_attr(group.get(), key, where + "/config");
    const sweep::KeySpec* spec = sweep::find_key(key);
    if (spec != nullptr && spec->kind == sweep::ValueKind::kBool && std::holds_alternative<std::int64_t>(value))
      value = std::get<std::int64_t>(value) != 0;
    config[key] = value;
  }
  return config;
}

}  // namespace aecnn::store::h5
