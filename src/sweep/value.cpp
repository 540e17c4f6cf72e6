#include "aecnn/sweep/value.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

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

namespace {

template <typename Own>
auto own_position(Own& own, const std::string& key) {
  return std::lower_bound(own.begin(), own.end(), key, [](const auto& entry, const std::string& k) { return entry.first < k; });
}

}  // namespace

LayeredConfig& LayeredConfig::operator=(ConfigMap config) {
  base_ = std::make_shared<const ConfigMap>(std::move(config));
  own_.clear();
  return *this;
}

const Value* LayeredConfig::get(const std::string& key) const {
  const auto it = own_position(own_, key);
  if (it != own_.end() && it->first == key) return &it->second;
  if (base_ == nullptr) return nullptr;
  const auto in_base = base_->find(key);
  return in_base == base_->end() ? nullptr : &in_base->second;
}

const Value& LayeredConfig::at(const std::string& key) const {
  const Value* value = get(key);
  if (value == nullptr) throw std::out_of_range("configuration has no key '" + key + "'");
  return *value;
}

Value& LayeredConfig::operator[](const std::string& key) {
  auto it = own_position(own_, key);
  if (it != own_.end() && it->first == key) return it->second;
  Value initial;
  if (base_ != nullptr)
    if (const auto in_base = base_->find(key); in_base != base_->end()) initial = in_base->second;
  return own_.emplace(it, key, std::move(initial))->second;
}

ConfigMap LayeredConfig::resolved() const {
  ConfigMap all = base_ != nullptr ? *base_ : ConfigMap();
  for (const auto& [key, value] : own_) all[key] = value;
  return all;
}

}  // namespace aecnn::sweep
