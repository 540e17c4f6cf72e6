#include "aecnn/sweep/schema.hpp"

#include <algorithm>
#include <cmath>

namespace aecnn::sweep {
namespace {

// Integer keys always have an inclusive upper bound, so that a value from a file fits the `int`
// it becomes (2^32 in TOML would wrap to 0 and, as a batch size, hang the training loop).
KeySpec int_key(std::string name, std::int64_t value, std::string doc, double min, bool min_exclusive,
                std::int64_t max) {
  return {std::move(name), ValueKind::kInt, value, std::move(doc), {}, min, static_cast<double>(max), min_exclusive,
          false};
}
// Float keys: an upper bound only where the meaning has one (a dropout rate is < 1).
KeySpec float_key(std::string name, double value, std::string doc, double min, bool min_exclusive,
                  std::optional<double> max_exclusive = std::nullopt) {
  return {std::move(name), ValueKind::kFloat, value, std::move(doc), {}, min, max_exclusive, min_exclusive, true};
}
KeySpec bool_key(std::string name, bool value, std::string doc) {
  return {std::move(name), ValueKind::kBool, value, std::move(doc), {}, std::nullopt, std::nullopt, false, false};
}
KeySpec choice_key(std::string name, std::string value, std::string doc,
                   std::vector<std::string> choices) {
  return {std::move(name), ValueKind::kString, std::move(value), std::move(doc), std::move(choices),
          std::nullopt, std::nullopt, false, false};
}

// Bounds of the integer keys: generous for any study, small enough to compute with.
constexpr std::int64_t kMaxBatch = 1 << 20;      // images per step
constexpr std::int64_t kMaxEpochs = 1000000;     // epochs, horizons, patience
constexpr std::int64_t kMaxRanks = 1 << 20;      // MPI ranks per trial

// Levenshtein distance; names are short, so the O(n*m) table is nothing.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

const char* kind_name(ValueKind kind) {
  switch (kind) {
    case ValueKind::kBool: return "a boolean";
    case ValueKind::kInt: return "an integer";
    case ValueKind::kFloat: return "a number";
    case ValueKind::kString: return "a string";
  }
  return "?";
}

}  // namespace

const std::vector<KeySpec>& config_keys() {
  // Defaults are the seed study's (Keras notebook) settings; see docs/sweep-format.md.
  static const std::vector<KeySpec> keys = {
      choice_key("attention", "both", "attention blocks after the second conv stage",
                 {"none", "channel", "spatial", "both"}),
      int_key("channel_ratio", 16, "channel attention reduction: Dense(64 / ratio)", 1, false, 64),
      int_key("batch_size", 64, "images per optimiser step (global, over all ranks of the trial)",
              0, true, kMaxBatch),
      int_key("epochs", 5, "passes over the training split", 0, true, kMaxEpochs),
      float_key("lr", 1e-3, "Adam learning rate at epoch 0", 0, true),
      choice_key("schedule", "constant", "learning-rate schedule (Keras semantics, 0-based epoch)",
                 {"constant", "step", "cosine", "linear"}),
      int_key("lr_horizon", 0, "epochs over which cosine/linear decay; 0 = the trial's epochs", 0,
              false, kMaxEpochs),
      float_key("conv_dropout", 0.25, "dropout after the last conv block", 0, false, 1.0),
      float_key("fc_dropout", 0.5, "dropout after Dense(256)", 0, false, 1.0),
      float_key("l2", 0.0,
                "Keras l2() factor on the kernels of conv1-conv5, Dense(256) and Dense(10) (not the "
                "attention blocks), part of loss and val_loss",
                0, false),
      int_key("patience", 0,
              "EarlyStopping on val_loss: stop after N epochs without a lower val_loss, then restore "
              "the best weights (Keras 3); 0 = off",
              0, false, kMaxEpochs),
      int_key("seed", 0, "seeds weight init, shuffling and dropout", 0, false, kIntKeyLimit),
      int_key("ranks", 1,
              "worker ranks that train the trial together, data-parallel (batch_size is the global batch)",
              0, true, kMaxRanks),
      bool_key("exclusive", false,
               "run the trial alone on its node(s), with all their cores, for clean timing: the other "
               "workers there wait until it ends"),
      int_key("train_images", 0, "train on the first N images of the train split; 0 = all", 0,
              false, kIntKeyLimit),
      int_key("eval_images", 0, "evaluate on the first N validation/test images; 0 = all", 0,
              false, kIntKeyLimit),
  };
  return keys;
}

const KeySpec* find_key(const std::string& name) {
  for (const auto& key : config_keys())
    if (key.name == name) return &key;
  return nullptr;
}

std::string nearest_key(const std::string& name) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
  for (const auto& key : config_keys()) {
    std::size_t distance = edit_distance(name, key.name);
    if (distance < best_distance) best_distance = distance, best = key.name;
  }
  return best;
}

std::optional<std::string> coerce(const KeySpec& key, const Value& value, Value& out) {
  const std::string wrong_type =
      std::string("must be ") + kind_name(key.kind) + ", not " + to_toml(value);
  switch (key.kind) {
    case ValueKind::kBool:
      if (!std::holds_alternative<bool>(value)) return wrong_type;
      out = value;
      return std::nullopt;
    case ValueKind::kString: {
      const auto* text = std::get_if<std::string>(&value);
      if (text == nullptr) return wrong_type;
      if (!key.choices.empty() &&
          std::find(key.choices.begin(), key.choices.end(), *text) == key.choices.end()) {
        std::string list;
        for (const auto& c : key.choices) list += (list.empty() ? "'" : ", '") + c + "'";
        return "must be one of " + list + ", not " + to_toml(value);
      }
      out = value;
      return std::nullopt;
    }
    case ValueKind::kInt:
      if (!std::holds_alternative<std::int64_t>(value)) return wrong_type;
      out = value;
      break;
    case ValueKind::kFloat:
      // TOML distinguishes 1 from 1.0; a user writing `lr = 1` means a float.
      if (const auto* i = std::get_if<std::int64_t>(&value)) out = static_cast<double>(*i);
      else if (std::holds_alternative<double>(value)) out = value;
      else return wrong_type;
      break;
  }

  const double number = key.kind == ValueKind::kInt
                            ? static_cast<double>(std::get<std::int64_t>(out))
                            : std::get<double>(out);
  if (!std::isfinite(number)) return "must be finite, not " + to_toml(value);
  // Bounds of integer keys print as integers: "<= 2147483647", not "<= 2.14748e+09".
  auto bound = [&](double b) {
    return key.kind == ValueKind::kInt ? std::to_string(static_cast<std::int64_t>(b)) : to_display(b);
  };
  if (key.min && (key.min_exclusive ? number <= *key.min : number < *key.min))
    return std::string("must be ") + (key.min_exclusive ? "> " : ">= ") + bound(*key.min) + ", not " +
           to_toml(value);
  if (key.max && (key.max_exclusive ? number >= *key.max : number > *key.max))
    return std::string("must be ") + (key.max_exclusive ? "< " : "<= ") + bound(*key.max) + ", not " +
           to_toml(value);
  return std::nullopt;
}

ConfigMap default_config() {
  ConfigMap config;
  for (const auto& key : config_keys()) config[key.name] = key.default_value;
  return config;
}

}  // namespace aecnn::sweep
