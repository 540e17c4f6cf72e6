#pragma once
// Standard test functions of black-box optimisation, with known minima: what a sampler is
// benchmarked on without training anything (bench/search.sh, and aecnn-sweep's
// `--benchmark-trials branin|hartmann6`).
#include <string>
#include <vector>

namespace aecnn::search {

struct TestFunction {
  std::string name;
  std::vector<double> low, high;  ///< the domain, one interval per coordinate
  double minimum = 0;             ///< the known global minimum
  double (*value)(const std::vector<double>& x) = nullptr;
  std::size_t dimensions() const { return low.size(); }
};

/// Branin-Hoo on [-5, 10] x [0, 15]: three global minima of 0.397887.
double branin(const std::vector<double>& x);
/// Hartmann-6 on [0, 1]^6: one global minimum of -3.32237 at (0.20169, 0.150011, 0.476874,
/// 0.275332, 0.311652, 0.6573).
double hartmann6(const std::vector<double>& x);

/// Branin and Hartmann-6.
const std::vector<TestFunction>& test_functions();
/// The one of that name, or nullptr.
const TestFunction* find_test_function(const std::string& name);

/// The function at a point of the unit cube: coordinate k at u[k] of the way across its domain.
/// u must have the function's dimensions, each in [0, 1].
double value_at_unit_point(const TestFunction& function, const std::vector<double>& u);

}  // namespace aecnn::search
