#include "aecnn/analysis/search_report.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "aecnn/analysis/file_stem.hpp"
#include "aecnn/sched/trial_pruning.hpp"
#include "aecnn/sweep/expand.hpp"
#include "gnuplot_figure.hpp"

namespace aecnn::analysis {
namespace {

using store::PruningRecord;
using store::ResultsContents;
using store::TrialRecord;

// The experiment's trials by index, and its adaptive search's rows in order.
struct Search {
  std::optional<sweep::PrunerSpec> pruner;
  std::optional<sweep::SearchSpec> sampler;
  std::string metric;  ///< the sampler's, else the pruner's
  bool maximize = true;
  std::map<int, const TrialRecord*> trials;
  std::vector<PruningRecord> rows;
  /// Trials in the order they ended (their stop or completion row: the commit order).
  std::vector<const TrialRecord*> finished;
};

std::optional<Search> search_of(const ResultsContents& results, const std::string& experiment) {
  Search s;
  s.pruner = pruner_of(results, experiment);
  s.sampler = sampler_of(results, experiment);
  if (!s.pruner && !s.sampler) return std::nullopt;
  s.metric = s.sampler ? s.sampler->metric : s.pruner->metric;
  s.maximize = s.sampler ? s.sampler->maximize : s.pruner->maximize;
  for (const auto& trial : results.trials)
    if (trial.experiment == experiment) s.trials[trial.index] = &trial;
  for (const auto& row : results.pruning) {
    const auto it = s.trials.find(static_cast<int>(row.trial));
    if (it == s.trials.end()) continue;
    s.rows.push_back(row);
    if (!s.sampler && (row.stop || row.epoch == 0)) s.finished.push_back(it->second);
  }
  // A sampler's observations are the order trials ended in, pruner or not.
  for (const auto& row : results.observations) {
    const auto it = s.trials.find(static_cast<int>(row.trial));
    if (s.sampler && it != s.trials.end()) s.finished.push_back(it->second);
  }
  return s;
}

bool better(double a, double b, bool maximize) { return maximize ? a > b : a < b; }

std::string varying_text(const TrialRecord& t) {
  std::string text;
  for (const auto& key : t.varying)
    if (t.config.count(key)) text += (text.empty() ? "" : " ") + key + "=" + sweep::to_display(t.config.at(key));
  return text;
}

// The value a trial reached: at its last epoch (a done trial's final model may be an earlier,
// restored epoch; the pruner judged the epochs as they came, so the curve's end is compared).
std::optional<double> last_value(const TrialRecord& t, const std::string& metric) {
  if (t.history.empty()) return std::nullopt;
  return sched::metric_of(t.history.back(), metric);
}

}  // namespace

namespace {

// The experiment as the file's own sweep TOML describes it; nothing when that TOML no longer
// parses (a file of another version): then there is no pruner or search to report on.
std::optional<sweep::ExperimentSpec> experiment_spec(const ResultsContents& results, const std::string& experiment) {
  try {
    const auto spec = sweep::parse_sweep(results.sweep_toml, results.sweep_file);
    for (const auto& e : spec.experiments)
      if (e.name == experiment) return e;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

std::optional<sweep::PrunerSpec> pruner_of(const ResultsContents& results, const std::string& experiment) {
  const auto e = experiment_spec(results, experiment);
  if (e && e->pruner.enabled()) return e->pruner;
  return std::nullopt;
}

std::optional<sweep::SearchSpec> sampler_of(const ResultsContents& results, const std::string& experiment) {
  const auto e = experiment_spec(results, experiment);
  if (e && e->search.enabled()) return e->search;
  return std::nullopt;
}

Table pruning_table(const ResultsContents& results, const std::string& experiment) {
  Table table({"epoch", "rung", "judged", "continued", "stopped", "cutoff from", "cutoff to"});
  const auto s = search_of(results, experiment);
  if (!s) return table;
  struct Tally {
    int rung = -1, judged = 0, stopped = 0;
    double low = std::numeric_limits<double>::infinity(), high = -std::numeric_limits<double>::infinity();
  };
  std::map<std::int64_t, Tally> by_epoch;
  for (const auto& row : s->rows) {
    if (row.epoch == 0 || (row.compared == 0 && !row.stop)) continue;  // not judged against others
    Tally& t = by_epoch[row.epoch];
    t.rung = static_cast<int>(row.rung);
    ++t.judged;
    t.stopped += row.stop;
    if (!std::isnan(row.cutoff)) t.low = std::min(t.low, row.cutoff), t.high = std::max(t.high, row.cutoff);
  }
  for (const auto& [epoch, t] : by_epoch)
    table.add_row({std::to_string(epoch), t.rung >= 0 ? std::to_string(t.rung) : "-", std::to_string(t.judged),
                   std::to_string(t.judged - t.stopped), std::to_string(t.stopped),
                   std::isfinite(t.low) ? fixed(t.low, 4) : "-", std::isfinite(t.high) ? fixed(t.high, 4) : "-"});
  return table;
}

std::vector<std::string> pruning_lines(const ResultsContents& results, const std::string& experiment) {
  std::vector<std::string> lines;
  const auto s = search_of(results, experiment);
  if (!s) return lines;
  if (s->sampler) lines.push_back("search: " + sweep::search_text(*s->sampler));
  if (s->pruner) lines.push_back("pruner: " + sweep::pruner_text(*s->pruner));
  int pruned = 0, done = 0;
  std::int64_t spent = 0, planned = 0;
  std::map<std::int64_t, int> pruned_after;
  const TrialRecord* best = nullptr;
  double best_value = 0;
  for (const auto& [index, t] : s->trials) {
    const auto epochs = std::get<std::int64_t>(t->config.at("epochs"));
    planned += epochs;
    spent += static_cast<std::int64_t>(t->history.size());
    if (t->status == store::kStatusPruned) {
      ++pruned;
      ++pruned_after[static_cast<std::int64_t>(t->history.size())];
    }
    if (t->status != store::kStatusDone) continue;
    ++done;
    const auto value = last_value(*t, s->metric);
    if (value && !std::isnan(*value) && (best == nullptr || better(*value, best_value, s->maximize)))
      best = t, best_value = *value;
  }
  std::string where;
  for (const auto& [epoch, count] : pruned_after)
    where += (where.empty() ? " (after epoch " : ", ") + std::to_string(epoch) + ": " + std::to_string(count);
  if (s->pruner)
    lines.push_back(std::to_string(pruned) + " of " + std::to_string(s->trials.size()) + " trials pruned" +
                    (where.empty() ? "" : where + ")") + ", " + std::to_string(done) + " done");
  else
    lines.push_back(std::to_string(done) + " of " + std::to_string(s->trials.size()) + " trials done");
  if (planned > 0)
    lines.push_back(std::to_string(spent) + " epochs trained of " + std::to_string(planned) + " planned (" +
                    fixed(100.0 * static_cast<double>(planned - spent) / static_cast<double>(planned), 0) +
                    "% not spent)");
  if (best != nullptr)
    lines.push_back("best finished trial by " + s->metric + ": " + best->id + " (" + varying_text(*best) + "), " +
                    fixed(best_value, 4) + " after " + std::to_string(best->history.size()) + " epochs");
  return lines;
}

std::vector<std::string> write_search_figures(const std::string& dir, const ResultsContents& results,
                                              const std::string& experiment) {
  std::vector<std::string> names;
  const auto s = search_of(results, experiment);
  if (!s || s->trials.empty()) return names;
  check_file_stem(experiment, "experiment name");
  const std::string prefix = experiment + "-";
  const std::string& metric = s->metric;

  // Every trial's curve: the finished ones in colour, the pruned ones faded; the rungs marked.
  {
    Figure f(dir, prefix + "search_curves");
    f.data << "# blocks per trial; columns: epoch, " << metric << ", pruned (1) or not (0), line colour\n";
    std::vector<const TrialRecord*> order;
    for (const auto& [index, t] : s->trials) order.push_back(t);
    for (std::size_t i = 0; i < order.size(); ++i) {
      const auto* t = order[i];
      const bool pruned = t->status == store::kStatusPruned;
      f.data << "# " << field(t->id) << " " << field(t->status) << "\n";
      for (const auto& r : t->history)
        f.data << r.epoch << "\t" << sched::metric_of(r, metric) << "\t" << pruned << "\t" << i % 8 + 1 << "\n";
      f.data << "\n\n";
    }
    std::set<std::int64_t> rungs;
    for (const auto& row : s->rows)
      if (row.rung >= 0) rungs.insert(row.epoch);
    f.script << "set title " << quoted(experiment + ": " + metric + " of every trial per epoch; pruned trials faded" +
                                       (rungs.empty() ? "" : ", rungs dotted"))
             << "\nset xlabel 'epoch'\nset ylabel " << quoted(metric) << "\nunset key\n";
    std::size_t most = 0;
    for (const auto* t : order) most = std::max(most, t->history.size());
    if (most <= 15) f.script << "set xtics 1\n";  // no tick between two epochs
    for (const auto rung : rungs)
      f.script << "set arrow from " << rung << ", graph 0 to " << rung << ", graph 1 nohead dt 3 lc rgb '#555555'\n";
    // Two plot commands for all trials, not one per trial: gnuplot rereads the file for each
    // command, which made a search of thousands of trials take minutes to draw. Each block is
    // its own line; a point of the other kind is undefined (1/0), so it breaks no line.
    const std::string file = "'" + prefix + "search_curves.dat'";
    f.script << "plot " << file << " using 1:($3 == 1 ? $2 : 1/0) with linespoints lc rgb '#c8c8c8' pt 7 ps 0.4, "
             << file << " using 1:($3 == 0 ? $2 : 1/0):4 with linespoints lc variable lw 2 pt 7 ps 0.6";
    names.push_back(f.draw());
  }

  // The best value so far, in the order trials ended, against trials and against epochs spent.
  if (!s->finished.empty()) {
    Figure f(dir, prefix + "best_so_far");
    f.data << "# trial\tended\tepochs spent so far\t" << metric << " at its last epoch\tbest finished so far\n";
    std::int64_t spent = 0;
    std::optional<double> best;
    int count = 0;
    for (const auto* t : s->finished) {
      spent += static_cast<std::int64_t>(t->history.size());
      const auto value = last_value(*t, metric);
      if (t->status == store::kStatusDone && value && !std::isnan(*value) &&
          (!best || better(*value, *best, s->maximize)))
        best = *value;
      f.data << field(t->id) << "\t" << ++count << "\t" << spent << "\t" << (value ? *value : NAN) << "\t"
             << (best ? *best : NAN) << "\n";
    }
    const std::string file = "'" + prefix + "best_so_far.dat'";
    f.script << "set multiplot layout 1,2 title " << quoted(experiment + ": best " + metric +
                                                            " of the finished trials so far (pruned: grey)")
             << "\nunset key\nset ylabel " << quoted(metric) << "\n"
             << "set xlabel 'trials ended'\nplot " << file << " using 2:4 with points pt 7 lc rgb '#999999', " << file
             << " using 2:5 with steps lw 2 lc rgb '#4477aa'\n"
             << "set xlabel 'epochs spent'\nplot " << file << " using 3:4 with points pt 7 lc rgb '#999999', " << file
             << " using 3:5 with steps lw 2 lc rgb '#4477aa'\nunset multiplot";
    names.push_back(f.draw("1200,480"));
  }

  // One slice per numeric searched key: its value against the metric reached.
  std::set<std::string> keys;
  for (const auto& [index, t] : s->trials)
    for (const auto& key : t->varying)
      if (key != "seed" && t->config.count(key) && !std::holds_alternative<std::string>(t->config.at(key)) &&
          !std::holds_alternative<bool>(t->config.at(key)))
        keys.insert(key);
  for (const auto& key : keys) {
    check_file_stem(key, "searched key");
    Figure f(dir, prefix + "slice_" + key);
    f.data << "# " << key << "\t" << metric << " at the last epoch\tpruned (1) or not (0)\n";
    double low = std::numeric_limits<double>::infinity(), high = 0;
    for (const auto& [index, t] : s->trials) {
      const auto value = last_value(*t, metric);
      if (!value) continue;
      const auto& v = t->config.at(key);
      const double x = std::holds_alternative<double>(v) ? std::get<double>(v) : static_cast<double>(std::get<std::int64_t>(v));
      if (x > 0) low = std::min(low, x), high = std::max(high, x);
      f.data << x << "\t" << *value << "\t" << (t->status == store::kStatusPruned ? 1 : 0) << "\n";
    }
    const std::string file = "'" + prefix + "slice_" + key + ".dat'";
    f.script << "set title " << quoted(experiment + ": " + metric + " against " + key + " (pruned: grey, at the epoch they stopped)")
             << "\nunset key\nset xlabel " << quoted(key) << "\nset ylabel " << quoted(metric) << "\n"
             << (std::isfinite(low) && high / low >= 100 ? "set logscale x\n" : "")
             << "plot " << file << " using 1:($3 == 1 ? $2 : 1/0) with points pt 7 lc rgb '#bbbbbb', " << file
             << " using 1:($3 == 0 ? $2 : 1/0) with points pt 7 ps 1.3 lc rgb '#4477aa'";
    names.push_back(f.draw());
  }
  return names;
}

}  // namespace aecnn::analysis
