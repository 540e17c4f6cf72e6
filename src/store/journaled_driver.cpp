#include "journaled_driver.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <climits>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "undo_journal.hpp"

namespace aecnn::store::journaled {
namespace {

constexpr std::uint64_t kPage = 4096;

// One open results file. HDF5 knows it as the H5FD_t at its start (the driver ABI).
struct File {
  H5FD_t pub{};
  int fd = -1;
  int journal_fd = -1;  ///< writers only: the undo journal, kept open (and empty) between commits
  std::string path;
  bool writable = false;
  dev_t device{};
  ino_t inode{};
  haddr_t eoa = 0;
  /// The file's length on disk after the last commit (a reader: the length the journal names).
  std::uint64_t committed_length = 0;
  /// Bytes below this that are not in `pages` come from the disk; above it they read as zeros (a
  /// truncation since the last commit cut them, or they were never written).
  std::uint64_t readable_length = 0;
  /// The length the file has once what is pending is committed.
  std::uint64_t length = 0;
  /// Writers: every page written since the last commit. Readers: the bytes a journal saved.
  std::map<std::uint64_t, std::vector<unsigned char>> pages;
};

thread_local std::string last_error;  ///< what fail() said last: HDF5's own message is vaguer

// Puts `message` on HDF5's error stack (the caller's H5Error shows the innermost entry) and
// returns HDF5's failure value.
herr_t fail(const std::string& message) {
  last_error = message;
  H5Epush2(H5E_DEFAULT, __FILE__, "aecnn journaled driver", __LINE__, H5E_ERR_CLS, H5E_VFL, H5E_WRITEERROR, "%s",
           message.c_str());
  return -1;
}

std::string with_errno(const std::string& what) { return what + ": " + std::strerror(errno); }

File* as_file(H5FD_t* file) { return reinterpret_cast<File*>(file); }
const File* as_file(const H5FD_t* file) { return reinterpret_cast<const File*>(file); }

// Reads [offset, offset + size) of what the disk holds, zeros past readable_length.
bool read_disk(const File& f, std::uint64_t offset, std::size_t size, unsigned char* out) {
  std::size_t from_disk = 0;
  if (offset < f.readable_length) from_disk = static_cast<std::size_t>(std::min<std::uint64_t>(size, f.readable_length - offset));
  if (from_disk > 0) {
    const ssize_t got = journal::read_fully(f.fd, out, from_disk, offset);
    if (got < 0) return false;
    from_disk = static_cast<std::size_t>(got);  // the disk may end early: the rest is zeros too
  }
  std::memset(out + from_disk, 0, size - from_disk);
  return true;
}

// The page's current content, made pending if it is not yet. `whole` says the caller is about
// to overwrite all of it: then its old bytes need not be read.
std::vector<unsigned char>* page_for_write(File& f, std::uint64_t index, bool whole = false) {
  auto it = f.pages.find(index);
  if (it != f.pages.end()) return &it->second;
  std::vector<unsigned char> page(kPage);
  if (!whole && !read_disk(f, index * kPage, kPage, page.data())) return nullptr;
  return &f.pages.emplace(index, std::move(page)).first->second;
}

// Writes `vectors` at `offset` with as few pwritev calls as the kernel allows.
bool write_vectors(int fd, std::vector<iovec>& vectors, std::uint64_t offset) {
  std::size_t first = 0;
  while (first < vectors.size()) {
    const ssize_t done = pwritev(fd, vectors.data() + first, static_cast<int>(vectors.size() - first), static_cast<off_t>(offset));
    if (done < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    offset += static_cast<std::uint64_t>(done);
    auto left = static_cast<std::size_t>(done);
    while (first < vectors.size() && left >= vectors[first].iov_len) left -= vectors[first++].iov_len;
    if (first < vectors.size()) {  // a short write ended inside this one
      vectors[first].iov_base = static_cast<char*>(vectors[first].iov_base) + left;
      vectors[first].iov_len -= left;
    }
  }
  return true;
}

// Writes the pending pages in runs of consecutive pages (a pwritev per run of up to IOV_MAX
// pages, no copying), the last one cut at the file's length.
bool write_pages(File& f) {
  std::vector<iovec> vectors;
  for (auto it = f.pages.begin(); it != f.pages.end();) {
    const std::uint64_t start = it->first * kPage;
    vectors.clear();
    for (std::uint64_t next = it->first; it != f.pages.end() && it->first == next && vectors.size() < IOV_MAX;
         ++it, ++next) {
      const std::uint64_t size = std::min<std::uint64_t>(kPage, f.length - std::min(f.length, it->first * kPage));
      if (size > 0) vectors.push_back({it->second.data(), static_cast<std::size_t>(size)});
    }
    if (!write_vectors(f.fd, vectors, start)) return false;
  }
  return true;
}

// Commits what is pending (the protocol of undo_journal.hpp). After a failure the journal stays
// as it is: if it is complete, the next open rolls the file back.
herr_t commit(File& f) {
  if (!f.writable) return 0;
  if (f.pages.empty() && f.length == f.committed_length && f.readable_length == f.committed_length) return 0;

  // 1. Save what changes: the pending pages that exist on disk, and whatever a truncation cut.
  journal::UndoRecord undo;
  undo.original_length = f.committed_length;
  std::set<std::uint64_t> saved;
  for (const auto& entry : f.pages)
    if (entry.first * kPage < f.committed_length) saved.insert(entry.first);
  for (std::uint64_t p = f.readable_length / kPage; p * kPage < f.committed_length; ++p) saved.insert(p);
  // One range, read at once, per run of consecutive pages (at most 2^18 pages: a record's size
  // is 32 bits).
  for (auto it = saved.begin(); it != saved.end();) {
    std::uint64_t first = *it, next = first;
    for (; it != saved.end() && *it == next && next - first < (1u << 18); ++it) ++next;
    journal::SavedRange range;
    range.offset = first * kPage;
    range.bytes.resize(static_cast<std::size_t>(std::min<std::uint64_t>(next * kPage, f.committed_length) - range.offset));
    const ssize_t got = journal::read_fully(f.fd, range.bytes.data(), range.bytes.size(), range.offset);
    if (got != static_cast<ssize_t>(range.bytes.size())) return fail(with_errno(f.path + ": cannot read before a commit"));
    undo.ranges.push_back(std::move(range));
  }
  const std::vector<unsigned char> bytes = journal::encode(undo);
  if (!journal::write_fully(f.journal_fd, bytes.data(), bytes.size(), 0) || fdatasync(f.journal_fd) != 0)
    return fail(with_errno(journal::journal_path(f.path) + ": cannot write the journal"));

  // 2. Change the file, in runs of consecutive pages.
  if (f.readable_length < f.committed_length && ftruncate(f.fd, static_cast<off_t>(f.readable_length)) != 0)
    return fail(with_errno(f.path + ": cannot truncate"));
  if (!write_pages(f)) return fail(with_errno(f.path + ": cannot write"));
  struct stat info {};
  if (fstat(f.fd, &info) != 0) return fail(with_errno(f.path + ": cannot stat"));
  if (static_cast<std::uint64_t>(info.st_size) != f.length && ftruncate(f.fd, static_cast<off_t>(f.length)) != 0)
    return fail(with_errno(f.path + ": cannot set the length"));
  if (fdatasync(f.fd) != 0) return fail(with_errno(f.path + ": cannot sync"));

  // 3. The commit is complete: the journal is retired (a retired journal undoes nothing). Its
  // size stays, so the sync need not touch the file's metadata.
  const auto& mark = journal::retired_mark();
  if (!journal::write_fully(f.journal_fd, mark.data(), mark.size(), 0) || fdatasync(f.journal_fd) != 0)
    return fail(with_errno(journal::journal_path(f.path) + ": cannot retire the journal"));
  f.committed_length = f.readable_length = f.length;
  f.pages.clear();
  return 0;
}

// A reader that may not roll back (a writer runs, or the file is not ours to write) sees the
// file as the complete journal says it was before the commit in progress.
bool overlay_journal(File& f) {
  const auto undo = journal::read_complete(f.path);
  if (!undo) return true;
  f.committed_length = f.length = undo->original_length;
  f.readable_length = std::min<std::uint64_t>(f.readable_length, undo->original_length);
  for (const auto& range : undo->ranges)
    for (std::uint64_t done = 0; done < range.bytes.size();) {
      const std::uint64_t at = range.offset + done;
      auto* page = page_for_write(f, at / kPage);
      if (page == nullptr) return false;
      const std::uint64_t n = std::min<std::uint64_t>(kPage - at % kPage, range.bytes.size() - done);
      std::memcpy(page->data() + at % kPage, range.bytes.data() + done, n);
      done += n;
    }
  return true;
}

// Syncs the folder that holds `path`, so that a file just created there survives a power loss.
void sync_folder_of(const std::string& path) {
  std::string folder = std::filesystem::path(path).parent_path().string();
  if (folder.empty()) folder = ".";
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  ::close(fd);
}

H5FD_t* driver_open(const char* name, unsigned flags, hid_t, haddr_t) {
  last_error.clear();
  auto f = std::make_unique<File>();
  f->path = name;
  f->writable = (flags & H5F_ACC_RDWR) != 0;
  journal::Recovery recovery;
  try {
    recovery = journal::recover(f->path);  // before HDF5 reads a byte
  } catch (const std::exception& e) {
    fail(e.what());
    return nullptr;
  }
  if (f->writable && recovery == journal::Recovery::kWriterActive) {
    fail(f->path + ": another process is writing it (a sweep still running?)");
    return nullptr;
  }
  int mode = f->writable ? O_RDWR : O_RDONLY;
  if (flags & H5F_ACC_CREAT) mode |= O_CREAT;
  if (flags & H5F_ACC_TRUNC) mode |= O_TRUNC;
  if (flags & H5F_ACC_EXCL) mode |= O_EXCL;
  f->fd = ::open(name, mode | O_CLOEXEC, 0666);
  if (f->fd < 0) {
    fail(with_errno(f->path + ": cannot open"));
    return nullptr;
  }
  struct stat info {};
  if (fstat(f->fd, &info) != 0) {
    fail(with_errno(f->path + ": cannot stat"));
    ::close(f->fd);
    return nullptr;
  }
  f->device = info.st_dev;
  f->inode = info.st_ino;
  f->committed_length = f->readable_length = f->length = static_cast<std::uint64_t>(info.st_size);
  if (!f->writable && (recovery == journal::Recovery::kWriterActive || recovery == journal::Recovery::kCannotRollBack) &&
      !overlay_journal(*f)) {
    fail(with_errno(f->path + ": cannot read"));
    ::close(f->fd);
    return nullptr;
  }
  if (f->writable) {
    // The journal exists (empty) for the whole session, created and synced once, so that each
    // commit costs no folder sync. Emptying it erases any stale content for good.
    const std::string journal = journal::journal_path(f->path);
    f->journal_fd = ::open(journal.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f->journal_fd < 0 || fsync(f->journal_fd) != 0) {
      fail(with_errno(journal + ": cannot create the journal"));
      if (f->journal_fd >= 0) ::close(f->journal_fd);
      ::close(f->fd);
      return nullptr;
    }
    sync_folder_of(journal);
  }
  return &f.release()->pub;
}

// What was not committed is dropped: the file keeps its last commit, the state the writer
// vouched for (H5Fclose's own last writes, or half an update abandoned by an exception, never
// reach it).
herr_t driver_close(H5FD_t* file) {
  File* f = as_file(file);
  herr_t result = 0;
  if (f->journal_fd >= 0) {
    std::vector<unsigned char> start(8);
    const ssize_t got = journal::read_fully(f->journal_fd, start.data(), start.size(), 0);
    start.resize(got < 0 ? 0 : static_cast<std::size_t>(got));
    ::close(f->journal_fd);
    // Retired when the last commit completed: nothing to keep. After a failed one it may be needed.
    if (journal::retired(start)) ::unlink(journal::journal_path(f->path).c_str());
  }
  if (::close(f->fd) != 0) result = fail(with_errno(f->path + ": cannot close"));
  delete f;
  return result;
}

int driver_cmp(const H5FD_t* a, const H5FD_t* b) {
  const File *x = as_file(a), *y = as_file(b);
  if (x->device != y->device) return x->device < y->device ? -1 : 1;
  if (x->inode != y->inode) return x->inode < y->inode ? -1 : 1;
  return 0;
}

herr_t driver_query(const H5FD_t*, unsigned long* flags) {
  if (flags)
    *flags = H5FD_FEAT_AGGREGATE_METADATA | H5FD_FEAT_ACCUMULATE_METADATA | H5FD_FEAT_DATA_SIEVE |
             H5FD_FEAT_AGGREGATE_SMALLDATA | H5FD_FEAT_DEFAULT_VFD_COMPATIBLE;
  return 0;
}

haddr_t driver_get_eoa(const H5FD_t* file, H5FD_mem_t) { return as_file(file)->eoa; }
herr_t driver_set_eoa(H5FD_t* file, H5FD_mem_t, haddr_t addr) {
  as_file(file)->eoa = addr;
  return 0;
}
haddr_t driver_get_eof(const H5FD_t* file, H5FD_mem_t) { return as_file(file)->length; }

// The handle is the driver's own File, for commit() (the driver declares no POSIX-compatible
// handle, so HDF5 does not take it for an fd).
herr_t driver_get_handle(H5FD_t* file, hid_t, void** handle) {
  *handle = as_file(file);
  return 0;
}

herr_t driver_read(H5FD_t* file, H5FD_mem_t, hid_t, haddr_t addr, size_t size, void* buffer) {
  File& f = *as_file(file);
  auto* out = static_cast<unsigned char*>(buffer);
  const std::uint64_t end = addr + size;
  for (std::uint64_t at = addr; at < end;) {
    const std::uint64_t index = at / kPage;
    auto it = f.pages.lower_bound(index);
    if (it != f.pages.end() && it->first == index) {
      const std::uint64_t n = std::min<std::uint64_t>(kPage - at % kPage, end - at);
      std::memcpy(out + (at - addr), it->second.data() + at % kPage, n);
      at += n;
      continue;
    }
    // Up to the next pending page in one read.
    const std::uint64_t stop = it == f.pages.end() ? end : std::min<std::uint64_t>(end, it->first * kPage);
    if (!read_disk(f, at, static_cast<std::size_t>(stop - at), out + (at - addr)))
      return fail(with_errno(f.path + ": cannot read"));
    at = stop;
  }
  return 0;
}

herr_t driver_write(H5FD_t* file, H5FD_mem_t, hid_t, haddr_t addr, size_t size, const void* buffer) {
  File& f = *as_file(file);
  if (!f.writable) return fail(f.path + ": opened read-only");
  const auto* in = static_cast<const unsigned char*>(buffer);
  const std::uint64_t end = addr + size;
  for (std::uint64_t at = addr; at < end;) {
    const std::uint64_t n = std::min<std::uint64_t>(kPage - at % kPage, end - at);
    auto* page = page_for_write(f, at / kPage, /*whole=*/n == kPage);
    if (page == nullptr) return fail(with_errno(f.path + ": cannot read"));
    std::memcpy(page->data() + at % kPage, in + (at - addr), n);
    at += n;
  }
  f.length = std::max(f.length, end);
  return 0;
}

// HDF5 calls this at H5Fflush, but also where its file is NOT consistent: H5Fcreate flushes the
// new superblock alone (it promises an end of file that nothing has been written up to yet; a
// commit there left a file that no reader opens, found by tests/crash/crash_points.sh). So a
// flush commits nothing; commit() below does, when the writer says the file is consistent.
herr_t driver_flush(H5FD_t*, hid_t, hbool_t) { return 0; }

// HDF5 sets the file's length to what it has allocated (as the default driver does); applied at
// the commit, like every other change.
herr_t driver_truncate(H5FD_t* file, hid_t, hbool_t) {
  File& f = *as_file(file);
  if (!f.writable || f.eoa == f.length) return 0;
  if (f.eoa < f.length) {
    f.pages.erase(f.pages.lower_bound((f.eoa + kPage - 1) / kPage), f.pages.end());
    auto last = f.pages.find(f.eoa / kPage);
    if (last != f.pages.end()) std::fill(last->second.begin() + static_cast<std::ptrdiff_t>(f.eoa % kPage), last->second.end(), 0);
    f.readable_length = std::min<std::uint64_t>(f.readable_length, f.eoa);
  }
  f.length = f.eoa;
  return 0;
}

herr_t driver_lock(H5FD_t* file, hbool_t rw) {
  File& f = *as_file(file);
  if (flock(f.fd, (rw ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0) return 0;
  if (errno == ENOSYS || errno == ENOLCK || errno == EOPNOTSUPP) return 0;  // no locks on this filesystem
  return fail(f.path + ": another process is writing it (a sweep still running?)");
}

herr_t driver_unlock(H5FD_t* file) {
  flock(as_file(file)->fd, LOCK_UN);
  return 0;
}

constexpr H5FD_class_t kDriver = {
    "aecnn_journaled",                  // name
    (static_cast<haddr_t>(1) << 63) - 1,  // maxaddr: off_t's
    H5F_CLOSE_WEAK,                     // fc_degree
    nullptr,                            // terminate
    nullptr, nullptr, nullptr,          // superblock driver info: none (any driver reads the file)
    0, nullptr, nullptr, nullptr,       // fapl: no options
    0, nullptr, nullptr,                // dxpl
    driver_open,
    driver_close,
    driver_cmp,
    driver_query,
    nullptr,  // get_type_map
    nullptr,  // alloc
    nullptr,  // free
    driver_get_eoa,
    driver_set_eoa,
    driver_get_eof,
    driver_get_handle,
    driver_read,
    driver_write,
    driver_flush,
    driver_truncate,
    driver_lock,
    driver_unlock,
    H5FD_FLMAP_DICHOTOMY,
};

hid_t driver_id() {
  static const hid_t driver = H5FDregister(&kDriver);
  if (driver < 0) throw H5Error("cannot register the journaled HDF5 driver: " + h5::library_error());
  return driver;
}

}  // namespace

h5::Id file_access() {
  const hid_t driver = driver_id();
  h5::Id access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "cannot create a file access list");
  if (H5Pset_driver(access.get(), driver, nullptr) < 0)
    throw H5Error("cannot select the journaled HDF5 driver: " + h5::library_error());
  return access;
}

void commit(hid_t file, const std::string& path) {
  if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) throw H5Error(path + ": cannot commit: " + h5::library_error());
  h5::Id access(H5Fget_access_plist(file), H5Pclose, path + ": cannot read its access list");
  void* handle = nullptr;
  if (H5Pget_driver(access.get()) != driver_id() || H5Fget_vfd_handle(file, access.get(), &handle) < 0 || !handle)
    throw H5Error(path + ": not opened through the journaled driver");
  if (commit(*static_cast<File*>(handle)) < 0) throw H5Error(path + ": cannot commit: " + last_error);
}


}  // namespace aecnn::store::journaled
