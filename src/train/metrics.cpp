#include "aecnn/train/metrics.hpp"

#include <stdexcept>

namespace aecnn::train {

ClassificationMetrics classification_metrics(const std::vector<std::int64_t>& confusion, int classes) {
  const auto k = static_cast<std::size_t>(classes);
  if (confusion.size() != k * k) throw std::invalid_argument("confusion matrix is not classes x classes");
  ClassificationMetrics m;
  m.precision.assign(k, 0.0);
  m.recall.assign(k, 0.0);
  m.f1.assign(k, 0.0);
  m.support.assign(k, 0);
  std::vector<std::int64_t> predicted(k, 0);
  std::int64_t total = 0, correct = 0;
  for (std::size_t t = 0; t < k; ++t)
    for (std::size_t p = 0; p < k; ++p) {
      const std::int64_t n = confusion[t * k + p];
      m.support[t] += n;
      predicted[p] += n;
      total += n;
      if (t == p) correct += n;
    }
  for (std::size_t c = 0; c < k; ++c) {
    const double tp = static_cast<double>(confusion[c * k + c]);
    if (predicted[c] > 0) m.precision[c] = tp / static_cast<double>(predicted[c]);
    if (m.support[c] > 0) m.recall[c] = tp / static_cast<double>(m.support[c]);
    if (m.precision[c] + m.recall[c] > 0) m.f1[c] = 2 * m.precision[c] * m.recall[c] / (m.precision[c] + m.recall[c]);
  }
  if (total == 0) return m;
  m.accuracy = static_cast<double>(correct) / static_cast<double>(total);
  for (std::size_t c = 0; c < k; ++c) {
    const double weight = static_cast<double>(m.support[c]) / static_cast<double>(total);
    m.precision_weighted += weight * m.precision[c];
    m.recall_weighted += weight * m.recall[c];
    m.f1_weighted += weight * m.f1[c];
  }
  return m;
}

}  // namespace aecnn::train
