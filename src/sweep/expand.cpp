#include "aecnn/sweep/expand.hpp"

#include <cstdio>
#include <map>

namespace aecnn::sweep {

std::string canonical_text(const ConfigMap& config) {
  std::string text;
  for (const auto& [key, value] : config) text += key + " = " + to_toml(value) + "\n";
  return text;
}

std::string content_hash(const std::string& text) {
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a 64 offset basis
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;  // FNV-1a 64 prime
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

std::vector<TrialSpec> expand(const SweepSpec& spec) {
  std::size_t count = 1;
  for (const auto& axis : spec.grid) count *= axis.values.size();

  std::vector<std::string> varying;
  for (const auto& axis : spec.grid) varying.push_back(axis.key);

  std::vector<TrialSpec> trials;
  trials.reserve(count);
  std::map<std::string, int> index_of_hash;
  std::vector<std::string> duplicates;
  for (std::size_t index = 0; index < count; ++index) {
    TrialSpec trial;
    trial.experiment = spec.name;
    trial.index = static_cast<int>(index);
    trial.config = spec.base;
    trial.varying = varying;
    // Mixed-radix decomposition of `index`: the last axis varies fastest, as nested loops would.
    std::size_t rest = index;
    for (auto axis = spec.grid.rbegin(); axis != spec.grid.rend(); ++axis) {
      trial.config[axis->key] = axis->values[rest % axis->values.size()];
      rest /= axis->values.size();
    }
    char suffix[24];
    std::snprintf(suffix, sizeof suffix, "-%04zu", index);
    trial.id = spec.name + suffix;
    trial.hash = content_hash(canonical_text(trial.config));
    auto [it, inserted] = index_of_hash.emplace(trial.hash, trial.index);
    if (!inserted)
      duplicates.push_back(spec.file + ": trials " + trials[it->second].id + " and " + trial.id +
                           " have the same configuration (a grid axis repeats a value)");
    trials.push_back(std::move(trial));
  }
  if (!duplicates.empty()) throw SpecError(duplicates);
  return trials;
}

std::string sweep_hash(const SweepSpec& spec, const std::vector<TrialSpec>& trials) {
  std::string text = "name = " + to_toml(spec.name) + "\n";
  for (const auto& trial : trials) text += trial.id + " " + trial.hash + "\n";
  return content_hash(text);
}

}  // namespace aecnn::sweep
