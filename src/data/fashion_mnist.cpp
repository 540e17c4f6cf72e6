#include "aecnn/data/fashion_mnist.hpp"

#include <filesystem>
#include <random>

namespace aecnn::data {

const std::array<const char*, 10> kClassNames = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

const std::array<const char*, 4> kFashionMnistFiles = {
    "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz"};

namespace {

std::string file_in(const std::string& dir, const char* name) {
  return (std::filesystem::path(dir) / name).string();
}

LabelledImages load_pair(const std::string& dir, const char* images_file, const char* labels_file) {
  LabelledImages split{read_idx_images(file_in(dir, images_file)), read_idx_labels(file_in(dir, labels_file))};
  if (split.images.count != static_cast<std::int64_t>(split.labels.size()))
    throw IdxError(file_in(dir, labels_file) + ": " + std::to_string(split.labels.size()) +
                   " labels for " + std::to_string(split.images.count) + " images in " + images_file);
  if (split.images.rows != 28 || split.images.cols != 28)
    throw IdxError(file_in(dir, images_file) + ": images are " + std::to_string(split.images.rows) + "x" +
                   std::to_string(split.images.cols) + ", Fashion-MNIST's are 28x28");
  return split;
}

}  // namespace

void check_fashion_mnist_present(const std::string& dir) {
  std::error_code error;
  if (std::filesystem::exists(dir, error) && !std::filesystem::is_directory(dir, error))
    throw Error(dir + ": not a folder (the data folder holds the Fashion-MNIST IDX files)");
  for (const char* name : kFashionMnistFiles) {
    if (!std::filesystem::exists(file_in(dir, name)))
      throw Error(file_in(dir, name) +
                  ": missing; fetch the full Fashion-MNIST with `scripts/fetch-data " + dir +
                  "`, or point the sweep's data_dir (or --data-dir) at data/fashion-mnist-subset");
  }
}

FashionMnistCounts check_fashion_mnist(const std::string& dir) {
  const FashionMnist data = load_fashion_mnist(dir);
  const std::int64_t n = data.train.images.count;
  if (n < 2)
    throw IdxError(file_in(dir, kFashionMnistFiles[0]) + ": " + std::to_string(n) +
                   " training image(s): at least 2 are needed to hold out a validation split");
  return {n, data.test.images.count};
}

FashionMnist load_fashion_mnist(const std::string& dir) {
  check_fashion_mnist_present(dir);
  FashionMnist data;
  data.dir = dir;
  data.train = load_pair(dir, kFashionMnistFiles[0], kFashionMnistFiles[1]);
  data.test = load_pair(dir, kFashionMnistFiles[2], kFashionMnistFiles[3]);
  return data;
}

std::vector<std::int64_t> numpy_permutation(std::int64_t n, std::uint32_t seed) {
  std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) perm[i] = i;
  std::mt19937 engine(seed);  // same state as numpy's legacy init_genrand(seed)
  // numpy/random/mtrand.pyx shuffle() -> legacy random_interval(max): draw 32 bits, mask to the
  // smallest all-ones mask >= max, reject draws > max.
  for (std::int64_t i = n - 1; i >= 1; --i) {
    std::uint32_t max = static_cast<std::uint32_t>(i);
    std::uint32_t mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    std::uint32_t j;
    do j = static_cast<std::uint32_t>(engine()) & mask;
    while (j > max);
    std::swap(perm[i], perm[j]);
  }
  return perm;
}

TrainValidationSplit split_train_validation(std::int64_t n, std::int64_t validation_count, std::uint32_t seed) {
  if (validation_count <= 0 || validation_count >= n)
    throw Error("validation size " + std::to_string(validation_count) + " must be in 1.." +
                std::to_string(n - 1) + " for " + std::to_string(n) + " images");
  std::vector<std::int64_t> perm = numpy_permutation(n, seed);
  TrainValidationSplit split;
  split.validation.assign(perm.begin(), perm.begin() + validation_count);
  split.train.assign(perm.begin() + validation_count, perm.end());
  return split;
}

std::int64_t study_validation_count(std::int64_t n) { return (n + 5) / 6; }

}  // namespace aecnn::data
