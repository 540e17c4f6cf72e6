#pragma once
// Private to the store: an HDF5 file driver that makes every H5Fflush an atomic commit.
//
// HDF5 writes metadata in place as it pleases (a flush writes dozens of blocks, in no order a
// crash could rely on; its cache may evict between flushes). This driver lets none of that reach
// the file until HDF5 says the file is consistent: every write between two flushes is kept in
// memory, in 4 KiB pages, and reads see it. At commit() the pages are committed
// with the undo journal of undo_journal.hpp: the bytes they replace are saved and synced first,
// then the pages are written and synced, then the journal is emptied. A kill or a power loss at
// any write leaves a file that recover() brings back to the last complete commit. HDF5's own
// flushes commit nothing (it also flushes where its file is not consistent), nor does closing:
// what the writer did not commit is dropped.
//
// The file is an ordinary HDF5 file: h5py, h5dump and the default driver read it. Readers of
// ours open it through this driver too: it rolls back what a killed writer left unfinished, or,
// when it may not (a writer still runs, or the file is read-only to us), shows the file as the
// journal says it was.
#include "h5.hpp"

namespace aecnn::store::journaled {

/// A file access property list that opens files through the journaled driver.
h5::Id file_access();

/// Makes everything written to `file` (opened with file_access()) since the last commit part
/// of the file, atomically: H5Fflush, then the journaled write. Throws H5Error naming `path`.
void commit(hid_t file, const std::string& path);

}  // namespace aecnn::store::journaled
