#pragma once
// A fresh directory per test, removed afterwards (CLI11's app_helper TempFile, as a folder).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace aecnn::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "aecnn-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  /// Writes `text` to `name` inside the directory and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(file(name), std::ios::binary) << text;
    return file(name);
  }

 private:
  std::filesystem::path path_;
};

/// The Fashion-MNIST subset shipped in the repository.
inline std::string subset_dir() { return std::string(AECNN_SOURCE_DIR) + "/data/fashion-mnist-subset"; }

}  // namespace aecnn::testing
