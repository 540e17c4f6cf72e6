#pragma once
// Every key a trial configuration may hold: its type, default, allowed range and meaning.
// This table is the single source for parsing, validation, defaults, hashing and --dry-run.
#include <optional>
#include <string>
#include <vector>

#include "aecnn/sweep/value.hpp"

namespace aecnn::sweep {

enum class ValueKind { kBool, kInt, kFloat, kString };

/// One configuration key. `check` returns an empty string for a valid value, else the reason.
struct KeySpec {
  std::string name;
  ValueKind kind;
  Value default_value;
  std::string doc;                   ///< one line for docs and --help
  std::vector<std::string> choices;  ///< for enumerated strings; empty otherwise
  std::optional<double> min;         ///< inclusive lower bound for numbers
  std::optional<double> max;         ///< upper bound for numbers; every integer key has one
  bool min_exclusive = false;        ///< true: value must be > min, not >= min
  bool max_exclusive = false;        ///< true: value must be < max, not <= max
};

/// The largest value any integer key may take: every integer key is an `int` in TrialConfig.
inline constexpr std::int64_t kIntKeyLimit = 2147483647;

/// All keys, in the order the docs list them.
const std::vector<KeySpec>& config_keys();

/// The key called `name`, or nullptr.
const KeySpec* find_key(const std::string& name);

/// The known key closest to `name` by edit distance, or "" when none is close enough to suggest.
std::string nearest_key(const std::string& name);

/// Converts a parsed value to the key's kind (an integer is accepted where a float is expected)
/// and checks its range. Returns the reason on failure, std::nullopt on success with `out` set.
std::optional<std::string> coerce(const KeySpec& key, const Value& value, Value& out);

/// The defaults of every key.
ConfigMap default_config();

}  // namespace aecnn::sweep
