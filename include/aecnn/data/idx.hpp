#pragma once
// Reader for the IDX format of (Fashion-)MNIST, gzip-compressed or plain (zlib reads both).
// Format: big-endian int32 magic (0x00000803 images, 0x00000801 labels), int32 dimensions,
// then uint8 data, row-major.
#include <cstdint>
#include <string>
#include <vector>

#include "aecnn/error.hpp"

namespace aecnn::data {

constexpr std::uint32_t kImageMagic = 0x00000803;
constexpr std::uint32_t kLabelMagic = 0x00000801;

/// A malformed or unreadable IDX file; what() names the file and, where known, the byte offset
/// (in the uncompressed stream) at which it went wrong.
class IdxError : public Error {
 public:
  using Error::Error;
};

/// `count` images of `rows` x `cols` uint8 pixels, image-major.
struct IdxImages {
  std::int64_t count = 0;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::vector<std::uint8_t> pixels;  ///< count * rows * cols values
};

/// Reads an image file. Throws IdxError on a missing file, wrong magic, implausible dimensions,
/// or a length that does not match the header (truncated or with trailing bytes).
IdxImages read_idx_images(const std::string& path);

/// Reads a label file; every label must be in [0, 9]. Throws IdxError like read_idx_images.
std::vector<std::uint8_t> read_idx_labels(const std::string& path);

/// Writes an IDX file (gzip-compressed when `path` ends in .gz). For tests and tools.
void write_idx(const std::string& path, std::uint32_t magic, const std::vector<std::int32_t>& dims,
               const std::vector<std::uint8_t>& data);

}  // namespace aecnn::data
