#pragma once
// One resolved configuration value and the ordered map of them that identifies a trial.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace aecnn::sweep {

/// A configuration value as TOML can spell it: boolean, integer, float or string.
using Value = std::variant<bool, std::int64_t, double, std::string>;

/// A trial's fully resolved configuration, key -> value. std::map keeps keys sorted, so the
/// canonical text (and the content hash) does not depend on the order keys were written in.
using ConfigMap = std::map<std::string, Value>;

/// A trial's resolved configuration held as two layers: its experiment's base, one map shared by
/// every trial of the experiment, and the trial's own values over it (its axes' points, values
/// chosen by a search or set on the command line). A 100,000-trial sweep so keeps one map per
/// experiment and a few values per trial, not 100,000 maps of every key (about 1.7 KB each).
/// Reads see the own value where there is one, else the base's; `resolved()` is the whole map.
class LayeredConfig {
 public:
  LayeredConfig() = default;
  explicit LayeredConfig(std::shared_ptr<const ConfigMap> base) : base_(std::move(base)) {}
  /// A whole map as the base, nothing of its own.
  LayeredConfig& operator=(ConfigMap config);

  /// The value of `key`, or nullptr when neither layer has it.
  const Value* get(const std::string& key) const;
  /// The value of `key`; throws std::out_of_range when neither layer has it (as std::map::at).
  const Value& at(const std::string& key) const;
  std::size_t count(const std::string& key) const { return get(key) != nullptr ? 1 : 0; }
  /// The trial's own value of `key`, made from the base's (or a default Value) if it had none.
  Value& operator[](const std::string& key);
  /// Every key, both layers merged, sorted.
  ConfigMap resolved() const;
  operator ConfigMap() const { return resolved(); }  // NOLINT: reads as the map it stands for
  std::size_t size() const { return resolved().size(); }

  friend bool operator==(const LayeredConfig& a, const LayeredConfig& b) { return a.resolved() == b.resolved(); }
  friend bool operator==(const LayeredConfig& a, const ConfigMap& b) { return a.resolved() == b; }
  friend bool operator==(const ConfigMap& a, const LayeredConfig& b) { return a == b.resolved(); }
  friend bool operator!=(const LayeredConfig& a, const LayeredConfig& b) { return !(a == b); }

 private:
  std::shared_ptr<const ConfigMap> base_;
  std::vector<std::pair<std::string, Value>> own_;  ///< sorted by key
};

/// The value as a user would write it in TOML (strings quoted, floats with full precision).
std::string to_toml(const Value& value);

/// The value as a short cell for tables (strings unquoted, floats with %g).
std::string to_display(const Value& value);

}  // namespace aecnn::sweep
