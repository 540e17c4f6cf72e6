#pragma once
// Classification metrics from a confusion matrix, as sklearn computes them
// (precision_recall_fscore_support with average=None and average='weighted', zero_division=0).
#include <cstdint>
#include <vector>

namespace aecnn::train {

struct ClassificationMetrics {
  double accuracy = 0;
  std::vector<double> precision, recall, f1;  ///< per class
  std::vector<std::int64_t> support;           ///< true count per class
  double precision_weighted = 0, recall_weighted = 0, f1_weighted = 0;  ///< support-weighted means
};

/// `confusion[t * classes + p]` counts images of true class t predicted as p.
/// A class nobody predicted has precision 0; one with no images has recall 0 (and weight 0).
/// Weighted recall always equals accuracy.
ClassificationMetrics classification_metrics(const std::vector<std::int64_t>& confusion, int classes);

}  // namespace aecnn::train
