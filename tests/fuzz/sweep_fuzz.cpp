// libFuzzer target over parse + expand: any bytes may be a sweep file; the only acceptable
// outcomes are a SweepSpec with trials or an aecnn::Error. A crash, a sanitizer report, a hang
// or a runaway allocation is a bug. Run by tests/fuzz/run.sh (ctest: fuzz.sweep).
#include <cstddef>
#include <cstdint>
#include <string>

#include "aecnn/sweep/expand.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto spec = aecnn::sweep::parse_sweep(text, "fuzz.toml");
    const auto trials = aecnn::sweep::expand(spec);
    (void)aecnn::sweep::sweep_hash(spec, trials);
  } catch (const aecnn::Error&) {
    // A clear error is the right answer to bad input.
  }
  return 0;
}
