#pragma once
// What an adaptive sampler searches: one entry per parameter, each a distribution on a number.
// Values are in the sampler's internal form: the value itself for uniform, loguniform and int;
// the index into the choices for choice (the sweep module maps indices to its own values).
#include <cstdint>
#include <random>
#include <vector>

namespace aecnn::search {

struct ParamSpace {
  enum class Kind { kUniform, kLogUniform, kInt, kChoice };
  Kind kind = Kind::kUniform;
  double low = 0, high = 1;  ///< [low, high) for uniform and loguniform (low > 0); [low, high] for int
  int choices = 0;           ///< kChoice: how many; values are 0 .. choices-1

  static ParamSpace uniform(double low, double high) { return {Kind::kUniform, low, high, 0}; }
  static ParamSpace log_uniform(double low, double high) { return {Kind::kLogUniform, low, high, 0}; }
  static ParamSpace integer(std::int64_t low, std::int64_t high) {
    return {Kind::kInt, static_cast<double>(low), static_cast<double>(high), 0};
  }
  static ParamSpace choice(int count) { return {Kind::kChoice, 0, 0, count}; }
};

/// Uniform in [0, 1) from the top 53 bits of the engine: the same on every platform and
/// compiler, unlike the std:: distributions, whose algorithms the standard leaves open.
inline double unit_uniform(std::mt19937_64& engine) { return static_cast<double>(engine() >> 11) * 0x1.0p-53; }

/// One draw from the parameter's prior: what random search and TPE's startup trials use.
double draw_uniformly(const ParamSpace& space, std::mt19937_64& engine);

}  // namespace aecnn::search
