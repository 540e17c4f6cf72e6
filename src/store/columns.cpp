#include "columns.hpp"

#include <cmath>
#include <limits>
#include <type_traits>

#include "h5.hpp"

namespace aecnn::store::columns {
namespace {

constexpr std::size_t kStatusBytes = 12;  // "interrupted" and its terminator

hid_t vlen_string_type() {
  static const hid_t type = [] {
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
  }();
  return type;
}

hid_t status_type() {
  static const hid_t type = [] {
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, kStatusBytes);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    return t;
  }();
  return type;
}

hid_t file_type(Type type) {
  switch (type) {
    case Type::kInt32: return H5T_STD_I32LE;
    case Type::kInt64: return H5T_STD_I64LE;
    case Type::kFloat64: return H5T_IEEE_F64LE;
    case Type::kString: return vlen_string_type();
    case Type::kStatus: return status_type();
  }
  return H5T_STD_I64LE;
}

// A transfer list with an 8 KiB conversion buffer. HDF5 callocs the buffer (1 MiB by default)
// for every H5Dwrite, and clearing it was the largest single cost of writing a trial's cells
// (perf, no-op sweep); a cell write converts a few bytes, a bulk write converts 8 KiB at a time.
hid_t cell_transfer() {
  static const hid_t plist = [] {
    const hid_t id = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_buffer(id, 8 * 1024, nullptr, nullptr);
    return id;
  }();
  return plist;
}

// An open column with its dimensions: rows first, then the cell's.
struct Column {
  h5::Id owned;
  hid_t id;
  std::vector<hsize_t> dims;
  std::string what;

  Column(hid_t table, const std::string& name, const std::string& where)
      : owned(H5Dopen2(table, name.c_str(), H5P_DEFAULT), H5Dclose, where + "/" + name + ": missing"),
        id(owned.get()),
        what(where + "/" + name) {
    read_dims();
  }
  explicit Column(const Handle& handle) : id(handle.id.get()), what(handle.what) { read_dims(); }

  void read_dims() {
    h5::Id space(H5Dget_space(id), H5Sclose, what + ": no dataspace");
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 1) throw H5Error(what + ": not a column (no rows dimension)");
    dims.resize(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  }
  hid_t get() const { return id; }
  hsize_t rows() const { return dims[0]; }
  hsize_t cell() const {
    hsize_t n = 1;
    for (std::size_t i = 1; i < dims.size(); ++i) n *= dims[i];
    return n;
  }
  h5::Id type() const { return h5::Id(H5Dget_type(get()), H5Tclose, what + ": no type"); }

  // Selects rows [first, first + count) of the file; returns the matching memory space.
  h5::Id select(hid_t file_space, hsize_t first, hsize_t count) const {
    if (first + count > rows()) throw H5Error(what + ": rows " + std::to_string(first) + ".." +
                                              std::to_string(first + count) + " past its end (" +
                                              std::to_string(rows()) + ")");
    std::vector<hsize_t> start(dims.size(), 0), counts = dims;
    start[0] = first;
    counts[0] = count;
    H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, counts.data(), nullptr);
    return h5::Id(H5Screate_simple(static_cast<int>(counts.size()), counts.data(), nullptr), H5Sclose, what);
  }

  // Writes `count` values of a 1-D column at the listed rows (ascending, distinct).
  void write_rows(const std::vector<hsize_t>& rows, hid_t memory_type, const void* data) const {
    if (dims.size() != 1) throw H5Error(what + ": single cells are written only to 1-D columns");
    if (!rows.empty() && rows.back() >= this->rows())
      throw H5Error(what + ": has no row " + std::to_string(rows.back()) + " (" + std::to_string(this->rows()) + " rows)");
    h5::Id space(H5Dget_space(get()), H5Sclose, what);
    H5Sselect_elements(space.get(), H5S_SELECT_SET, rows.size(), rows.data());
    const hsize_t count = rows.size();
    h5::Id memory(H5Screate_simple(1, &count, nullptr), H5Sclose, what);
    if (H5Dwrite(get(), memory_type, memory.get(), space.get(), cell_transfer(), data) < 0)
      throw H5Error(what + ": cannot write " + std::to_string(count) + " cells");
  }

  void write(hsize_t first, std::size_t values, hid_t memory_type, const void* data) const {
    const hsize_t per_row = cell();
    if (per_row == 0 || values % per_row != 0)
      throw H5Error(what + ": " + std::to_string(values) + " values do not fill whole rows of " + std::to_string(per_row));
    h5::Id space(H5Dget_space(get()), H5Sclose, what);
    h5::Id memory = select(space.get(), first, values / per_row);
    if (H5Dwrite(get(), memory_type, memory.get(), space.get(), cell_transfer(), data) < 0)
      throw H5Error(what + ": cannot write rows from " + std::to_string(first));
  }

  // The values every row holds, after checking that the column stores what it claims: a
  // hostile file may claim 2^60 rows of a chunked column that stores nothing.
  std::size_t checked_count() const {
    const hsize_t per_row = cell();
    constexpr hsize_t kLimit = hsize_t{1} << 40;
    if (rows() > kLimit || per_row > kLimit || (per_row > 0 && rows() > kLimit / per_row))
      throw H5Error(what + ": claims " + std::to_string(rows()) + " rows, more than any results file holds");
    const hsize_t count = rows() * per_row;
    h5::Id t = type();
    const std::size_t element = H5Tget_size(t.get());
    const hsize_t stored = H5Dget_storage_size(get());
    if (count > 0 && (element == 0 || count > stored / element))
      throw H5Error(what + ": claims " + std::to_string(rows()) + " rows but stores only " + std::to_string(stored) +
                    " bytes (a damaged file)");
    return static_cast<std::size_t>(count);
  }

  H5T_class_t type_class() const {
    h5::Id t = type();
    return H5Tget_class(t.get());
  }
};

template <typename T>
std::vector<T> read_numbers(hid_t table, const std::string& name, const std::string& where, hid_t memory_type,
                            bool floats_allowed, std::size_t* cell_size) {
  Column column(table, name, where);
  const H5T_class_t type_class = column.type_class();
  if (type_class != H5T_INTEGER && !(floats_allowed && type_class == H5T_FLOAT))
    throw H5Error(column.what + ": not a column of " + (floats_allowed ? "numbers" : "integers"));
  std::vector<T> values(column.checked_count());
  if (cell_size != nullptr) *cell_size = static_cast<std::size_t>(column.cell());
  if (!values.empty() && H5Dread(column.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    throw H5Error(column.what + ": cannot read");
  return values;
}

template <typename T>
std::vector<T> read_number_rows(hid_t table, const std::string& name, const std::string& where, hid_t memory_type,
                                bool floats_allowed, hsize_t first, hsize_t count, std::size_t* cell_size) {
  Column column(table, name, where);
  const H5T_class_t type_class = column.type_class();
  if (type_class != H5T_INTEGER && !(floats_allowed && type_class == H5T_FLOAT))
    throw H5Error(column.what + ": not a column of " + (floats_allowed ? "numbers" : "integers"));
  column.checked_count();
  if (cell_size != nullptr) *cell_size = static_cast<std::size_t>(column.cell());
  std::vector<T> values(static_cast<std::size_t>(count * column.cell()));
  if (values.empty()) return values;
  h5::Id space(H5Dget_space(column.get()), H5Sclose, column.what);
  h5::Id memory = column.select(space.get(), first, count);
  if (H5Dread(column.get(), memory_type, memory.get(), space.get(), H5P_DEFAULT, values.data()) < 0)
    throw H5Error(column.what + ": cannot read rows from " + std::to_string(first));
  return values;
}

}  // namespace

void create(hid_t table, const std::string& name, Type type, hsize_t chunk_rows, const std::string& where,
            const std::vector<hsize_t>& cell) {
  const std::string what = where + "/" + name;
  std::vector<hsize_t> dims = {0}, max_dims = {H5S_UNLIMITED}, chunk = {chunk_rows};
  for (hsize_t d : cell) {
    dims.push_back(d);
    max_dims.push_back(d);
    chunk.push_back(d);
  }
  h5::Id space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), max_dims.data()), H5Sclose, what);
  h5::Id properties(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, what);
  H5Pset_chunk(properties.get(), static_cast<int>(chunk.size()), chunk.data());
  // Variable-length strings: storage for new rows at once, holding no string (read as ""), so
  // that a new row costs no heap object and its first real value replaces nothing (rewriting a
  // string frees its old heap object: a search through the heap, a tenth of a no-op trial).
  if (type == Type::kString) H5Pset_alloc_time(properties.get(), H5D_ALLOC_TIME_EARLY);
  if (type == Type::kFloat64) {  // a cell not written yet reads as NaN, not as a plausible 0
    const double nan = std::numeric_limits<double>::quiet_NaN();
    H5Pset_fill_value(properties.get(), H5T_NATIVE_DOUBLE, &nan);
  }
  h5::Id dataset(H5Dcreate2(table, name.c_str(), file_type(type), space.get(), H5P_DEFAULT, properties.get(),
                            H5P_DEFAULT),
                 H5Dclose, what + ": cannot create");
}

hsize_t chunk_rows(hid_t table, const std::string& name, const std::string& where) {
  Column column(table, name, where);
  h5::Id properties(H5Dget_create_plist(column.get()), H5Pclose, column.what);
  std::vector<hsize_t> chunk(column.dims.size(), 0);
  if (H5Pget_chunk(properties.get(), static_cast<int>(chunk.size()), chunk.data()) < 1 || chunk[0] == 0)
    throw H5Error(column.what + ": not chunked");
  return chunk[0];
}

namespace {

void resize_column(const Column& column, hsize_t rows) {
  std::vector<hsize_t> dims = column.dims;
  dims[0] = rows;
  if (H5Dset_extent(column.get(), dims.data()) < 0)
    throw H5Error(column.what + ": cannot resize to " + std::to_string(rows) + " rows");
}

// Strings as the column's memory type wants them, handed to `write(memory_type, data)`.
template <typename Write>
void with_strings(const Column& column, const std::vector<const std::string*>& values, Write write) {
  h5::Id type = column.type();
  if (H5Tis_variable_str(type.get()) > 0) {
    std::vector<const char*> pointers;
    for (const auto* value : values) pointers.push_back(value->c_str());
    write(vlen_string_type(), pointers.data());
    return;
  }
  const std::size_t size = H5Tget_size(type.get());
  std::vector<char> buffer(values.size() * size, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i]->size() >= size) throw H5Error(column.what + ": '" + *values[i] + "' is too long for it");
    values[i]->copy(&buffer[i * size], values[i]->size());
  }
  write(type.get(), buffer.data());
}

void write_strings(const Column& column, hsize_t first, const std::vector<std::string>& values) {
  if (values.empty()) return;
  std::vector<const std::string*> pointers;
  for (const auto& value : values) pointers.push_back(&value);
  with_strings(column, pointers, [&](hid_t type, const void* data) { column.write(first, values.size(), type, data); });
}

void write_waiting(const Column& column, const std::map<hsize_t, Handle::Cell>& waiting) {
  std::vector<hsize_t> rows;
  for (const auto& entry : waiting) rows.push_back(entry.first);
  const Handle::Cell& first = waiting.begin()->second;
  auto all = [&](auto kind) {
    using T = decltype(kind);
    std::vector<T> values;
    for (const auto& entry : waiting) {
      const T* value = std::get_if<T>(&entry.second);
      if (value == nullptr) throw H5Error(column.what + ": cells of different types written to it");
      values.push_back(*value);
    }
    return values;
  };
  if (std::holds_alternative<std::int64_t>(first)) {
    const auto values = all(std::int64_t{});
    column.write_rows(rows, H5T_NATIVE_INT64, values.data());
  } else if (std::holds_alternative<double>(first)) {
    const auto values = all(double{});
    column.write_rows(rows, H5T_NATIVE_DOUBLE, values.data());
  } else {
    const auto values = all(std::string{});
    std::vector<const std::string*> pointers;
    for (const auto& value : values) pointers.push_back(&value);
    with_strings(column, pointers, [&](hid_t type, const void* data) { column.write_rows(rows, type, data); });
  }
}

std::vector<double> doubles_at(const Column& column, const std::vector<hsize_t>& rows) {
  std::vector<double> values(rows.size());
  if (rows.empty()) return values;
  if (column.dims.size() != 1) throw H5Error(column.what + ": not a 1-D column");
  for (hsize_t row : rows)
    if (row >= column.rows()) throw H5Error(column.what + ": has no row " + std::to_string(row));
  h5::Id space(H5Dget_space(column.get()), H5Sclose, column.what);
  H5Sselect_elements(space.get(), H5S_SELECT_SET, rows.size(), rows.data());
  const hsize_t count = rows.size();
  h5::Id memory(H5Screate_simple(1, &count, nullptr), H5Sclose, column.what);
  if (H5Dread(column.get(), H5T_NATIVE_DOUBLE, memory.get(), space.get(), cell_transfer(), values.data()) < 0)
    throw H5Error(column.what + ": cannot read");
  return values;
}

Type type_of_column(const Column& column) {
  h5::Id type = column.type();
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER: return H5Tget_size(type.get()) <= 4 ? Type::kInt32 : Type::kInt64;
    case H5T_FLOAT: return Type::kFloat64;
    case H5T_STRING: return H5Tis_variable_str(type.get()) > 0 ? Type::kString : Type::kStatus;
    default: throw H5Error(column.what + ": has a type aecnn does not use");
  }
}

}  // namespace

Handle open(hid_t table, const std::string& name, const std::string& where) {
  const std::string what = where + "/" + name;
  // A 64 KiB chunk cache, not HDF5's 1 MiB: a writer holds about a hundred columns open for a
  // whole sweep and writes near the end of each, so old chunks only took memory (tens of MB at
  // 100,000 trials). It still holds every chunk a batch touches (each is at most 6.4 KiB).
  static const hid_t access = [] {
    const hid_t id = H5Pcreate(H5P_DATASET_ACCESS);
    H5Pset_chunk_cache(id, 101, 64 * 1024, 0.75);
    return id;
  }();
  return Handle{h5::Id(H5Dopen2(table, name.c_str(), access), H5Dclose, what + ": missing"), what};
}
namespace {

std::size_t appended_values(const Handle& column) {
  return std::visit([](const auto& values) { return values.size(); }, column.appended);
}

template <typename T>
void append_values(const Handle& column, hsize_t first, const std::vector<T>& values) {
  if (values.empty()) return;
  if (column.appended_cell == 0) column.appended_cell = Column(column).cell();
  auto* held = std::get_if<std::vector<T>>(&column.appended);
  if (held == nullptr || (!held->empty() && first != column.appended_first + held->size() / column.appended_cell)) {
    flush(column);
    column.appended = std::vector<T>();
    held = std::get_if<std::vector<T>>(&column.appended);
  }
  if (held->empty()) column.appended_first = first;
  held->insert(held->end(), values.begin(), values.end());
}

}  // namespace

void append(const Handle& column, hsize_t first, const std::vector<std::int64_t>& values) {
  append_values(column, first, values);
}
void append(const Handle& column, hsize_t first, const std::vector<double>& values) {
  append_values(column, first, values);
}

void flush(const Handle& column) {
  // Taken out first: a failed write throws out of the writer, which then never commits them.
  if (appended_values(column) > 0) {
    auto appended = std::move(column.appended);
    column.appended = std::vector<std::int64_t>();
    const Column open(column);
    std::visit(
        [&](const auto& values) {
          using T = typename std::decay_t<decltype(values)>::value_type;
          resize_column(open, column.appended_first + values.size() / open.cell());
          Column(column).write(column.appended_first, values.size(),
                               std::is_same_v<T, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64, values.data());
        },
        appended);
  }
  if (column.waiting.empty()) return;
  const auto waiting = std::move(column.waiting);
  column.waiting.clear();
  write_waiting(Column(column), waiting);
}
void resize(const Handle& column, hsize_t rows) {
  flush(column);
  resize_column(Column(column), rows);
}
void write(const Handle& column, hsize_t first, const std::vector<std::int64_t>& values) {
  flush(column);
  if (!values.empty()) Column(column).write(first, values.size(), H5T_NATIVE_INT64, values.data());
}
void write(const Handle& column, hsize_t first, const std::vector<double>& values) {
  flush(column);
  if (!values.empty()) Column(column).write(first, values.size(), H5T_NATIVE_DOUBLE, values.data());
}
void write(const Handle& column, hsize_t first, const std::vector<std::string>& values) {
  flush(column);
  write_strings(Column(column), first, values);
}
double read_cell(const Handle& column, hsize_t row) {
  if (const auto it = column.waiting.find(row); it != column.waiting.end()) {
    if (const auto* value = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*value);
    if (const auto* value = std::get_if<double>(&it->second)) return *value;
    throw H5Error(column.what + ": not a column of numbers");
  }
  if (row >= column.appended_first && appended_values(column) > 0) flush(column);  // it may be appended
  return doubles_at(Column(column), {row})[0];
}
std::vector<double> read_doubles_at(const Handle& column, const std::vector<hsize_t>& rows) {
  flush(column);
  return doubles_at(Column(column), rows);
}
Type type_of(const Handle& column) { return type_of_column(Column(column)); }

std::vector<std::int64_t> read_ints(hid_t table, const std::string& name, const std::string& where,
                                    std::size_t* cell_size) {
  return read_numbers<std::int64_t>(table, name, where, H5T_NATIVE_INT64, false, cell_size);
}

std::vector<double> read_doubles(hid_t table, const std::string& name, const std::string& where,
                                 std::size_t* cell_size) {
  return read_numbers<double>(table, name, where, H5T_NATIVE_DOUBLE, true, cell_size);
}

std::vector<std::int64_t> read_int_rows(hid_t table, const std::string& name, const std::string& where, hsize_t first,
                                        hsize_t count, std::size_t* cell_size) {
  return read_number_rows<std::int64_t>(table, name, where, H5T_NATIVE_INT64, false, first, count, cell_size);
}

std::vector<double> read_double_rows(hid_t table, const std::string& name, const std::string& where, hsize_t first,
                                     hsize_t count, std::size_t* cell_size) {
  return read_number_rows<double>(table, name, where, H5T_NATIVE_DOUBLE, true, first, count, cell_size);
}

namespace {

std::vector<std::string> read_string_rows(Column& column, hsize_t first, std::size_t count) {
  std::vector<std::string> values(count);
  if (count == 0) return values;
  h5::Id type = column.type();
  h5::Id space(H5Dget_space(column.get()), H5Sclose, column.what);
  h5::Id memory = column.select(space.get(), first, count);
  if (H5Tis_variable_str(type.get()) > 0) {
    std::vector<char*> pointers(count, nullptr);
    if (H5Dread(column.get(), vlen_string_type(), memory.get(), space.get(), H5P_DEFAULT, pointers.data()) < 0)
      throw H5Error(column.what + ": cannot read rows from " + std::to_string(first));
    for (std::size_t i = 0; i < count; ++i) values[i] = pointers[i] != nullptr ? pointers[i] : "";
    H5Dvlen_reclaim(vlen_string_type(), memory.get(), H5P_DEFAULT, pointers.data());
    return values;
  }
  const std::size_t size = H5Tget_size(type.get());
  std::vector<char> buffer(count * size);
  if (H5Dread(column.get(), type.get(), memory.get(), space.get(), H5P_DEFAULT, buffer.data()) < 0)
    throw H5Error(column.what + ": cannot read rows from " + std::to_string(first));
  for (std::size_t i = 0; i < count; ++i) {
    const char* begin = &buffer[i * size];
    std::size_t length = 0;
    while (length < size && begin[length] != '\0') ++length;
    values[i].assign(begin, length);
  }
  return values;
}

Column string_column(hid_t table, const std::string& name, const std::string& where) {
  Column column(table, name, where);
  if (column.type_class() != H5T_STRING) throw H5Error(column.what + ": not a column of strings");
  if (column.dims.size() != 1) throw H5Error(column.what + ": not a 1-D column");
  column.checked_count();
  return column;
}

}  // namespace

std::vector<std::string> read_strings(hid_t table, const std::string& name, const std::string& where) {
  Column column = string_column(table, name, where);
  return read_string_rows(column, 0, static_cast<std::size_t>(column.rows()));
}

std::vector<std::string> read_string_rows(hid_t table, const std::string& name, const std::string& where,
                                          hsize_t first, hsize_t count) {
  Column column = string_column(table, name, where);
  return read_string_rows(column, first, static_cast<std::size_t>(count));
}

Shape inspect(hid_t table, const std::string& name, const std::string& where) {
  if (H5Lexists(table, name.c_str(), H5P_DEFAULT) <= 0) throw H5Error(where + "/" + name + ": missing");
  {
    const hid_t object = H5Oopen(table, name.c_str(), H5P_DEFAULT);
    const bool dataset = object >= 0 && H5Iget_type(object) == H5I_DATASET;
    if (object >= 0) H5Oclose(object);
    if (!dataset) throw H5Error(where + "/" + name + ": not a column (not a dataset)");
  }
  Column column(table, name, where);
  column.checked_count();
  return {column.dims, column.type_class()};
}

hsize_t row_count(hid_t table, const std::string& name, const std::string& where) {
  return Column(table, name, where).rows();
}

Type type_of(hid_t table, const std::string& name, const std::string& where) {
  return type_of_column(Column(table, name, where));
}

}  // namespace aecnn::store::columns
