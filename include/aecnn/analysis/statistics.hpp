#pragma once
// Small-sample statistics for results over seeds: summaries with a 95% interval, and Welch's
// t-test for "is this lead larger than the seed-to-seed noise?". Checked against scipy
// (tests/analysis/statistics_reference.py).
#include <cstddef>
#include <optional>
#include <vector>

namespace aecnn::analysis {

/// Mean, sample standard deviation (n - 1) and the 95% confidence interval of the mean from
/// Student's t. With one value there is no spread: sd and the interval are NaN.
struct Summary {
  std::size_t n = 0;
  double mean = 0, sd = 0, ci_low = 0, ci_high = 0;
};
Summary summarize(const std::vector<double>& values);

/// Student's t distribution with `df` > 0 degrees of freedom (fractional allowed, as Welch needs).
double student_t_cdf(double t, double df);
double student_t_quantile(double p, double df);

/// Welch's unequal-variance two-sample t-test, two-sided.
struct WelchTest {
  double t = 0, df = 0, p = 1;
};
/// Needs at least two values in each sample; nothing otherwise. Two samples without any spread
/// give p = 0 if their means differ, 1 if not.
std::optional<WelchTest> welch_t_test(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace aecnn::analysis
