#!/usr/bin/python3
"""Reference values for tests/analysis/statistics_test.cpp, from scipy (Debian's python3-scipy).
Run by hand when the tests change; scipy is not needed to build or test aecnn-sweep."""
import numpy as np
from scipy import stats

print("student_t_cdf:")
for t, df in [(2.228, 10), (-1.5, 3.7), (0.0, 5), (4.0, 1), (1.0, 200)]:
    print(f"  t={t} df={df}: {stats.t.cdf(t, df)!r}")
print("student_t_quantile(0.975):")
for df in [1, 2, 4, 29, 5.882352941176471]:
    q = stats.t.ppf(0.975, df)
    print(f"  df={df}: {q!r} (scipy's cdf there - 0.975: {stats.t.cdf(q, df) - 0.975!r})")
print("welch:")
for a, b in [([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]), ([0.81, 0.84, 0.83], [0.79, 0.80, 0.78]), ([0.5, 0.6], [0.55, 0.57, 0.9])]:
    r = stats.ttest_ind(a, b, equal_var=False)
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    print(f"  {a} vs {b}: t={r.statistic!r} df={df!r} p={r.pvalue!r}")
print("95% interval of the mean of [0.81, 0.84, 0.83]:")
x = [0.81, 0.84, 0.83]
print("  ", stats.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=stats.sem(x)))
