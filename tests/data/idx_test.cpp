#include "aecnn/data/idx.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../support/error_message.hpp"
#include "../support/temp_dir.hpp"

namespace aecnn::data {
namespace {

using ::testing::HasSubstr;
using aecnn::testing::TempDir;

std::string error_of(const std::function<void()>& action) { return aecnn::testing::error_message<IdxError>(action); }

TEST(Idx, ReadsImagesWrittenGzippedAndPlain) {
  TempDir dir;
  std::vector<std::uint8_t> pixels(2 * 3 * 4);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 7);
  for (const char* name : {"images.gz", "images"}) {
    write_idx(dir.file(name), kImageMagic, {2, 3, 4}, pixels);
    const IdxImages images = read_idx_images(dir.file(name));
    EXPECT_EQ(images.count, 2);
    EXPECT_EQ(images.rows, 3);
    EXPECT_EQ(images.cols, 4);
    EXPECT_EQ(images.pixels, pixels);
  }
}

TEST(Idx, ReadsTheShippedSubset) {
  const auto dir = aecnn::testing::subset_dir();
  const IdxImages images = read_idx_images(dir + "/train-images-idx3-ubyte.gz");
  EXPECT_EQ(images.count, 8226);
  EXPECT_EQ(images.rows, 28);
  EXPECT_EQ(read_idx_labels(dir + "/train-labels-idx1-ubyte.gz").size(), 8226u);
  EXPECT_EQ(read_idx_labels(dir + "/t10k-labels-idx1-ubyte.gz").size(), 4443u);
  // The official first training label is 9 (Ankle boot), the first test label 9 too.
  EXPECT_EQ(read_idx_labels(dir + "/train-labels-idx1-ubyte.gz")[0], 9);
}

TEST(Idx, MissingFileNamesTheFile) {
  EXPECT_THAT(error_of([] { read_idx_images("/nonexistent/x.gz"); }),
              HasSubstr("/nonexistent/x.gz: cannot open"));
}

TEST(Idx, WrongMagicIsReported) {
  TempDir dir;
  write_idx(dir.file("labels.gz"), kLabelMagic, {3}, {1, 2, 3});
  EXPECT_THAT(error_of([&] { read_idx_images(dir.file("labels.gz")); }),
              HasSubstr("labels.gz: wrong magic number 0x00000801 at byte 0 (expected 0x00000803"));
}

TEST(Idx, TruncatedDataIsReported) {
  TempDir dir;
  // Header promises 2x3x4 = 24 bytes; give 20.
  write_idx(dir.file("short.gz"), kImageMagic, {2, 3, 4}, std::vector<std::uint8_t>(20));
  EXPECT_THAT(error_of([&] { read_idx_images(dir.file("short.gz")); }),
              HasSubstr("short.gz: truncated: header promises 24 data bytes, file has 20"));
}

TEST(Idx, TrailingBytesAreReported) {
  TempDir dir;
  write_idx(dir.file("long.gz"), kLabelMagic, {3}, {1, 2, 3, 4});
  EXPECT_THAT(error_of([&] { read_idx_labels(dir.file("long.gz")); }), HasSubstr("the file goes on"));
}

TEST(Idx, TruncatedHeaderIsReported) {
  TempDir dir;
  dir.write("tiny", std::string("\x00\x00\x08", 3));
  EXPECT_THAT(error_of([&] { read_idx_images(dir.file("tiny")); }), HasSubstr("truncated header"));
}

TEST(Idx, CutGzipStreamIsReported) {
  TempDir dir;
  std::vector<std::uint8_t> pixels(28 * 28 * 50);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 31 % 251);
  write_idx(dir.file("full.gz"), kImageMagic, {50, 28, 28}, pixels);
  const auto size = std::filesystem::file_size(dir.file("full.gz"));
  std::filesystem::copy_file(dir.file("full.gz"), dir.file("cut.gz"));
  std::filesystem::resize_file(dir.file("cut.gz"), size / 2);
  const std::string message = error_of([&] { read_idx_images(dir.file("cut.gz")); });
  EXPECT_THAT(message, HasSubstr("cut.gz: "));
  EXPECT_NE(message, "no error");
}

TEST(Idx, ADimensionProductBeyondTheCapIsRefusedBeforeAnyAllocation) {
  TempDir dir;
  // 2^24 x 2^24 x 2^24 would wrap a 64-bit size: refused at the second dimension already.
  write_idx(dir.file("huge.gz"), kImageMagic, {1 << 24, 1 << 24, 1 << 24}, {});
  EXPECT_THAT(error_of([&] { read_idx_images(dir.file("huge.gz")); }),
              HasSubstr("huge.gz: implausible size: the dimensions up to byte 12 promise more than 1073741824"));
}

TEST(Idx, ATruncatedFileThatPromisesMuchIsReportedWithWhatItHolds) {
  TempDir dir;
  // 60,000 x 28 x 28 promised (47 MB), 100 bytes there.
  write_idx(dir.file("promise.gz"), kImageMagic, {60000, 28, 28}, std::vector<std::uint8_t>(100, 7));
  EXPECT_THAT(error_of([&] { read_idx_images(dir.file("promise.gz")); }),
              HasSubstr("promise.gz: truncated: header promises 47040000 data bytes, file has 100 (ends at byte 116)"));
}

TEST(Idx, LabelOutOfRangeIsReported) {
  TempDir dir;
  write_idx(dir.file("labels.gz"), kLabelMagic, {3}, {1, 12, 3});
  EXPECT_THAT(error_of([&] { read_idx_labels(dir.file("labels.gz")); }),
              HasSubstr("label 12 out of range 0-9 at byte 9"));
}

}  // namespace
}  // namespace aecnn::data
