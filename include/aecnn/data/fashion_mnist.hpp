#pragma once
// Fashion-MNIST from a folder holding the four official IDX files, and the study's
// train/validation split.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "aecnn/data/idx.hpp"

namespace aecnn::data {

/// Class names in label order (the official README's).
extern const std::array<const char*, 10> kClassNames;

/// The official file names, relative to a data folder.
extern const std::array<const char*, 4> kFashionMnistFiles;

/// One labelled split: images[i] belongs with labels[i].
struct LabelledImages {
  IdxImages images;
  std::vector<std::uint8_t> labels;
};

struct FashionMnist {
  std::string dir;
  LabelledImages train;  ///< the official training file (60,000 images; 8,226 in the subset)
  LabelledImages test;   ///< the official test file (10,000; 4,443 in the subset)
};

/// Loads the four files from `dir`. A missing folder or file gets an error that says how to
/// fetch the data; malformed files an IdxError; image and label counts must agree.
FashionMnist load_fashion_mnist(const std::string& dir);

/// Throws the same errors as load_fashion_mnist when a file is missing, without reading data.
void check_fashion_mnist_present(const std::string& dir);

/// Reads the four files of `dir` completely and checks them as load_fashion_mnist does (magic,
/// dimensions, lengths, labels 0-9, image and label counts that agree, enough training images
/// to hold out a validation split), keeping nothing. Rank 0 calls it once before any trial, so
/// bad data is one error line and exit 2, not a failure of every trial. Returns the image counts.
struct FashionMnistCounts {
  std::int64_t train = 0, test = 0;
};
FashionMnistCounts check_fashion_mnist(const std::string& dir);

/// numpy's legacy `RandomState(seed).permutation(n)`, bit for bit: std::mt19937 seeded with
/// `seed` (numpy's init_genrand), Fisher-Yates from the end with masked rejection sampling.
std::vector<std::int64_t> numpy_permutation(std::int64_t n, std::uint32_t seed);

/// Indices into the official training file, in permutation order.
struct TrainValidationSplit {
  std::vector<std::int64_t> train;
  std::vector<std::int64_t> validation;
};

/// sklearn's `train_test_split(test_size=validation_count, random_state=seed)` on `n` images:
/// validation = perm[:validation_count], train = perm[validation_count:].
TrainValidationSplit split_train_validation(std::int64_t n, std::int64_t validation_count,
                                            std::uint32_t seed = 42);

/// The study's validation size: 10,000 of 60,000, i.e. one sixth, rounded up as sklearn rounds
/// a fractional test_size (8,226 subset images -> 1,371).
std::int64_t study_validation_count(std::int64_t n);

}  // namespace aecnn::data
