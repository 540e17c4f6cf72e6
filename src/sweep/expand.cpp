#include "aecnn/sweep/expand.hpp"

#include <algorithm>
#include <cstdio>

#include "aecnn/sweep/trial_list.hpp"

namespace aecnn::sweep {

std::string canonical_text(const ConfigMap& config) {
  std::string text;
  for (const auto& [key, value] : config) text += key + " = " + to_toml(value) + "\n";
  return text;
}

void ContentHasher::add(std::string_view text) {
  for (unsigned char c : text) {
    hash_ ^= c;
    hash_ *= 1099511628211ull;  // FNV-1a 64 prime
  }
}

std::string ContentHasher::hex() const {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash_));
  return hex;
}

std::string content_hash(const std::string& text) {
  ContentHasher hasher;
  hasher.add(text);
  return hasher.hex();
}

std::vector<TrialSpec> expand(const SweepSpec& spec) { return TrialList(spec).materialize(); }

std::string sweep_hash(const SweepSpec& spec, const std::vector<TrialSpec>& trials) {
  ContentHasher text;
  text.add("name = " + to_toml(spec.name) + "\n");
  for (const auto& trial : trials) text.add(trial.id + " " + trial.hash + "\n");
  // Pruning decides which epochs a trial runs: a file pruned one way is not resumed another.
  // Only an enabled pruner adds a line, so the hashes of sweeps without one are as before.
  for (const auto& experiment : spec.experiments)
    if (experiment.pruner.enabled()) text.add("pruner " + experiment.name + ": " + pruner_text(experiment.pruner) + "\n");
  return text.hex();
}

std::string search_text(const SearchSpec& search) {
  std::string text = "sampler=" + search.sampler + " n_trials=" + std::to_string(search.n_trials) +
                     " seed=" + std::to_string(search.seed) + " metric=" + search.metric +
                     " mode=" + (search.maximize ? "max" : "min") + " startup_trials=" + std::to_string(search.startup_trials);
  for (const auto& k : search.keys) {
    using Kind = search::ParamSpace::Kind;
    text += " " + k.key + "=";
    if (k.space.kind == Kind::kChoice) {
      text += "choice[";
      for (std::size_t i = 0; i < k.choices.size(); ++i) text += (i ? "," : "") + to_toml(k.choices[i]);
      text += "]";
    } else {
      text += k.space.kind == Kind::kUniform ? "uniform[" : k.space.kind == Kind::kLogUniform ? "loguniform[" : "int[";
      text += to_toml(Value(k.space.low)) + "," + to_toml(Value(k.space.high)) + "]";
    }
  }
  return text;
}

std::string pruner_text(const PrunerSpec& pruner) {
  std::string text = "type=" + pruner.type;
  if (!pruner.enabled()) return text;
  text += " metric=" + pruner.metric + " mode=" + (pruner.maximize ? "max" : "min");
  if (pruner.type == "asha")
    text += " grace_epochs=" + std::to_string(pruner.grace_epochs) + " reduction_factor=" +
            std::to_string(pruner.reduction_factor) + " max_epochs=" +
            (pruner.max_epochs > 0 ? std::to_string(pruner.max_epochs) : std::string("epochs"));
  else
    text += " startup_trials=" + std::to_string(pruner.startup_trials) + " warmup_epochs=" +
            std::to_string(pruner.warmup_epochs);
  return text;
}

}  // namespace aecnn::sweep
