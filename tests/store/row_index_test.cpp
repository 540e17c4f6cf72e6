// The store's in-memory indexes of the trial tables (src/store/row_index.hpp).
#include "row_index.hpp"

#include <gtest/gtest.h>

#include <random>

namespace aecnn::store {
namespace {

TEST(IdIndex, FindsEveryRowThroughGrowthAndNothingElse) {
  std::vector<std::string> ids;
  IdIndex index;
  for (std::size_t row = 0; row < 10000; ++row) {
    // Rows without a trial (empty ids) are never indexed; ids need not follow their rows.
    ids.push_back(row % 7 == 3 ? "" : "e" + std::to_string(row % 5) + "-" + std::to_string(row * 31 % 10007));
    if (!ids.back().empty()) index.insert(ids, row);
  }
  for (std::size_t row = 0; row < ids.size(); ++row)
    if (!ids[row].empty()) ASSERT_EQ(index.find(ids, ids[row]), static_cast<std::int64_t>(row)) << ids[row];
  EXPECT_EQ(index.find(ids, "e9-0"), -1);
  EXPECT_EQ(index.find(ids, ""), -1);
  index.insert(ids, 0);  // again: still found once, at its row
  EXPECT_EQ(index.find(ids, ids[0]), 0);
  EXPECT_EQ(IdIndex().find(ids, ids[0]), -1);
}

// An opened file's rows, indexed at once: far more than the first table's 64 slots.
TEST(IdIndex, IndexesAWholeFilesRowsAtOnceThenGrowsOnInsert) {
  std::vector<std::string> ids;
  for (std::size_t row = 0; row < 4000; ++row) ids.push_back(row == 7 ? "" : "pipe-" + std::to_string(row));
  IdIndex index;
  index.assign(ids);
  for (std::size_t row = 0; row < ids.size(); ++row)
    if (row != 7) ASSERT_EQ(index.find(ids, ids[row]), static_cast<std::int64_t>(row));
  for (std::size_t row = 4000; row < 12000; ++row) {  // rows a resumed run adds
    ids.push_back("more-" + std::to_string(row));
    index.insert(ids, row);
  }
  for (const std::size_t row : {0, 3999, 4000, 11999}) EXPECT_EQ(index.find(ids, ids[row]), static_cast<std::int64_t>(row));
  EXPECT_EQ(index.find(ids, "pipe-7"), -1);
}

TEST(RowLists, KeepEachOwnersRowsInTheOrderAppendedWhenInterleaved) {
  RowLists lists;
  lists.resize_owners(3);
  std::vector<std::vector<hsize_t>> expected(3);
  std::mt19937 random(5);
  for (hsize_t row = 0; row < 300; ++row) {  // epochs of concurrent trials arrive interleaved
    const std::size_t owner = random() % 3;
    lists.append(owner, row);
    expected[owner].push_back(row);
  }
  for (std::size_t owner = 0; owner < 3; ++owner) EXPECT_EQ(lists.rows_of(owner), expected[owner]);
  lists.clear(1);  // a resumed attempt replaces its history: the old rows are no longer its own
  EXPECT_TRUE(lists.rows_of(1).empty());
  lists.append(1, 300);
  lists.append(0, 301);
  EXPECT_EQ(lists.rows_of(1), std::vector<hsize_t>{300});
  expected[0].push_back(301);
  EXPECT_EQ(lists.rows_of(0), expected[0]);
  lists.resize_owners(5);
  EXPECT_TRUE(lists.rows_of(4).empty());
  EXPECT_EQ(lists.rows_of(2), expected[2]);
}

}  // namespace
}  // namespace aecnn::store
