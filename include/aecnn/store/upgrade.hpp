#pragma once
// `aecnn-sweep upgrade FILE`: converts a results file of an earlier format to the one this
// aecnn-sweep writes, so that a sweep can continue it. The file is read, written anew beside
// itself (`FILE.upgrading`), synced, and renamed over the old one: a crash at any moment leaves
// the old file whole (the next upgrade removes the leftover copy).
#include <string>

namespace aecnn::store {

/// Converts the results file at `path` to the current format. Returns the line to print (what
/// was converted, or that nothing needed it). Throws H5Error naming the file when it is not an
/// aecnn-sweep results file, is of a newer format, or cannot be written.
std::string upgrade_results(const std::string& path);

}  // namespace aecnn::store
