#pragma once
// Private to the store: the check that a format-2 file's tables are what this tool writes, made
// before anything reads or writes them. A results file is untrusted data (copied, hand-edited,
// half-synced): a column deleted, retyped, reshaped, cut short or claiming rows it does not store
// must end in one error naming that column, never in an exception from deep inside a reader, an
// allocation of what the file claims, or a resumed sweep writing past a damaged table.
#include <hdf5.h>

#include <string>

#include "aecnn/store/results_file.hpp"

namespace aecnn::store::layout {

/// A table whose columns differ in length. Readers of a file that a running sweep writes may
/// see this while a commit completes, and read again; anyone else reports it.
class LengthMismatch : public H5Error {
 public:
  using H5Error::H5Error;
};

/// Checks /trials, /config, /history, /metrics and /provenance of `file`: every column there, of
/// its kind (integers, numbers or strings) and number of dimensions, the columns of a table of
/// one length (/config's as /trials'), per-class cells of one width, and no column claiming
/// more rows than it stores. Throws H5Error naming the file and column (`path`:/table/column).
void check_tables(hid_t file, const std::string& path);

}  // namespace aecnn::store::layout
