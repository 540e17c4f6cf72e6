#pragma once
// One resolved configuration value and the ordered map of them that identifies a trial.
#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace aecnn::sweep {

/// A configuration value as TOML can spell it: boolean, integer, float or string.
using Value = std::variant<bool, std::int64_t, double, std::string>;

/// A trial's fully resolved configuration, key -> value. std::map keeps keys sorted, so the
/// canonical text (and the content hash) does not depend on the order keys were written in.
using ConfigMap = std::map<std::string, Value>;

/// The value as a user would write it in TOML (strings quoted, floats with full precision).
std::string to_toml(const Value& value);

/// The value as a short cell for tables (strings unquoted, floats with %g).
std::string to_display(const Value& value);

}  // namespace aecnn::sweep
