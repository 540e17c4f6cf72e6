#include "aecnn/sweep/overrides.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <toml++/toml.h>

#include "aecnn/sweep/schema.hpp"

namespace aecnn::sweep {
namespace {

// "key=value" -> key and a checked value. A value TOML cannot read as a scalar is taken as a
// bare string, so `--set attention=none` works without shell-quoted TOML quotes.
std::pair<std::string, Value> parse_assignment(const std::string& text) {
  const std::string option = "--set " + text;
  const auto equals = text.find('=');
  if (equals == std::string::npos || equals == 0) throw SpecError({option + ": expected KEY=VALUE"});
  const std::string key = text.substr(0, equals), value_text = text.substr(equals + 1);
  const KeySpec* spec = find_key(key);
  if (spec == nullptr) {
    const std::string nearest = nearest_key(key);
    throw SpecError({option + ": unknown key '" + key + "'" + (nearest.empty() ? "" : " (did you mean '" + nearest + "'?)")});
  }
  Value value = value_text;
  try {
    const toml::table parsed = toml::parse("v = " + value_text, std::string_view("--set"));
    const toml::node* node = parsed.get("v");
    if (auto b = node->as_boolean()) value = b->get();
    else if (auto i = node->as_integer()) value = i->get();
    else if (auto f = node->as_floating_point()) value = f->get();
    else if (auto s = node->as_string()) value = s->get();
  } catch (const toml::parse_error&) {
    // not TOML: a bare word, kept as the string typed
  }
  Value coerced;
  if (auto reason = coerce(*spec, value, coerced)) throw SpecError({option + ": '" + key + "' " + *reason});
  return {key, coerced};
}

// epochs * scale, rounded, at least 1; the product is checked against the key's bound before
// it is rounded, since llround of a value beyond int64 is undefined.
std::int64_t scaled(std::int64_t epochs, double scale, const char* key, const Overrides& overrides) {
  const double product = static_cast<double>(epochs) * scale;
  const KeySpec& spec = *find_key(key);
  if (!(product <= *spec.max))
    throw SpecError({overrides.to_string() + ": makes '" + key + "' " + std::to_string(epochs) + " x " +
                     std::to_string(scale) + ", more than its limit " +
                     std::to_string(static_cast<std::int64_t>(*spec.max))});
  return std::max<std::int64_t>(1, std::llround(product));
}

}  // namespace

std::string Overrides::to_string() const {
  std::string text;
  if (epochs_scale != 1.0) {
    char number[32];
    std::snprintf(number, sizeof number, "%g", epochs_scale);
    text = std::string("--epochs-scale ") + number;
  }
  for (const auto& assignment : set) text += (text.empty() ? "" : " ") + ("--set " + assignment);
  return text;
}

CheckedOverrides::CheckedOverrides(Overrides overrides) : overrides_(std::move(overrides)) {
  if (overrides_.empty()) return;
  if (!(overrides_.epochs_scale > 0) || !std::isfinite(overrides_.epochs_scale))
    throw SpecError({"--epochs-scale must be a number > 0"});
  for (const auto& text : overrides_.set) assignments_.push_back(parse_assignment(text));
}

void CheckedOverrides::apply(LayeredConfig& config) const {
  if (overrides_.epochs_scale != 1) {  // written only when it changes them
    const auto epochs = std::get<std::int64_t>(config.at("epochs"));
    config["epochs"] = scaled(epochs, overrides_.epochs_scale, "epochs", overrides_);
    const auto horizon = std::get<std::int64_t>(config.at("lr_horizon"));
    if (horizon > 0) config["lr_horizon"] = scaled(horizon, overrides_.epochs_scale, "lr_horizon", overrides_);
  }
  for (const auto& [key, value] : assignments_) config[key] = value;
}

}  // namespace aecnn::sweep
