#include "row_index.hpp"

#include <functional>

#include "aecnn/store/results_file.hpp"

namespace aecnn::store {

void IdIndex::assign(const std::vector<std::string>& ids) {
  std::size_t held = 0;
  for (const auto& id : ids) held += id.empty() ? 0 : 1;
  if (held >= UINT32_MAX / 4) throw H5Error("more trial rows than the index holds: " + std::to_string(held));
  std::size_t slots = 64;
  while (slots < held * 4) slots *= 2;  // at most a quarter full after a rebuild: probes stay short
  slots_.assign(slots, 0);
  used_ = 0;
  const std::size_t mask = slots - 1;
  for (std::size_t row = 0; row < ids.size(); ++row) {
    if (ids[row].empty()) continue;
    std::size_t slot = std::hash<std::string>{}(ids[row]) & mask;
    while (slots_[slot] != 0 && ids[slots_[slot] - 1] != ids[row]) slot = (slot + 1) & mask;
    if (slots_[slot] == 0) ++used_;
    slots_[slot] = static_cast<std::uint32_t>(row + 1);
  }
}

void IdIndex::insert(const std::vector<std::string>& ids, std::size_t row) {
  if (row >= UINT32_MAX - 1) throw H5Error("more trial rows than the index holds: " + std::to_string(row));
  if ((used_ + 1) * 2 > slots_.size()) {  // at most half full, or rebuilt larger
    assign(ids);  // indexes `row` too: its id is set
    return;
  }
  const std::size_t mask = slots_.size() - 1;
  std::size_t slot = std::hash<std::string>{}(ids[row]) & mask;
  while (slots_[slot] != 0 && ids[slots_[slot] - 1] != ids[row]) slot = (slot + 1) & mask;
  if (slots_[slot] == 0) ++used_;
  slots_[slot] = static_cast<std::uint32_t>(row + 1);
}

std::int64_t IdIndex::find(const std::vector<std::string>& ids, const std::string& id) const {
  if (slots_.empty()) return -1;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t slot = std::hash<std::string>{}(id) & mask; slots_[slot] != 0; slot = (slot + 1) & mask)
    if (ids[slots_[slot] - 1] == id) return static_cast<std::int64_t>(slots_[slot] - 1);
  return -1;
}

void RowLists::resize_owners(std::size_t owners) {
  head_.resize(owners, kNone);
  tail_.resize(owners, kNone);
}

void RowLists::append(std::size_t owner, hsize_t row) {
  if (row >= kNone) throw H5Error("more rows than the index holds: " + std::to_string(row));
  const auto r = static_cast<std::uint32_t>(row);
  if (next_.size() <= r) next_.resize(r + 1, kNone);
  next_[r] = kNone;
  if (head_[owner] == kNone) head_[owner] = r;
  else next_[tail_[owner]] = r;
  tail_[owner] = r;
}

std::vector<hsize_t> RowLists::rows_of(std::size_t owner) const {
  std::vector<hsize_t> rows;
  for (std::uint32_t r = head_[owner]; r != kNone; r = next_[r]) rows.push_back(r);
  return rows;
}

void RowLists::clear(std::size_t owner) { head_[owner] = tail_[owner] = kNone; }

}  // namespace aecnn::store
