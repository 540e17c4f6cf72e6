#pragma once
// Private to the store: the indexes rank 0 keeps of the trial tables, sized for 100,000 trials.
// Each costs a few bytes a trial; the standard containers they replace (an unordered_map of id
// strings, a vector of rows per trial) cost 24-70 bytes a trial even for a trial with no rows.
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace aecnn::store {

/// Trial id -> its row: an open-addressing table of rows, hashed by the id each row holds in
/// `ids` (the caller's list, by row), so the index stores no string of its own.
class IdIndex {
 public:
  /// Indexes every row of `ids` that holds an id (an opened file's rows), and nothing else.
  void assign(const std::vector<std::string>& ids);
  /// Indexes `row`, whose id `ids[row]` is set already; a row already indexed stays once.
  void insert(const std::vector<std::string>& ids, std::size_t row);
  /// The row holding `id`, or -1.
  std::int64_t find(const std::vector<std::string>& ids, const std::string& id) const;

 private:
  std::vector<std::uint32_t> slots_;  ///< row + 1; 0 is an empty slot
  std::size_t used_ = 0;
};

/// For each trial row, the rows of another table (history, metrics) that belong to it, in the
/// order appended: linked lists threaded through flat arrays (8 bytes a trial, 4 a row).
class RowLists {
 public:
  /// Trials 0..owners-1 may own rows; new ones own none.
  void resize_owners(std::size_t owners);
  /// Appends `row` (of the other table) to `owner`'s list.
  void append(std::size_t owner, hsize_t row);
  /// `owner`'s rows, in the order appended.
  std::vector<hsize_t> rows_of(std::size_t owner) const;
  /// Empties `owner`'s list (its rows are marked dropped in the table by the caller).
  void clear(std::size_t owner);

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  std::vector<std::uint32_t> head_, tail_;  ///< by owner
  std::vector<std::uint32_t> next_;         ///< by row of the other table
};

}  // namespace aecnn::store
