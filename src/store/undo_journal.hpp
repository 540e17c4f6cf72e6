#pragma once
// Private to the store: the undo journal that makes every commit to results.h5 atomic
// (docs/results-format.md, "Nothing lost").
//
// A commit changes the file in place. Before the first byte of the file changes, the bytes the
// commit will overwrite (and the file's length) are written to "<file>.journal" and synced; then
// the file is changed and synced; then the journal is retired (zeros over its first 8 bytes)
// and synced. So at every moment one of three things holds, and recover() turns each into the
// last complete commit:
//   - the journal is absent, empty, retired or incomplete (its checksum fails): the file was not
//     touched since the last complete commit; the journal is removed;
//   - the journal is complete: the file may be half changed; the saved bytes are written back
//     and the file cut to its old length -- the commit never happened.
// A write cut short anywhere (a kill, a power loss between two writes) falls into one of these.
//
// Layout (little-endian, as written by the machine that commits):
//   "AECNN-J1"  u64 this record's length  u64 original length  u32 range count
//   { u64 offset  u32 size  bytes }*  u32 CRC-32 of everything before it  "COMMITTD"
// The journal file is written from its start at every commit and never shortened (a shorter
// record leaves an earlier one's tail after it, which its length field ignores): a sync that
// need not change the file's size costs less.
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aecnn::store::journal {

/// The journal of the results file at `path`.
std::string journal_path(const std::string& path);

/// Bytes of the file as they were before a commit.
struct SavedRange {
  std::uint64_t offset = 0;
  std::vector<unsigned char> bytes;
};

/// What a complete journal says: the file's length and bytes before the commit it guards.
struct UndoRecord {
  std::uint64_t original_length = 0;
  std::vector<SavedRange> ranges;
};

/// What retiring a journal writes over its start: its 8 bytes of magic, zeroed.
const std::array<unsigned char, 8>& retired_mark();
/// True for a journal that holds no record: empty, or retired.
bool retired(const std::vector<unsigned char>& bytes);

/// The journal's bytes for `record`.
std::vector<unsigned char> encode(const UndoRecord& record);
/// The record a journal holds, or nothing when it is empty or incomplete (a writer died while
/// writing it: the file itself was not touched yet). Checks every length against the data.
std::optional<UndoRecord> decode(const std::vector<unsigned char>& bytes);

/// Writes all of `size` bytes at `offset`, retrying short writes; false on an error (errno set).
bool write_fully(int fd, const void* data, std::size_t size, std::uint64_t offset);
/// Reads up to `size` bytes at `offset`; returns how many were read (fewer at the end of the
/// file), or -1 on an error.
ssize_t read_fully(int fd, void* data, std::size_t size, std::uint64_t offset);

/// What recover() found and did.
enum class Recovery {
  kClean,           ///< no journal, or an empty one: nothing to do
  kDiscarded,       ///< an incomplete journal (the file was untouched): removed
  kRolledBack,      ///< a complete journal: the file is back at its last complete commit
  kWriterActive,    ///< a live writer holds the file (its journal belongs to a commit in progress)
  kCannotRollBack,  ///< a complete journal, but the file cannot be written by this process
};

/// Makes the results file at `path` whole before it is opened: rolls back a commit that a
/// killed writer left half done. Safe while a writer runs (it holds the file's lock: nothing is
/// touched then). Throws aecnn::store::H5Error naming the file when a roll-back fails midway
/// (it is repeated on the next open, from the same journal).
Recovery recover(const std::string& path);

/// The journal's record when a reader must see the file through it (recover() could not roll
/// back: kWriterActive or kCannotRollBack), else nothing.
std::optional<UndoRecord> read_complete(const std::string& path);

}  // namespace aecnn::store::journal
