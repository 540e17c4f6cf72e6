#include "aecnn/data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace aecnn::data {
namespace {

// Owns one gzFile; closes it on every path out, errors included.
class GzFile {
 public:
  GzFile(const std::string& path, const char* mode) : path_(path), file_(gzopen(path.c_str(), mode)) {
    if (file_ == nullptr)
      throw IdxError(path + ": cannot open (" + std::string(std::strerror(errno)) + ")");
  }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;
  ~GzFile() { gzclose(file_); }

  /// Reads up to `size` bytes; returns how many were read. Throws on a corrupt stream.
  std::size_t read(void* buffer, std::size_t size) {
    std::size_t total = 0;
    auto* bytes = static_cast<unsigned char*>(buffer);
    while (total < size) {
      // gzread takes an unsigned int, so large payloads go in slices.
      unsigned slice = static_cast<unsigned>(std::min<std::size_t>(size - total, 1u << 30));
      int got = gzread(file_, bytes + total, slice);
      if (got < 0) {
        int code = 0;
        const char* message = gzerror(file_, &code);
        throw IdxError(path_ + ": corrupt gzip stream at byte " + std::to_string(offset_ + total) +
                       " (" + message + ")");
      }
      if (got == 0) break;
      total += static_cast<std::size_t>(got);
    }
    offset_ += total;
    return total;
  }
  void write(const void* buffer, std::size_t size) {
    if (gzwrite(file_, buffer, static_cast<unsigned>(size)) != static_cast<int>(size))
      throw IdxError(path_ + ": write failed");
  }
  std::size_t offset() const noexcept { return offset_; }

 private:
  std::string path_;
  gzFile file_;
  std::size_t offset_ = 0;
};

std::uint32_t read_be32(GzFile& file, const std::string& path, const char* what) {
  unsigned char b[4];
  std::size_t at = file.offset();
  if (file.read(b, 4) != 4)
    throw IdxError(path + ": truncated header: no " + what + " at byte " + std::to_string(at));
  return (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) | (std::uint32_t(b[2]) << 8) | b[3];
}

std::string hex(std::uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

// The largest payload a header may promise: ten times the full Fashion-MNIST training images
// (47 MB), far below what would make a size computation overflow.
constexpr std::uint64_t kMaxPayloadBytes = std::uint64_t(1) << 30;

// Reads the header and payload of an IDX file with `expected_magic` (whose low byte is the
// number of dimensions). The header is untrusted: every dimension and their product are checked
// before anything is allocated, and the payload grows only as bytes actually arrive, so a
// truncated file that promises a gigabyte costs what it holds.
std::vector<std::uint8_t> read_idx(const std::string& path, std::uint32_t expected_magic,
                                   std::vector<std::int64_t>& dims) {
  GzFile file(path, "rb");
  const std::uint32_t magic = read_be32(file, path, "magic number");
  if (magic != expected_magic)
    throw IdxError(path + ": wrong magic number " + hex(magic) + " at byte 0 (expected " +
                   hex(expected_magic) + (expected_magic == kImageMagic ? ", an image file)" : ", a label file)"));
  const std::size_t rank = magic & 0xff;
  std::uint64_t size = 1;
  dims.clear();
  for (std::size_t d = 0; d < rank; ++d) {
    const std::uint32_t dim = read_be32(file, path, "dimension");
    // Fashion-MNIST has 70,000 images at most; the bound rejects garbage before allocating.
    if (dim == 0 || dim > (1u << 24))
      throw IdxError(path + ": implausible dimension " + std::to_string(dim) + " at byte " +
                     std::to_string(4 + 4 * d));
    dims.push_back(dim);
    // size <= 2^30 (checked every step) and dim <= 2^24: the product fits in 64 bits.
    size *= dim;
    if (size > kMaxPayloadBytes)
      throw IdxError(path + ": implausible size: the dimensions up to byte " + std::to_string(8 + 4 * d) +
                     " promise more than " + std::to_string(kMaxPayloadBytes) + " data bytes");
  }
  const std::size_t header = file.offset();
  std::vector<std::uint8_t> data;
  constexpr std::size_t kChunk = std::size_t(1) << 22;
  while (data.size() < size) {
    const std::size_t want = std::min<std::size_t>(kChunk, static_cast<std::size_t>(size) - data.size());
    const std::size_t at = data.size();
    data.resize(at + want);
    const std::size_t got = file.read(data.data() + at, want);
    data.resize(at + got);
    if (got < want) break;
  }
  if (data.size() != size)
    throw IdxError(path + ": truncated: header promises " + std::to_string(size) + " data bytes, file has " +
                   std::to_string(data.size()) + " (ends at byte " + std::to_string(header + data.size()) + ")");
  unsigned char extra;
  if (file.read(&extra, 1) != 0)
    throw IdxError(path + ": " + std::to_string(header + size) +
                   " bytes expected, but the file goes on (header count too small?)");
  return data;
}

}  // namespace

IdxImages read_idx_images(const std::string& path) {
  std::vector<std::int64_t> dims;
  IdxImages images;
  images.pixels = read_idx(path, kImageMagic, dims);
  images.count = dims[0];
  images.rows = dims[1];
  images.cols = dims[2];
  return images;
}

std::vector<std::uint8_t> read_idx_labels(const std::string& path) {
  std::vector<std::int64_t> dims;
  std::vector<std::uint8_t> labels = read_idx(path, kLabelMagic, dims);
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] > 9)
      throw IdxError(path + ": label " + std::to_string(labels[i]) + " out of range 0-9 at byte " +
                     std::to_string(8 + i));
  return labels;
}

void write_idx(const std::string& path, std::uint32_t magic, const std::vector<std::int32_t>& dims,
               const std::vector<std::uint8_t>& data) {
  const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  GzFile file(path, gz ? "wb" : "wbT");  // "T": plain, uncompressed output
  auto put = [&](std::uint32_t v) {
    unsigned char b[4] = {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
                          static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
    file.write(b, 4);
  };
  put(magic);
  for (auto d : dims) put(static_cast<std::uint32_t>(d));
  if (!data.empty()) file.write(data.data(), data.size());
}

}  // namespace aecnn::data
