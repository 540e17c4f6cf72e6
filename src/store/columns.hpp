#pragma once
// Private to the store: tables of format 2, each an HDF5 group of extendible column datasets
// of one length (a row is one trial, one epoch, one done trial's metrics...). h5py and pandas
// read such a table column by column: `{name: column[()] for name, column in group.items()}`.
//
// A column's first dimension is its rows; a column may have fixed dimensions after it (a done
// trial's per-class metrics: [rows, 10]). Chunked, so appending a row writes one chunk, not the
// column; cells are rewritten in place. Readers check a column's claimed length against the
// bytes it stores before allocating anything: files are untrusted.
#include <hdf5.h>

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "h5.hpp"

namespace aecnn::store::columns {

enum class Type {
  kInt32,    ///< counts that fit (a confusion matrix's cells)
  kInt64,
  kFloat64,
  kString,   ///< variable-length UTF-8 (h5py: `column.asstr()[()]`); rewriting a cell leaves
             ///< the old string's bytes in the file until a compaction, so only rarely rewritten
             ///< cells are of this type
  kStatus,   ///< fixed-length 12-byte ASCII: rewritten in place at every status change at no cost
};

/// Creates a column of no rows. `cell` holds the fixed dimensions after the row (empty: one
/// value a row); `chunk_rows` rows make one chunk of the file.
void create(hid_t table, const std::string& name, Type type, hsize_t chunk_rows, const std::string& where,
            const std::vector<hsize_t>& cell = {});

/// Rows in one chunk of the column.
hsize_t chunk_rows(hid_t table, const std::string& name, const std::string& where);
/// A whole column, every row (row-major for cell shapes; `cell_size`, if given, receives the
/// values per row). Throws H5Error naming the column when it claims more rows than it stores,
/// or has a type other than the one asked for.
std::vector<std::int64_t> read_ints(hid_t table, const std::string& name, const std::string& where,
                                    std::size_t* cell_size = nullptr);
std::vector<double> read_doubles(hid_t table, const std::string& name, const std::string& where,
                                 std::size_t* cell_size = nullptr);
std::vector<std::string> read_strings(hid_t table, const std::string& name, const std::string& where);
/// Rows [first, first + count) of a column, as read_ints / read_doubles read it whole. Throws
/// H5Error naming the column when they are past its end.
std::vector<std::int64_t> read_int_rows(hid_t table, const std::string& name, const std::string& where, hsize_t first,
                                        hsize_t count, std::size_t* cell_size = nullptr);
std::vector<double> read_double_rows(hid_t table, const std::string& name, const std::string& where, hsize_t first,
                                     hsize_t count, std::size_t* cell_size = nullptr);
std::vector<std::string> read_string_rows(hid_t table, const std::string& name, const std::string& where,
                                          hsize_t first, hsize_t count);
/// What a column is: its dimensions (rows first) and the HDF5 class of its values.
struct Shape {
  std::vector<hsize_t> dims;
  H5T_class_t type_class = H5T_NO_CLASS;
};
/// The column's shape, checked against what it stores. Throws H5Error naming the column when it
/// is missing, not a dataset of at least one dimension, or claims more rows than it stores.
Shape inspect(hid_t table, const std::string& name, const std::string& where);

/// Rows in a column (its first dimension).
hsize_t row_count(hid_t table, const std::string& name, const std::string& where);

/// The type a column holds (to read config columns back as the sweep's values).
Type type_of(hid_t table, const std::string& name, const std::string& where);

/// A column held open. The writer keeps every column of its tables open: opening a dataset by
/// name for each cell was a sixth of a no-op trial's cost, and HDF5 keeps a dataset's chunk
/// cache only while some handle holds it open (so a batch's cells reach the file once, at its
/// commit, not once per cell).
///
/// Cells written one at a time (write_cell) wait in the handle until flush(): one HDF5 write per
/// column then, with every waiting cell selected, instead of one per cell. A trial's start and
/// end touch a few dozen cells, and each HDF5 call on its own was most of rank 0's time per
/// no-op trial (perf). Every other use of the handle flushes it first; the writer flushes all
/// before each commit, so a commit holds every cell written before it.
struct Handle {
  using Cell = std::variant<std::int64_t, double, std::string>;
  h5::Id id;
  std::string what;  ///< file:/table/column, for messages
  mutable std::map<hsize_t, Cell> waiting = {};  ///< row -> value; the last write of a row wins
  /// Rows appended (append()) and not written yet: from row `appended_first`, row-major.
  mutable hsize_t appended_first = 0;
  mutable hsize_t appended_cell = 0;  ///< values a row holds, read at the first append
  mutable std::variant<std::vector<std::int64_t>, std::vector<double>> appended = {};
};
Handle open(hid_t table, const std::string& name, const std::string& where);
/// Makes the column `rows` long (cells added hold the column's fill value until written).
void resize(const Handle& column, hsize_t rows);
/// Writes rows `first`, `first + 1`, ... from `values` (row-major when a row has a cell shape).
void write(const Handle& column, hsize_t first, const std::vector<std::int64_t>& values);
void write(const Handle& column, hsize_t first, const std::vector<double>& values);
void write(const Handle& column, hsize_t first, const std::vector<std::string>& values);
/// One cell of a one-value-a-row column, written at the next flush (see Handle).
inline void write_cell(const Handle& column, hsize_t row, std::int64_t value) { column.waiting[row] = value; }
inline void write_cell(const Handle& column, hsize_t row, double value) { column.waiting[row] = value; }
inline void write_cell(const Handle& column, hsize_t row, const std::string& value) { column.waiting[row] = value; }
/// Rows `first`, `first + 1`, ... past the column's end, added at the next flush (with the
/// rows appended before them, if they follow on: else those are flushed first).
void append(const Handle& column, hsize_t first, const std::vector<std::int64_t>& values);
void append(const Handle& column, hsize_t first, const std::vector<double>& values);
/// Writes the rows appended and the cells waiting in the handle: one resize and one write for
/// the rows, one write with every waiting cell selected.
void flush(const Handle& column);
/// One cell of a 1-D numeric column, as written last (waiting or not).
double read_cell(const Handle& column, hsize_t row);
/// The listed rows of a 1-D numeric column, in the order given.
std::vector<double> read_doubles_at(const Handle& column, const std::vector<hsize_t>& rows);
Type type_of(const Handle& column);

}  // namespace aecnn::store::columns
