#pragma once
// Private to the store: giving back the space of deleted objects (dropped weights, done trials'
// resume state). HDF5 reuses freed space only while the file stays open, and the journaled
// driver commits nothing at close, so what a run frees and does not reuse stays in the file as
// dead bytes. At the end of a run the writer measures it and, when it is worth it, writes every
// live object into a new file and renames that over the old one: a crash leaves the old file or
// the new one, each whole, never a mix (docs/results-format.md, "Space").
#include <hdf5.h>

#include <string>

namespace aecnn::store::compaction {

/// Where the copy is written before it replaces `path`; a leftover one (a crash mid-copy) is
/// removed by the next writer.
std::string copy_path(const std::string& path);

/// Bytes the open file's free-space managers hold for reuse (space freed in this session).
unsigned long long free_bytes(hid_t file, const std::string& path);

/// Bytes the file's live objects take, as h5stat counts them (superblock, object headers, group
/// and chunk indexes and heaps, attributes, raw data) plus variable-length strings' heap objects.
/// The file's size less this is its dead space, also the part HDF5 stopped tracking. Visits
/// every object: a few milliseconds for a run's tables, longer with thousands of checkpoints.
unsigned long long live_bytes(hid_t file, const std::string& path);

/// Whether giving back `free` bytes of a `size`-byte file is worth a copy of the rest: at least
/// 4 MiB and an eighth of the file.
bool worth_it(unsigned long long free, unsigned long long size);

/// Writes every object and root attribute of `file` into a new file at `copy_path(path)`, and
/// syncs it. Throws H5Error (the copy is removed).
void write_copy(hid_t file, const std::string& path);

/// Renames the synced copy over `path` and syncs the folder: the one atomic step.
void replace_with_copy(const std::string& path);
/// The same for any synced file `replacement` (an upgrade's converted file).
void replace_with(const std::string& path, const std::string& replacement);
/// Flushes a closed file's data to the disk (before a rename makes it the file).
void sync_file(const std::string& path);

}  // namespace aecnn::store::compaction
