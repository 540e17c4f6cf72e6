#include "aecnn/analysis/figures.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <type_traits>
#include <variant>

#include "aecnn/analysis/file_stem.hpp"
#include "aecnn/data/fashion_mnist.hpp"
#include "gnuplot_figure.hpp"

namespace aecnn::analysis {
namespace {

double sd_or_zero(const Summary& s) { return std::isnan(s.sd) ? 0.0 : s.sd; }

// Per-epoch mean, min and max of a history column over a setting's seeds (trials of different
// length, as with early stopping, contribute to the epochs they ran).
struct Band {
  std::vector<double> mean, low, high;
};
template <typename Column>
Band band(const Setting& s, Column column) {
  std::size_t epochs = 0;
  for (const auto* t : s.trials) epochs = std::max(epochs, t->history.size());
  Band b;
  for (std::size_t e = 0; e < epochs; ++e) {
    double sum = 0, low = 1e300, high = -1e300;
    int n = 0;
    for (const auto* t : s.trials) {
      if (e >= t->history.size()) continue;
      const double v = column(t->history[e]);
      sum += v, low = std::min(low, v), high = std::max(high, v), ++n;
    }
    b.mean.push_back(sum / n), b.low.push_back(low), b.high.push_back(high);
  }
  return b;
}

// The one varying key (seed aside) whose values are all numbers, if there is exactly one.
std::string numeric_key(const std::vector<Setting>& settings) {
  std::set<std::string> keys;
  for (const auto& s : settings)
    for (const auto* t : s.trials)
      for (const auto& k : t->varying)
        if (k != "seed") keys.insert(k);
  if (keys.size() != 1) return "";
  const std::string key = *keys.begin();
  for (const auto& s : settings)
    for (const auto* t : s.trials)
      if (std::holds_alternative<std::string>(t->config.at(key))) return "";
  return key;
}

// A gnuplot title: `text`, and `note` on a second line where there is one.
std::string title(const std::string& text, const std::string& note) {
  return note.empty() ? quoted(text) : quoted(text) + " . \"\\n\" . " + quoted(note);
}

// `label` is the printf format of the value printed above each bar.
std::string bars(const std::string& dir, const std::string& name, const std::string& title, const std::string& ylabel,
                 const std::vector<Setting>& settings, const std::vector<std::pair<double, double>>& values,
                 const std::string& label = "%.4f", const std::string& note = "") {
  Figure f(dir, name);
  f.data << "# setting\tmean\tsd\n";
  for (std::size_t i = 0; i < settings.size(); ++i)
    f.data << field(settings[i].label) << "\t" << values[i].first << "\t" << values[i].second << "\n";
  f.script << "set title " << analysis::title(title, note) << "\nset ylabel " << quoted(ylabel) << "\nunset key\n"
           << "set style fill solid 0.6 border -1\nset boxwidth 0.6\nset xtics rotate by -25\n"
           << "set yrange [0:*]\n"
           << "plot '" << name << ".dat' using 0:2:xtic(1) with boxes lc rgb '#4477aa', "
           << "'' using 0:2:3 with yerrorbars lc rgb 'black' pt 0 lw 1.5, "
           << "'' using 0:2:(sprintf('" << label << "', $2)) with labels offset 0,1 notitle\n";
  return f.draw();
}

// The settings a figure with one bar, band or line per setting draws: all of them up to
// kMostDrawn, else the kMostDrawn with the highest mean val accuracy, in their original order. A
// search of thousands of settings gives bars and curves no one can read and gnuplot minutes of
// work; the tables and CSVs still hold every setting.
constexpr std::size_t kMostDrawn = 24;

std::vector<Setting> most_accurate(const std::vector<Setting>& settings) {
  if (settings.size() <= kMostDrawn) return settings;
  std::vector<std::size_t> order(settings.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto accuracy = [&](std::size_t i) {
    const double mean = settings[i].val_accuracy.mean;
    return std::isnan(mean) ? -1.0 : mean;
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return accuracy(a) > accuracy(b); });
  order.resize(kMostDrawn);
  std::sort(order.begin(), order.end());
  std::vector<Setting> drawn;
  for (std::size_t i : order) drawn.push_back(settings[i]);
  return drawn;
}

}  // namespace

std::vector<std::string> write_figures(const std::string& dir, const std::string& experiment,
                                       const std::vector<Setting>& all_settings) {
  std::vector<std::string> names;
  if (all_settings.empty()) return names;
  check_file_stem(experiment, "experiment name");
  const std::string prefix = experiment + "-";
  const std::vector<Setting> settings = most_accurate(all_settings);
  // Said under the title of every figure drawn from `settings` alone.
  const std::string sampled = settings.size() < all_settings.size()
                                  ? "the " + std::to_string(settings.size()) + " most accurate of " +
                                        std::to_string(all_settings.size()) + " settings; every setting is in " +
                                        prefix + "settings.csv"
                                  : "";

  // Val accuracy per setting, with sd over seeds.
  std::vector<std::pair<double, double>> accuracy;
  for (const auto& s : settings) accuracy.emplace_back(s.val_accuracy.mean, sd_or_zero(s.val_accuracy));
  names.push_back(bars(dir, prefix + "val_accuracy", experiment + ": validation accuracy of the final model (mean, sd over seeds)",
                       "val accuracy", settings, accuracy, "%.4f", sampled));

  // Epoch axes: a tick per epoch on short runs, so no tick falls between two epochs.
  std::size_t most_epochs = 0;
  for (const auto& s : settings)
    for (const auto* t : s.trials) most_epochs = std::max(most_epochs, t->history.size());
  const std::string epoch_axis = std::string("set xlabel 'epoch'\n") + (most_epochs <= 15 ? "set xtics 1\n" : "");

  // Train accuracy (the final model in inference mode) beside val accuracy, gap labelled.
  {
    Figure f(dir, prefix + "train_vs_val");
    f.data << "# setting\ttrain accuracy (inference mode, final model)\tsd\tval accuracy\tsd\tgap\n";
    for (const auto& s : settings) {
      std::vector<double> train_accuracy;
      for (const auto* t : s.trials) train_accuracy.push_back(t->result->train_eval_accuracy);
      const Summary train = summarize(train_accuracy);
      f.data << field(s.label) << "\t" << train.mean << "\t" << sd_or_zero(train) << "\t" << s.val_accuracy.mean << "\t"
             << sd_or_zero(s.val_accuracy) << "\t" << s.train_val_gap.mean << "\n";
    }
    const std::string file = "'" + prefix + "train_vs_val.dat'";
    f.script << "set title " << title(experiment + ": train vs validation accuracy of the final model, gap labelled", sampled)
             << "\nset style fill solid 0.6 border -1\nset boxwidth 0.35\nset xtics rotate by -25\nset yrange [0:1.1]\n"
             << "plot " << file << " using ($0-0.18):2 with boxes lc rgb '#4477aa' title 'train', "
             << file << " using ($0-0.18):2:3 with yerrorbars lc rgb 'black' pt 0 notitle, "
             << file << " using ($0+0.18):4 with boxes lc rgb '#ee6677' title 'validation', "
             << file << " using ($0+0.18):4:5 with yerrorbars lc rgb 'black' pt 0 notitle, "
             << file << " using 0:(($2>$4?$2:$4)+0.04):(sprintf('gap %+.3f', $6)):xtic(1) with labels notitle\n";
    names.push_back(f.draw());
  }

  // Train and val accuracy and loss per epoch: mean line, min-max band over seeds.
  for (const std::string metric : {"accuracy", "loss"}) {
    Figure f(dir, prefix + "curves_" + metric);
    f.data << "# blocks per setting; columns: epoch, train mean, train min, train max, val mean, val min, val max\n";
    for (const auto& s : settings) {
      const bool acc = metric == "accuracy";
      const Band train = band(s, [&](const train::EpochRecord& r) { return acc ? r.accuracy : r.loss; });
      const Band val = band(s, [&](const train::EpochRecord& r) { return acc ? r.val_accuracy : r.val_loss; });
      f.data << "# " << field(s.label) << "\n";
      for (std::size_t e = 0; e < train.mean.size(); ++e)
        f.data << e + 1 << "\t" << train.mean[e] << "\t" << train.low[e] << "\t" << train.high[e] << "\t" << val.mean[e]
               << "\t" << val.low[e] << "\t" << val.high[e] << "\n";
      f.data << "\n\n";
    }
    f.script << "set title " << title(experiment + ": train (dashed) and validation " + metric + " per epoch, band = min-max over seeds", sampled)
             << "\n" << epoch_axis << "set ylabel " << quoted(metric) << "\nset style fill transparent solid 0.15 noborder\nplot ";
    for (std::size_t i = 0; i < settings.size(); ++i) {
      const std::string file = "'" + prefix + "curves_" + metric + ".dat' index " + std::to_string(i);
      f.script << (i ? ", " : "") << file << " using 1:6:7 with filledcurves lc " << i + 1 << " notitle, " << file
               << " using 1:5 with linespoints lc " << i + 1 << " pt 7 title " << quoted(settings[i].label) << ", "
               << file << " using 1:2 with lines dt 2 lc " << i + 1 << " notitle";
    }
    names.push_back(f.draw());
  }

  // The learning-rate schedules, where the lr differs between settings.
  std::set<std::vector<double>> schedules;
  for (const auto& s : settings) schedules.insert(band(s, [](const train::EpochRecord& r) { return r.lr; }).mean);
  if (schedules.size() > 1) {
    Figure f(dir, prefix + "lr");
    f.data << "# blocks per setting; columns: epoch, lr (the one used, mean over seeds)\n";
    for (const auto& s : settings) {
      const Band lr = band(s, [](const train::EpochRecord& r) { return r.lr; });
      f.data << "# " << field(s.label) << "\n";
      for (std::size_t e = 0; e < lr.mean.size(); ++e) f.data << e + 1 << "\t" << lr.mean[e] << "\n";
      f.data << "\n\n";
    }
    f.script << "set title " << title(experiment + ": learning rate used each epoch", sampled) << "\n" << epoch_axis << "set ylabel 'lr'\nplot ";
    for (std::size_t i = 0; i < settings.size(); ++i)
      f.script << (i ? ", " : "") << "'" << prefix << "lr.dat' index " << i << " using 1:2 with linespoints lw 2 title "
               << quoted(settings[i].label);
    names.push_back(f.draw());
  }

  // One numeric key (batch size, or the lr of a search): time, accuracy and memory against it.
  // Every setting is drawn, in the key's order: points on an axis stay readable by the thousand.
  const std::string key = numeric_key(all_settings);
  if (!key.empty() && all_settings.size() > 1) {
    check_file_stem(key, "varied key");
    const auto value_of = [&](const Setting* s) {
      return std::visit([](const auto& v) -> double {
        if constexpr (std::is_arithmetic_v<std::decay_t<decltype(v)>>) return static_cast<double>(v);
        else return 0.0;  // not reached: numeric_key() rejects a key with a string value
      }, s->trials.front()->config.at(key));
    };
    std::vector<const Setting*> by_value;
    for (const auto& s : all_settings) by_value.push_back(&s);
    std::stable_sort(by_value.begin(), by_value.end(),
                     [&](const Setting* a, const Setting* b) { return value_of(a) < value_of(b); });
    Figure f(dir, prefix + "by_" + key);
    f.data << "# " << key << "\ts/epoch mean\tsd\tval accuracy mean\tsd\tpeak MiB mean\tsd\n";
    for (const Setting* s : by_value)
      f.data << field(sweep::to_display(s->trials.front()->config.at(key))) << "\t" << s->epoch_seconds.mean << "\t"
             << sd_or_zero(s->epoch_seconds) << "\t" << s->val_accuracy.mean << "\t" << sd_or_zero(s->val_accuracy) << "\t"
             << s->peak_memory_mib.mean << "\t" << sd_or_zero(s->peak_memory_mib) << "\n";
    const std::string file = "'" + prefix + "by_" + key + ".dat'";
    // Memory is drawn only where it was measured (memory_measure 'unavailable' records -1).
    const bool memory = std::any_of(all_settings.begin(), all_settings.end(),
                                    [](const Setting& s) { return s.peak_memory_mib.n > 0; });
    f.script << "set multiplot layout 1," << (memory ? 3 : 2) << " title "
             << quoted(experiment + ": against " + key + " (mean, sd over seeds)" + (memory ? "" : "; memory was not measured"))
             << "\nunset key\nset logscale x 2\nset xlabel " << quoted(key) << "\n"
             << "set ylabel 'seconds per epoch'\nplot " << file << " using 1:2:3 with yerrorlines pt 7 lw 2\n"
             << "set ylabel 'val accuracy'\nplot " << file << " using 1:4:5 with yerrorlines pt 7 lw 2\n";
    if (memory)
      f.script << "set ylabel 'peak memory (MiB, measured)'\nplot " << file << " using 1:6:7 with yerrorlines pt 7 lw 2\n";
    f.script << "unset multiplot";
    names.push_back(f.draw(memory ? "1400,480" : "1000,480"));
  }

  // Parameters, where they differ (the attention variants).
  std::set<long long> params;
  for (const auto& s : settings) params.insert(s.params);
  if (params.size() > 1) {
    std::vector<std::pair<double, double>> counts;
    for (const auto& s : settings) counts.emplace_back(static_cast<double>(s.params), 0.0);
    names.push_back(bars(dir, prefix + "params", experiment + ": parameters (Keras count_params)", "parameters",
                         settings, counts, "%.0f", sampled));
  }

  // The best setting's confusion matrix (summed over seeds) and per-class scores (mean).
  const Setting* best = &best_setting(settings);
  const auto& first = *best->trials.front()->result;
  const std::size_t classes = first.class_support.size();
  if (classes == data::kClassNames.size() && first.confusion.size() == classes * classes) {
    std::vector<long long> confusion(classes * classes, 0);
    std::vector<double> precision(classes, 0), recall(classes, 0), f1(classes, 0);
    for (const auto* t : best->trials)
      for (std::size_t i = 0; i < classes * classes; ++i) confusion[i] += t->result->confusion[i];
    for (const auto* t : best->trials)
      for (std::size_t c = 0; c < classes; ++c) {
        precision[c] += t->result->class_precision[c] / best->trials.size();
        recall[c] += t->result->class_recall[c] / best->trials.size();
        f1[c] += t->result->class_f1[c] / best->trials.size();
      }
    Figure heat(dir, prefix + "confusion");
    heat.data << "# true class (row) x predicted class (column), test split, summed over " << best->trials.size()
              << " seed(s) of " << field(best->label) << "\n";
    for (std::size_t t = 0; t < classes; ++t)
      for (std::size_t p = 0; p < classes; ++p) heat.data << p << "\t" << t << "\t" << confusion[t * classes + p] << "\n";
    std::string tics;
    for (std::size_t c = 0; c < classes; ++c) tics += (c ? ", " : "") + quoted(data::kClassNames[c]) + " " + std::to_string(c);
    heat.script << "set title " << quoted(experiment + ": confusion matrix of " + best->label + " on the test split")
                << "\nunset key\nset xlabel 'predicted'\nset ylabel 'true'\nset xtics (" << tics << ") rotate by -35\n"
                << "set ytics (" << tics << ")\nset yrange [9.5:-0.5]\nset xrange [-0.5:9.5]\nset palette defined (0 'white', 1 '#08306b')\n"
                << "plot '" << prefix << "confusion.dat' using 1:2:3 with image, '' using 1:2:(sprintf('%d', $3)) with labels font ',8'";
    names.push_back(heat.draw("900,800"));

    Figure per_class(dir, prefix + "per_class");
    per_class.data << "# class\tprecision\trecall\tF1 (test split, mean over seeds of " << field(best->label) << ")\n";
    for (std::size_t c = 0; c < classes; ++c)
      per_class.data << data::kClassNames[c] << "\t" << precision[c] << "\t" << recall[c] << "\t" << f1[c] << "\n";
    per_class.script << "set title " << quoted(experiment + ": per-class precision, recall and F1 of " + best->label)
                     << "\nset style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.7 border -1\n"
                     << "set yrange [0:1.05]\nset xtics rotate by -35\nplot '" << prefix
                     << "per_class.dat' using 2:xtic(1) title 'precision', '' using 3 title 'recall', '' using 4 title 'F1'";
    names.push_back(per_class.draw());
  }
  return names;
}

}  // namespace aecnn::analysis
