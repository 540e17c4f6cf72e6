#include "aecnn/data/fashion_mnist.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../support/temp_dir.hpp"

namespace aecnn::data {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Test vectors from numpy, whose RandomState(42).permutation sklearn's train_test_split(
// random_state=42) draws: python3 -c "import numpy; p = numpy.random.RandomState(42).permutation(60000);
// print(numpy.random.RandomState(42).permutation(10), p[:8], p[10000:10008])"
TEST(NumpyPermutation, MatchesRandomState42Of10) {
  EXPECT_THAT(numpy_permutation(10, 42), ElementsAre(8, 1, 5, 0, 7, 2, 9, 4, 3, 6));
}

TEST(NumpyPermutation, MatchesTrainTestSplitOfTheFullSet) {
  const auto split = split_train_validation(60000, 10000, 42);
  ASSERT_EQ(split.validation.size(), 10000u);
  ASSERT_EQ(split.train.size(), 50000u);
  EXPECT_THAT(std::vector<std::int64_t>(split.validation.begin(), split.validation.begin() + 8),
              ElementsAre(12628, 37730, 39991, 8525, 8279, 51012, 14871, 15127));
  EXPECT_THAT(std::vector<std::int64_t>(split.train.begin(), split.train.begin() + 8),
              ElementsAre(11210, 17024, 43389, 30050, 34665, 17721, 37144, 21765));
}

TEST(StudySplit, HoldsOutOneSixth) {
  EXPECT_EQ(study_validation_count(60000), 10000);
  EXPECT_EQ(study_validation_count(8226), 1371);  // 6,855 train images remain
}

TEST(FashionMnist, LoadsTheSubset) {
  const FashionMnist data = load_fashion_mnist(aecnn::testing::subset_dir());
  EXPECT_EQ(data.train.images.count, 8226);
  EXPECT_EQ(data.test.images.count, 4443);
  EXPECT_EQ(data.test.labels.size(), 4443u);
}

TEST(FashionMnist, MissingFolderSaysHowToFetch) {
  try {
    load_fashion_mnist("/nonexistent/fmnist");
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), HasSubstr("/nonexistent/fmnist/train-images-idx3-ubyte.gz: missing"));
    EXPECT_THAT(error.what(), HasSubstr("scripts/fetch-data"));
  }
}

// A data folder of one training image (with `train_labels`) and one test image.
void write_one_image_folder(const aecnn::testing::TempDir& dir, const std::vector<std::uint8_t>& train_labels) {
  const std::vector<std::uint8_t> image(28 * 28);
  write_idx(dir.file(kFashionMnistFiles[0]), kImageMagic, {1, 28, 28}, image);
  write_idx(dir.file(kFashionMnistFiles[1]), kLabelMagic, {static_cast<std::int32_t>(train_labels.size())}, train_labels);
  write_idx(dir.file(kFashionMnistFiles[2]), kImageMagic, {1, 28, 28}, image);
  write_idx(dir.file(kFashionMnistFiles[3]), kLabelMagic, {1}, {0});
}

TEST(FashionMnist, ImageAndLabelCountsMustAgree) {
  aecnn::testing::TempDir dir;
  write_one_image_folder(dir, {0, 1});
  try {
    load_fashion_mnist(dir.path());
    FAIL() << "no error";
  } catch (const IdxError& error) {
    EXPECT_THAT(error.what(), HasSubstr("2 labels for 1 images"));
  }
}

TEST(FashionMnist, CheckCountsTheSubsetsImages) {
  const FashionMnistCounts counts = check_fashion_mnist(aecnn::testing::subset_dir());
  EXPECT_EQ(counts.train, 8226);
  EXPECT_EQ(counts.test, 4443);
}

TEST(FashionMnist, CheckRefusesATrainingFileTooSmallToSplit) {
  aecnn::testing::TempDir dir;
  write_one_image_folder(dir, {3});
  try {
    check_fashion_mnist(dir.path());
    FAIL() << "no error";
  } catch (const IdxError& error) {
    EXPECT_THAT(error.what(), HasSubstr("train-images-idx3-ubyte.gz: 1 training image(s): at least 2"));
  }
}

}  // namespace
}  // namespace aecnn::data
