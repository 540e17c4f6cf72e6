// libFuzzer target over the IDX reader: any bytes may be a data file (plain or gzip). The only
// acceptable outcomes are images or labels whose size matches their header, or an IdxError. A
// crash, a sanitizer report, a hang or a runaway allocation (a header that promises gigabytes)
// is a bug. The reader takes a path, so each input is written to a file first. Run by
// tests/fuzz/run.sh (ctest: fuzz.idx).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "aecnn/data/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "fuzz-input-" + std::to_string(getpid()) + ".idx";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    const auto images = aecnn::data::read_idx_images(path);
    if (static_cast<std::uint64_t>(images.count) * images.rows * images.cols != images.pixels.size()) std::abort();
  } catch (const aecnn::data::IdxError&) {
  }
  try {
    const auto labels = aecnn::data::read_idx_labels(path);
    for (auto label : labels)
      if (label > 9) std::abort();
  } catch (const aecnn::data::IdxError&) {
  }
  return 0;
}
