#include "aecnn/sweep/value.hpp"

#include <cmath>
#include <cstdio>

namespace aecnn::sweep {
namespace {

// Shortest text that reads back as the same double, so hashes see every bit of a float.
std::string exact_double(double value) {
  char buffer[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  std::string text = buffer;
  // TOML needs a '.' or exponent to read a float back as a float.
  if (std::isfinite(value) && text.find_first_of(".eE") == std::string::npos) text += ".0";
  return text;
}

}  // namespace

std::string to_toml(const Value& value) {
  struct {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return exact_double(d); }
    std::string operator()(const std::string& s) const {
      std::string quoted = "\"";
      for (char c : s) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c;
      }
      return quoted + "\"";
    }
  } visitor;
  return std::visit(visitor, value);
}

std::string to_display(const Value& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  if (const auto* d = std::get_if<double>(&value)) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", *d);
    return buffer;
  }
  return to_toml(value);
}

}  // namespace aecnn::sweep
