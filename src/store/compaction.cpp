#include "compaction.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

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

// The bytes a dataset of variable-length strings keeps in global heap collections: each string,
// its terminator, and a heap object's 16-byte header and 8-byte alignment, about. Read 4,096
// strings at a time: H5Dvlen_get_buf_size reads one element per call, and took 1.2 s of a
// 10,000-trial no-op sweep's 2.5 s. A dataset of another rank counts its elements only.
unsigned long long vlen_string_bytes(hid_t dataset, hid_t type) {
  const hid_t space = H5Dget_space(dataset);
  if (space < 0) return 0;
  const auto elements = static_cast<unsigned long long>(std::max<hssize_t>(0, H5Sget_simple_extent_npoints(space)));
  unsigned long long bytes = 24 * elements;
  if (H5Sget_simple_extent_ndims(space) == 1) {
    constexpr hsize_t kBlock = 4096;
    std::vector<char*> cells(kBlock);
    for (hsize_t start = 0; start < elements; start += kBlock) {
      const hsize_t count = std::min<hsize_t>(kBlock, elements - start);
      const hid_t memory = H5Screate_simple(1, &count, nullptr);
      if (memory < 0) break;
      const bool selected = H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, nullptr, &count, nullptr) >= 0;
      std::fill(cells.begin(), cells.end(), nullptr);
      if (selected && H5Dread(dataset, type, memory, space, H5P_DEFAULT, cells.data()) >= 0) {
        for (hsize_t i = 0; i < count; ++i)
          if (cells[i] != nullptr) bytes += std::strlen(cells[i]) + 1;
        H5Dvlen_reclaim(type, memory, H5P_DEFAULT, cells.data());
      }
      H5Sclose(memory);
      if (!selected) break;
    }
  }
  H5Sclose(space);
  return bytes;
}

// What one object takes, added to `*total` (H5Ovisit's callback).
herr_t add_object(hid_t parent, const char* name, const H5O_info_t* info, void* total_bytes) {
  auto& total = *static_cast<unsigned long long*>(total_bytes);
  total += info->hdr.space.total + info->meta_size.obj.index_size + info->meta_size.obj.heap_size +
           info->meta_size.attr.index_size + info->meta_size.attr.heap_size;
  if (info->type != H5O_TYPE_DATASET) return 0;
  const hid_t dataset = H5Dopen2(parent, name, H5P_DEFAULT);
  if (dataset < 0) return -1;
  total += H5Dget_storage_size(dataset);
  // Variable-length strings live in global heap collections, which the storage size leaves out.
  const hid_t type = H5Dget_type(dataset);
  if (type >= 0 && H5Tis_variable_str(type) > 0) total += vlen_string_bytes(dataset, type);
  if (type >= 0) H5Tclose(type);
  H5Dclose(dataset);
  return 0;
}

}  // namespace

std::string copy_path(const std::string& path) { return path + ".compacting"; }

unsigned long long live_bytes(hid_t file, const std::string& path) {
  H5F_info2_t info;
  if (H5Fget_info2(file, &info) < 0) throw H5Error(path + ": cannot read its superblock's size: " + h5::library_error());
  unsigned long long total = info.super.super_size + info.super.super_ext_size + info.sohm.hdr_size +
                             info.sohm.msgs_info.index_size + info.sohm.msgs_info.heap_size;
  if (H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_NATIVE, add_object, &total, H5O_INFO_HDR | H5O_INFO_META_SIZE | H5O_INFO_BASIC) < 0)
    throw H5Error(path + ": cannot measure its objects: " + h5::library_error());
  return total;
}

unsigned long long free_bytes(hid_t file, const std::string& path) {
  const hssize_t free = H5Fget_freespace(file);
  if (free < 0) throw H5Error(path + ": cannot measure its free space: " + h5::library_error());
  return static_cast<unsigned long long>(free);
}

bool worth_it(unsigned long long free, unsigned long long size) {
  // The copy costs a pass over the live data once, at the end of a run; the dead bytes cost disk
  // and transfer for as long as the file is kept. An eighth: a 10,000-trial study's 12 MB of
  // 60 MB is worth a one-second copy; 100 MB of a 10 GB file of weights is not.
  return free >= (4ull << 20) && free * 8 >= size;
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
