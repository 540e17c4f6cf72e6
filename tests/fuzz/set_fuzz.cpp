// libFuzzer target over the command line's changes to a sweep: each input line is a `--set
// KEY=VALUE`, except a line `scale=X`, which is `--epochs-scale X`. The only acceptable outcomes
// are trials whose every integer key fits the int it becomes, or an aecnn::Error. A crash, a
// sanitizer report (llround or a cast out of range) or a wrapped value is a bug. Run by
// tests/fuzz/run.sh (ctest: fuzz.set).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "aecnn/sweep/schema.hpp"
#include "aecnn/sweep/trial_config.hpp"
#include "aecnn/sweep/trial_list.hpp"

namespace {

const aecnn::sweep::SweepSpec& study() {
  static const auto spec = aecnn::sweep::parse_sweep(
      "name='s'\ndata_dir='d'\n[base]\nepochs = 5\n[[experiment]]\nname='a'\ngrid.seed=[0,1]\n"
      "[[experiment]]\nname='f'\nepochs = 30\nlr_horizon = 50\npatience = 3\n",
      "fuzz.toml");
  return spec;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  aecnn::sweep::Overrides overrides;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    if (line.rfind("scale=", 0) == 0) overrides.epochs_scale = std::strtod(line.c_str() + 6, nullptr);
    else if (!line.empty()) overrides.set.push_back(line);
    start = end + 1;
  }
  aecnn::sweep::TrialList trials;
  try {
    trials = aecnn::sweep::TrialList(study(), overrides);  // every trial is built and checked here
  } catch (const aecnn::Error&) {
    return 0;  // a clear error is the right answer to a bad change
  }
  for (const auto& trial : trials) {
    for (const auto& [key, value] : trial.config.resolved())
      if (const auto* i = std::get_if<std::int64_t>(&value))
        if (*i < 0 || *i > aecnn::sweep::kIntKeyLimit) std::abort();  // would wrap in TrialConfig
    (void)aecnn::sweep::to_trial_config(trial.config);
  }
  return 0;
}
