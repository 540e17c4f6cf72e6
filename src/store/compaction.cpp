#include "compaction.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "h5.hpp"

namespace aecnn::store::compaction {
namespace {

void sync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) throw H5Error(path + ": cannot open to sync: " + std::strerror(errno));
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0) throw H5Error(path + ": cannot sync: " + std::strerror(error));
}

void copy_objects(hid_t from, hid_t to, const std::string& path) {
  for (const auto& name : h5::attr_names(from)) h5::write_attr(to, name, h5::read_attr(from, name, path));
  // Soft links (a checkpoint's `latest`) stay soft links: H5Ocopy's default.
  for (const auto& name : h5::member_names(from))
    if (H5Ocopy(from, name.c_str(), to, name.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0)
      throw H5Error(path + ": cannot copy /" + name + " while compacting: " + h5::library_error());
}

}  // namespace

std::string copy_path(const std::string& path) { return path + ".compacting"; }

unsigned long long free_bytes(hid_t file, const std::string& path) {
  const hssize_t free = H5Fget_freespace(file);
  if (free < 0) throw H5Error(path + ": cannot measure its free space: " + h5::library_error());
  return static_cast<unsigned long long>(free);
}

bool worth_it(unsigned long long free, unsigned long long size) {
  return free >= (4ull << 20) && free * 4 >= size;
}

void write_copy(hid_t file, const std::string& path) {
  const std::string copy = copy_path(path);
  std::error_code ignored;
  std::filesystem::remove(copy, ignored);
  try {
    {
      h5::Id target(H5Fcreate(copy.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                    copy + ": cannot create");
      h5::Id from_root(H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose, path + ": cannot open /");
      h5::Id to_root(H5Gopen2(target.get(), "/", H5P_DEFAULT), H5Gclose, copy + ": cannot open /");
      copy_objects(from_root.get(), to_root.get(), path);
    }  // closed: everything written
    sync_path(copy, O_RDONLY);
  } catch (...) {
    std::filesystem::remove(copy, ignored);
    throw;
  }
}

void replace_with_copy(const std::string& path) { replace_with(path, copy_path(path)); }

void sync_file(const std::string& path) { sync_path(path, O_RDONLY); }

void replace_with(const std::string& path, const std::string& copy) {
  if (std::rename(copy.c_str(), path.c_str()) != 0)
    throw H5Error(path + ": cannot replace it with its new copy " + copy + ": " + std::strerror(errno));
  const std::filesystem::path folder = std::filesystem::absolute(path).parent_path();
  sync_path(folder.string(), O_RDONLY | O_DIRECTORY);
}

}  // namespace aecnn::store::compaction
