#include "aecnn/search/test_functions.hpp"

#include <cmath>
#include <stdexcept>

namespace aecnn::search {

namespace {
constexpr double kPi = 3.14159265358979323846;
}

double branin(const std::vector<double>& x) {
  const double b = 5.1 / (4 * kPi * kPi), c = 5 / kPi, t = 1 / (8 * kPi);
  const double u = x[1] - b * x[0] * x[0] + c * x[0] - 6;
  return u * u + 10 * (1 - t) * std::cos(x[0]) + 10;
}

double hartmann6(const std::vector<double>& x) {
  static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  static const double a[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                 {0.05, 10, 17, 0.1, 8, 14},
                                 {3, 3.5, 1.7, 10, 17, 8},
                                 {17, 8, 0.05, 10, 0.1, 14}};
  static const double p[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                 {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                 {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                 {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0;
    for (std::size_t j = 0; j < 6; ++j) inner += a[i][j] * (x[j] - p[i][j]) * (x[j] - p[i][j]);
    sum += alpha[i] * std::exp(-inner);
  }
  return -sum;
}

const std::vector<TestFunction>& test_functions() {
  static const std::vector<TestFunction> functions = {
      {"branin", {-5, 0}, {10, 15}, 0.397887, branin},
      {"hartmann6", std::vector<double>(6, 0.0), std::vector<double>(6, 1.0), -3.32237, hartmann6}};
  return functions;
}

const TestFunction* find_test_function(const std::string& name) {
  for (const auto& function : test_functions())
    if (function.name == name) return &function;
  return nullptr;
}

double value_at_unit_point(const TestFunction& function, const std::vector<double>& u) {
  if (u.size() != function.dimensions())
    throw std::invalid_argument(function.name + " takes " + std::to_string(function.dimensions()) +
                                " coordinates, not " + std::to_string(u.size()));
  std::vector<double> x(u.size());
  for (std::size_t k = 0; k < u.size(); ++k) x[k] = function.low[k] + u[k] * (function.high[k] - function.low[k]);
  return function.value(x);
}

}  // namespace aecnn::search
