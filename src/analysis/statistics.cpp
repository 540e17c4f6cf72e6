#include "aecnn/analysis/statistics.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <utility>
#include <numeric>

namespace aecnn::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Continued fraction for the regularised incomplete beta function I_x(a, b), by the modified
// Lentz method (it converges fast for x < (a + 1) / (a + b + 2); the caller uses the symmetry
// I_x(a, b) = 1 - I_{1-x}(b, a) otherwise).
double beta_continued_fraction(double x, double a, double b) {
  constexpr double kTiny = 1e-300, kEpsilon = 1e-15;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 500; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a - 1 + m2) * (a + m2));
    d = 1 + aa * d;
    c = 1 + aa / c;
    if (std::fabs(d) < kTiny) d = kTiny;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2));
    d = 1 + aa * d;
    c = 1 + aa / c;
    if (std::fabs(d) < kTiny) d = kTiny;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double step = d * c;
    h *= step;
    if (std::fabs(step - 1) < kEpsilon) break;
  }
  return h;
}

double regularized_incomplete_beta(double x, double a, double b) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return std::exp(log_front) * beta_continued_fraction(x, a, b) / a;
  return 1 - std::exp(log_front) * beta_continued_fraction(1 - x, b, a) / b;
}

}  // namespace

double student_t_cdf(double t, double df) {
  // P(|T| > |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2)
  const double tail = 0.5 * regularized_incomplete_beta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

double student_t_quantile(double p, double df) {
  // Remembered: every setting's confidence interval asks for the same few (0.975, seeds - 1),
  // and each answer costs 200 evaluations of the CDF; at 10,000 trials these were most of
  // aecnn-analyze's time (perf, bench/analyze_speed.sh).
  thread_local std::map<std::pair<double, double>, double> known;
  const auto key = std::make_pair(p, df);
  if (auto it = known.find(key); it != known.end()) return it->second;
  // Bisection on the monotone CDF: 200 halvings pin a double.
  double low = -1e6, high = 1e6;
  for (int i = 0; i < 200; ++i) {
    const double middle = 0.5 * (low + high);
    (student_t_cdf(middle, df) < p ? low : high) = middle;
  }
  return known[key] = 0.5 * (low + high);
}

Summary summarize(const std::vector<double>& values) {
  Summary s;
  s.n = values.size();
  if (s.n == 0) {
    s.mean = s.sd = s.ci_low = s.ci_high = kNaN;
    return s;
  }
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(s.n);
  if (s.n < 2) {
    s.sd = s.ci_low = s.ci_high = kNaN;
    return s;
  }
  double squares = 0;
  for (double v : values) squares += (v - s.mean) * (v - s.mean);
  s.sd = std::sqrt(squares / static_cast<double>(s.n - 1));
  const double half = student_t_quantile(0.975, static_cast<double>(s.n - 1)) * s.sd / std::sqrt(static_cast<double>(s.n));
  s.ci_low = s.mean - half;
  s.ci_high = s.mean + half;
  return s;
}

std::optional<WelchTest> welch_t_test(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() < 2 || b.size() < 2) return std::nullopt;
  const Summary sa = summarize(a), sb = summarize(b);
  const double va = sa.sd * sa.sd / static_cast<double>(sa.n), vb = sb.sd * sb.sd / static_cast<double>(sb.n);
  WelchTest test;
  if (va + vb == 0) {
    test.p = sa.mean == sb.mean ? 1 : 0;
    test.t = sa.mean == sb.mean ? 0 : std::copysign(std::numeric_limits<double>::infinity(), sa.mean - sb.mean);
    test.df = static_cast<double>(sa.n + sb.n - 2);
    return test;
  }
  test.t = (sa.mean - sb.mean) / std::sqrt(va + vb);
  test.df = (va + vb) * (va + vb) /
            (va * va / static_cast<double>(sa.n - 1) + vb * vb / static_cast<double>(sb.n - 1));
  test.p = 2 * student_t_cdf(-std::fabs(test.t), test.df);
  return test;
}

}  // namespace aecnn::analysis
