// aecnn-analyze: reads results.h5 and prints what the sweep found.
//   aecnn-analyze results.h5
#include <CLI/CLI.hpp>
#include <cstdio>

#include "aecnn/analysis/experiment_summary.hpp"
#include "aecnn/analysis/trial_table.hpp"
#include "aecnn/store/reader.hpp"

int main(int argc, char** argv) {
  std::string path, format = "text";
  CLI::App app{"Prints what an aecnn-sweep results file holds, per experiment: its trials; its settings\n"
               "aggregated over seeds (mean +- sd, 95% interval); and which setting is best, and whether\n"
               "its lead is larger than the seed-to-seed noise (Welch's t-test). Works on finished,\n"
               "running and failed sweeps."};
  app.add_option("results", path, "results file written by aecnn-sweep")->required();
  app.add_option("--format", format, "table format")->check(CLI::IsMember({"text", "markdown", "csv"}))->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    const auto results = aecnn::store::read_results(path);
    int done = 0, failed = 0, running = 0;
    for (const auto& trial : results.trials) {
      done += trial.status == aecnn::store::kStatusDone;
      failed += trial.status == aecnn::store::kStatusFailed;
      running += trial.status == aecnn::store::kStatusRunning;
    }
    std::printf("%s: sweep '%s' (%s), data %s\n%zu trials recorded: %d done, %d running or interrupted, %d failed\n\n",
                path.c_str(), results.sweep_name.c_str(), results.sweep_file.c_str(), results.data_dir.c_str(),
                results.trials.size(), done, running, failed);
    for (const auto& experiment : aecnn::analysis::experiments_of(results)) {
      const auto settings = aecnn::analysis::settings_of(results, experiment);
      std::printf("experiment %s: trials\n%s\n", experiment.c_str(),
                  aecnn::analysis::trial_table(results, experiment).format(format).c_str());
      std::printf("experiment %s: settings over seeds\n%s\n%s\n\n", experiment.c_str(),
                  aecnn::analysis::settings_table(settings).format(format).c_str(),
                  aecnn::analysis::conclusion(experiment, settings).c_str());
    }
    for (const auto& trial : results.trials)
      if (trial.status == aecnn::store::kStatusFailed)
        std::printf("\n%s failed: %s\n", trial.id.c_str(), trial.error.c_str());
    return aecnn::kExitOk;
  } catch (const aecnn::Error& error) {
    std::fprintf(stderr, "aecnn-analyze: error: %s\n", error.what());
    return error.exit_code();
  }
}
