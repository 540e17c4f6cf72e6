#include "undo_journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "aecnn/store/results_file.hpp"

namespace aecnn::store::journal {
namespace {

constexpr char kMagic[8] = {'A', 'E', 'C', 'N', 'N', '-', 'J', '1'};
constexpr char kEndMagic[8] = {'C', 'O', 'M', 'M', 'I', 'T', 'T', 'D'};
constexpr std::size_t kHeaderBytes = 8 + 8 + 8 + 4;
constexpr std::size_t kTrailerBytes = 4 + 8;

template <typename T>
void put(std::vector<unsigned char>& out, T value) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(&value);
  out.insert(out.end(), bytes, bytes + sizeof value);
}

template <typename T>
bool take(const std::vector<unsigned char>& in, std::size_t& at, std::size_t end, T& value) {
  if (end - at < sizeof value) return false;
  std::memcpy(&value, in.data() + at, sizeof value);
  at += sizeof value;
  return true;
}

std::uint32_t crc_of(const unsigned char* data, std::size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (size > 0) {  // zlib takes uInt lengths
    const uInt part = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
    crc = crc32(crc, data, part);
    data += part;
    size -= part;
  }
  return static_cast<std::uint32_t>(crc);
}

// An fd closed on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::vector<unsigned char> read_file(int fd) {
  struct stat info {};
  if (fstat(fd, &info) != 0) return {};
  std::vector<unsigned char> bytes(static_cast<std::size_t>(info.st_size));
  const ssize_t got = read_fully(fd, bytes.data(), bytes.size(), 0);
  bytes.resize(got < 0 ? 0 : static_cast<std::size_t>(got));
  return bytes;
}

// Holds the results file's lock for the roll-back: a live writer holds it for its whole run, so
// a journal whose file is locked belongs to a commit in progress and must be left alone.
// Filesystems without flock (some network mounts) cannot tell; a writer is then assumed gone,
// as two writers on one file are refused there only by the rest of the tool.
bool lock_exclusive(int fd) {
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
  return errno == ENOSYS || errno == ENOLCK || errno == EOPNOTSUPP;
}

std::string system_error(const std::string& what) { return what + " (" + std::strerror(errno) + ")"; }

}  // namespace

std::string journal_path(const std::string& path) { return path + ".journal"; }

const std::array<unsigned char, 8>& retired_mark() {
  static const std::array<unsigned char, 8> mark{};  // zeros over the magic
  return mark;
}

bool retired(const std::vector<unsigned char>& bytes) {
  return bytes.empty() || (bytes.size() >= 8 && std::memcmp(bytes.data(), retired_mark().data(), 8) == 0);
}

std::vector<unsigned char> encode(const UndoRecord& record) {
  std::vector<unsigned char> out(kMagic, kMagic + 8);
  put<std::uint64_t>(out, 0);  // the record's own length, filled in below
  put<std::uint64_t>(out, record.original_length);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(record.ranges.size()));
  for (const auto& range : record.ranges) {
    put<std::uint64_t>(out, range.offset);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(range.bytes.size()));
    out.insert(out.end(), range.bytes.begin(), range.bytes.end());
  }
  const std::uint64_t length = out.size() + kTrailerBytes;
  std::memcpy(out.data() + 8, &length, sizeof length);
  put<std::uint32_t>(out, crc_of(out.data(), out.size()));
  out.insert(out.end(), kEndMagic, kEndMagic + 8);
  return out;
}

std::optional<UndoRecord> decode(const std::vector<unsigned char>& bytes) {
  if (bytes.size() < kHeaderBytes + kTrailerBytes) return std::nullopt;
  if (std::memcmp(bytes.data(), kMagic, 8) != 0) return std::nullopt;
  // The record may be followed by the tail of a longer earlier one: the journal file is reused,
  // not truncated, between commits.
  std::uint64_t length = 0;
  std::memcpy(&length, bytes.data() + 8, sizeof length);
  if (length < kHeaderBytes + kTrailerBytes || length > bytes.size()) return std::nullopt;
  const std::size_t body = static_cast<std::size_t>(length) - kTrailerBytes;
  if (std::memcmp(bytes.data() + body + 4, kEndMagic, 8) != 0) return std::nullopt;
  std::uint32_t crc = 0;
  std::memcpy(&crc, bytes.data() + body, 4);
  if (crc != crc_of(bytes.data(), body)) return std::nullopt;
  UndoRecord record;
  std::size_t at = 16;
  std::uint32_t count = 0;
  if (!take(bytes, at, body, record.original_length) || !take(bytes, at, body, count)) return std::nullopt;
  for (std::uint32_t i = 0; i < count; ++i) {
    SavedRange range;
    std::uint32_t size = 0;
    if (!take(bytes, at, body, range.offset) || !take(bytes, at, body, size) || body - at < size) return std::nullopt;
    range.bytes.assign(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                       bytes.begin() + static_cast<std::ptrdiff_t>(at + size));
    at += size;
    record.ranges.push_back(std::move(range));
  }
  if (at != body) return std::nullopt;
  return record;
}

bool write_fully(int fd, const void* data, std::size_t size, std::uint64_t offset) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  while (size > 0) {
    const ssize_t done = ::pwrite(fd, bytes, size, static_cast<off_t>(offset));
    if (done < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes += done;
    size -= static_cast<std::size_t>(done);
    offset += static_cast<std::uint64_t>(done);
  }
  return true;
}

ssize_t read_fully(int fd, void* data, std::size_t size, std::uint64_t offset) {
  auto* bytes = static_cast<unsigned char*>(data);
  std::size_t total = 0;
  while (total < size) {
    const ssize_t got = ::pread(fd, bytes + total, size - total, static_cast<off_t>(offset + total));
    if (got < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (got == 0) break;
    total += static_cast<std::size_t>(got);
  }
  return static_cast<ssize_t>(total);
}

Recovery recover(const std::string& path) {
  const std::string jpath = journal_path(path);
  Fd journal(::open(jpath.c_str(), O_RDONLY | O_CLOEXEC));
  if (journal.get() < 0) return Recovery::kClean;  // no journal: the last commit completed
  const std::vector<unsigned char> bytes = read_file(journal.get());
  const std::optional<UndoRecord> record = decode(bytes);

  Fd file(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (file.get() < 0) {
    if (errno == ENOENT) {  // a journal without its file (the file was deleted): stale
      ::unlink(jpath.c_str());
      return Recovery::kDiscarded;
    }
    return record ? Recovery::kCannotRollBack : Recovery::kClean;
  }
  if (!lock_exclusive(file.get())) return Recovery::kWriterActive;
  if (!record) {
    // Empty or retired (a writer killed between commits), or cut short while being written (the
    // file was not touched yet): either way the file holds its last complete commit.
    ::unlink(jpath.c_str());
    return retired(bytes) ? Recovery::kClean : Recovery::kDiscarded;
  }
  for (const auto& range : record->ranges)
    if (!write_fully(file.get(), range.bytes.data(), range.bytes.size(), range.offset))
      throw H5Error(path + ": " + system_error("cannot roll back the unfinished commit in " + jpath));
  if (ftruncate(file.get(), static_cast<off_t>(record->original_length)) != 0 || fsync(file.get()) != 0)
    throw H5Error(path + ": " + system_error("cannot roll back the unfinished commit in " + jpath));
  // Only once the file is whole again may the journal go; a kill before this repeats the roll-back.
  ::unlink(jpath.c_str());
  return Recovery::kRolledBack;
}

std::optional<UndoRecord> read_complete(const std::string& path) {
  Fd journal(::open(journal_path(path).c_str(), O_RDONLY | O_CLOEXEC));
  if (journal.get() < 0) return std::nullopt;
  return decode(read_file(journal.get()));
}

}  // namespace aecnn::store::journal
