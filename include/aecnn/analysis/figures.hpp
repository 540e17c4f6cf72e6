#pragma once
// The study's figures, drawn by gnuplot from the results file. Each figure is written as
// <name>.png and <name>.svg with the data (<name>.dat) and the gnuplot script (<name>.gp) beside
// it, so a user can restyle and redraw it: `gnuplot <name>.gp`. Which figures an experiment gets
// follows from what it varies (docs/analysis.md):
//   every experiment   val accuracy per setting (bars, sd error bars over seeds); train and val
//                      accuracy per epoch (mean line, min-max band over seeds)
//   lr differs         the lr each epoch per setting (the schedules)
//   a numeric key      s/epoch, val accuracy and peak memory against it (3 panels: batch size)
//   params differ      parameters per setting (attention)
//   the best setting   confusion matrix heatmap with class names; per-class precision/recall/F1
// Figures with a bar or curve per setting draw the 24 most accurate settings where there are more,
// and say so in their title; the figure against a numeric key draws them all.
#include <string>
#include <vector>

#include "aecnn/analysis/experiment_summary.hpp"
#include "aecnn/store/reader.hpp"

namespace aecnn::analysis {

/// Writes the figures of `experiment` into `dir` and runs gnuplot on each script. Returns the
/// figure names (without extension) in the order written. Throws aecnn::Error naming the script
/// when gnuplot is missing or fails.
std::vector<std::string> write_figures(const std::string& dir, const std::string& experiment,
                                       const std::vector<Setting>& settings);

}  // namespace aecnn::analysis
