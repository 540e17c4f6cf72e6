// aecnn-analyze: reads results.h5 and says what the sweep found.
//   aecnn-analyze results.h5                 tables and verdicts on the terminal
//   aecnn-analyze results.h5 -o report/      the same in report/report.md, with figures and CSVs
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "aecnn/analysis/experiment_summary.hpp"
#include "aecnn/analysis/file_stem.hpp"
#include "aecnn/analysis/figures.hpp"
#include "aecnn/analysis/phase_judgement.hpp"
#include "aecnn/analysis/provenance_check.hpp"
#include "aecnn/analysis/search_report.hpp"
#include "aecnn/analysis/study_summary.hpp"
#include "aecnn/analysis/trial_table.hpp"
#include "aecnn/store/reader.hpp"
#include "command_line.hpp"

namespace {

using namespace aecnn;

std::string header(const std::string& path, const store::ResultsContents& results) {
  int done = 0, failed = 0, running = 0, pruned = 0, other = 0;
  for (const auto& trial : results.trials) {
    if (trial.status == store::kStatusDone) ++done;
    else if (trial.status == store::kStatusPruned) ++pruned;
    else if (trial.status == store::kStatusFailed) ++failed;
    else if (trial.status == store::kStatusRunning || trial.status == store::kStatusInterrupted) ++running;
    else ++other;  // a hand-edited file: counted, so that the numbers add up to the trials listed
  }
  std::string text = path + ": sweep '" + results.sweep_name + "' (" + results.sweep_file + "), data " + results.data_dir;
  if (!results.overrides.empty()) text += ", with " + results.overrides;
  return text + "\n" + std::to_string(results.trials.size()) + " trials recorded: " + std::to_string(done) + " done, " +
         (pruned > 0 ? std::to_string(pruned) + " pruned, " : "") + std::to_string(running) +
         " running or interrupted, " + std::to_string(failed) + " failed" +
         (other > 0 ? ", " + std::to_string(other) + " with another status" : "") + "\n";
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  if (!(out << text)) throw Error(path.string() + ": cannot write");
}

// report.md with every experiment's tables, verdict and figures; CSVs of the tables beside it.
void write_report(const std::string& path, const store::ResultsContents& results, const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::string md = "# Results of sweep '" + results.sweep_name + "'\n\n```\n" + header(path, results) + "```\n\n";
  md += "Every number here is read from `" + path + "`. Settings are trials that differ only in seed; " +
        "intervals are 95% confidence intervals of the mean over seeds (Student's t); verdicts compare the " +
        "best setting with the runner-up by Welch's t-test (two-sided, alpha 0.05). The final model of a " +
        "trial with early stopping is its restored best epoch.\n\n";
  const auto summary_lines = analysis::study_summary(results);
  if (!summary_lines.empty()) {
    md += "## Summary of the study\n\n";
    for (const auto& line : summary_lines) md += "- " + line + "\n";
    md += "\n";
  }
  for (const auto& experiment : analysis::experiments_of(results)) {
    const auto settings = analysis::settings_of(results, experiment);
    const auto trials = analysis::trial_table(results, experiment);
    const auto summary = analysis::settings_table(settings);
    write_file(std::filesystem::path(dir) / (experiment + "-trials.csv"), trials.to_csv());
    write_file(std::filesystem::path(dir) / (experiment + "-settings.csv"), summary.to_csv());
    const auto test = analysis::test_metrics_table(settings);
    write_file(std::filesystem::path(dir) / (experiment + "-test.csv"), test.to_csv());
    md += "## " + experiment + "\n\n" + analysis::conclusion(experiment, settings) + "\n\n";
    const auto pruning = analysis::pruning_lines(results, experiment);
    if (!pruning.empty()) {
      md += "### Adaptive search\n\n";
      for (const auto& line : pruning) md += "- " + line + "\n";
      const auto rungs = analysis::pruning_table(results, experiment);
      if (rungs.rows() > 0) {
        write_file(std::filesystem::path(dir) / (experiment + "-pruning.csv"), rungs.to_csv());
        md += "\n" + rungs.to_markdown();
      }
      md += "\n";
      for (const auto& figure : analysis::write_search_figures(dir, results, experiment))
        md += "![" + figure + "](" + figure + ".png)\n\n";
    }
    for (const auto& warning : analysis::mixed_provenance(experiment, settings)) md += "> " + warning + "\n\n";
    md += summary.to_markdown() +
          "\nThe final model on the test split:\n\n" + test.to_markdown() + "\n";
    if (const auto judgement = analysis::judge_phase(settings)) {
      write_file(std::filesystem::path(dir) / (experiment + "-judgement.csv"), judgement->table.to_csv());
      md += "### " + judgement->question + "\n\n" + judgement->answer + "\n\n" + judgement->table.to_markdown() + "\n";
    }
    if (!settings.empty()) {
      const auto& best = analysis::best_setting(settings);
      const auto per_class = analysis::per_class_table(best), confusion = analysis::confusion_table(best);
      if (per_class.rows() > 0) {
        write_file(std::filesystem::path(dir) / (experiment + "-per_class.csv"), per_class.to_csv());
        write_file(std::filesystem::path(dir) / (experiment + "-confusion.csv"), confusion.to_csv());
        md += "Per class, " + best.label + " (mean +- sd over seeds):\n\n" + per_class.to_markdown() +
              "\nConfusion matrix of " + best.label + ", summed over seeds (rows true, columns predicted):\n\n" +
              confusion.to_markdown() + "\n";
      }
    }
    for (const auto& figure : analysis::write_figures(dir, experiment, settings))
      md += "![" + figure + "](" + figure + ".png)\n\n";
    md += "<details><summary>trials</summary>\n\n" + trials.to_markdown() + "\n</details>\n\n";
  }
  write_file(std::filesystem::path(dir) / "report.md", md);
}

// One experiment on the terminal: its trials, adaptive search, settings over seeds, test
// metrics, the best setting's per-class scores, the verdict and the phase's own question.
void print_experiment(const store::ResultsContents& results, const std::string& experiment, const std::string& format) {
  const auto settings = analysis::settings_of(results, experiment);
  std::printf("experiment %s: trials\n%s\n", experiment.c_str(),
              analysis::trial_table(results, experiment).format(format).c_str());
  const auto pruning = analysis::pruning_lines(results, experiment);
  if (!pruning.empty()) {
    std::printf("experiment %s: adaptive search\n", experiment.c_str());
    for (const auto& line : pruning) std::printf("- %s\n", line.c_str());
    const auto rungs = analysis::pruning_table(results, experiment);
    std::printf("%s\n", rungs.rows() > 0 ? rungs.format(format).c_str() : "");
  }
  std::printf("experiment %s: settings over seeds\n%s\nexperiment %s: the final model on the test split\n%s\n",
              experiment.c_str(), analysis::settings_table(settings).format(format).c_str(), experiment.c_str(),
              analysis::test_metrics_table(settings).format(format).c_str());
  if (!settings.empty()) {
    const auto& best = analysis::best_setting(settings);
    const auto per_class = analysis::per_class_table(best);
    if (per_class.rows() > 0)
      std::printf("experiment %s: per class and confusion matrix of %s (test split)\n%s\n%s\n", experiment.c_str(),
                  best.label.c_str(), per_class.format(format).c_str(),
                  analysis::confusion_table(best).format(format).c_str());
  }
  std::printf("%s\n\n", analysis::conclusion(experiment, settings).c_str());
  for (const auto& warning : analysis::mixed_provenance(experiment, settings))
    std::fprintf(stderr, "aecnn-analyze: %s\n", warning.c_str());
  if (const auto judgement = analysis::judge_phase(settings))
    std::printf("experiment %s (%s): %s\n%s\n%s\n\n", experiment.c_str(), analysis::phase_name(judgement->phase).c_str(),
                judgement->question.c_str(), judgement->table.format(format).c_str(), judgement->answer.c_str());
}

// Per-class tables and figures are of each experiment's best setting only: its trials' per-class
// metrics are read, not every trial's (a third of reading 100,000 trials).
void read_best_class_metrics(const std::string& path, store::ResultsContents& results) {
  std::vector<std::size_t> best_trials;
  for (const auto& experiment : analysis::experiments_of(results)) {
    const auto settings = analysis::settings_of(results, experiment);
    if (settings.empty()) continue;
    for (const auto* trial : analysis::best_setting(settings).trials)
      best_trials.push_back(static_cast<std::size_t>(trial - results.trials.data()));
  }
  store::read_class_metrics(path, results, best_trials);
}

// --format csv: one table on stdout, as pandas.read_csv reads it: the rows of the table `name`
// of every experiment, each led by its experiment's name. Nothing else goes to stdout.
analysis::Table csv_table(const store::ResultsContents& results, const std::string& name) {
  std::vector<std::pair<std::string, analysis::Table>> parts;
  for (const auto& experiment : analysis::experiments_of(results)) {
    const auto settings = analysis::settings_of(results, experiment);
    if (name == "trials") parts.emplace_back(experiment, analysis::trial_table(results, experiment));
    if (name == "settings") parts.emplace_back(experiment, analysis::settings_table(settings));
    if (name == "test") parts.emplace_back(experiment, analysis::test_metrics_table(settings));
    if (name == "pruning") parts.emplace_back(experiment, analysis::pruning_table(results, experiment));
    if (name == "judgement")
      if (const auto judgement = analysis::judge_phase(settings)) parts.emplace_back(experiment, judgement->table);
    if ((name == "per_class" || name == "confusion") && !settings.empty()) {
      const auto& best = analysis::best_setting(settings);
      parts.emplace_back(experiment, name == "per_class" ? analysis::per_class_table(best) : analysis::confusion_table(best));
    }
  }
  return analysis::stack(parts, "experiment");
}

// Text or Markdown on the terminal: the header, then each experiment's tables and verdicts,
// then the study's summary and the failures.
void print_report(const std::string& path, const store::ResultsContents& results, const std::string& format) {
  std::printf("%s\n", header(path, results).c_str());
  for (const auto& experiment : analysis::experiments_of(results)) print_experiment(results, experiment, format);
  const auto summary_lines = analysis::study_summary(results);
  if (!summary_lines.empty()) {
    std::printf("summary of the study\n");
    for (const auto& line : summary_lines) std::printf("- %s\n", line.c_str());
    std::printf("\n");
  }
  for (const auto& trial : results.trials)
    if (trial.status == store::kStatusFailed) std::printf("%s failed: %s\n", trial.id.c_str(), trial.error.c_str());
}

// -o names a folder; a file there is refused before anything is read or written.
void check_output_folder(const std::string& out_dir) {
  std::error_code error;
  if (std::filesystem::exists(out_dir, error) && !std::filesystem::is_directory(out_dir, error))
    throw Error(out_dir + ": exists and is not a folder (-o names the folder for report.md, the figures and the CSVs)");
}

struct Options {
  std::string path, format = "text", table = "trials", out_dir;
};

int analyze(const Options& options) {
  if (!options.out_dir.empty()) check_output_folder(options.out_dir);
  auto results = store::read_results(options.path, {/*class_metrics=*/false});
  read_best_class_metrics(options.path, results);
  if (!results.recovery_note.empty()) std::fprintf(stderr, "aecnn-analyze: %s\n", results.recovery_note.c_str());
  if (!options.out_dir.empty()) analysis::check_report_names(results, options.path);  // before anything is written
  if (options.format == "csv") std::printf("%s", csv_table(results, options.table).to_csv().c_str());
  else print_report(options.path, results, options.format);
  if (!options.out_dir.empty()) {
    write_report(options.path, results, options.out_dir);
    // Beside a CSV on stdout, the line goes to stderr: stdout stays one table.
    std::fprintf(options.format == "csv" ? stderr : stdout, "report: %s\n",
                 (std::filesystem::path(options.out_dir) / "report.md").lexically_normal().c_str());
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"Says what an aecnn-sweep results file holds, per experiment: its trials; its settings\n"
               "aggregated over seeds (mean +- sd, 95% interval); and which setting is best, and whether\n"
               "its lead is larger than the seed-to-seed noise (Welch's t-test). Works on finished,\n"
               "running and failed sweeps. With -o, also the figures (PNG, SVG, data, gnuplot script)\n"
               "and report.md."};
  app.add_option("results", options.path, "results file written by aecnn-sweep");
  app.add_option("--format", options.format,
                 "text or markdown: every table and verdict; csv: one table (--table) as CSV, nothing else")
      ->check(apps::one_of({"text", "markdown", "csv"}))
      ->capture_default_str();
  app.add_option("--table", options.table,
                 "with --format csv, the table printed, every experiment's rows after an 'experiment' column")
      ->check(apps::one_of({"trials", "settings", "test", "per_class", "confusion", "pruning", "judgement"}))
      ->capture_default_str();
  app.add_option("-o,--output", options.out_dir, "folder for report.md, the figures and the tables as CSV");
  try {
    app.parse(argc, argv);
    if (options.path.empty()) throw CLI::RequiredError("a results file (aecnn-analyze RESULTS.h5)");
    if (app.count("--table") > 0 && options.format != "csv")
      throw CLI::ValidationError("--table", "picks the one table of --format csv; text and markdown print them all");
  } catch (const CLI::ParseError& error) {
    return apps::command_line_error(app, error, "aecnn-analyze", /*print=*/true);
  }

  try {
    return analyze(options);
  } catch (const Error& error) {
    std::fprintf(stderr, "aecnn-analyze: error: %s\n", error.what());
    return error.exit_code();
  } catch (const std::filesystem::filesystem_error& error) {
    std::fprintf(stderr, "aecnn-analyze: error: %s\n", error.what());
    return kExitBadInput;
  } catch (const std::exception& error) {
    // What no check caught (a bug of ours, or damage no check knows): still one line naming
    // the file, never an abort. tests/fuzz/results_mutations.py fails on "unexpected".
    std::fprintf(stderr, "aecnn-analyze: error: %s: cannot be read (unexpected: %s)\n", options.path.c_str(), error.what());
    return kExitBadInput;
  }
}
