// aecnn-analyze: reads results.h5 and prints what the sweep found.
//   aecnn-analyze results.h5
#include <CLI/CLI.hpp>
#include <cstdio>

#include "aecnn/analysis/trial_table.hpp"
#include "aecnn/store/reader.hpp"

int main(int argc, char** argv) {
  std::string path;
  CLI::App app{"Prints the trials of an aecnn-sweep results file: the keys that vary, final and best\n"
               "validation accuracy, test accuracy and time. Works on finished, running and failed sweeps."};
  app.add_option("results", path, "results file written by aecnn-sweep")->required();
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
    for (const auto& experiment : aecnn::analysis::experiments_of(results))
      std::printf("experiment %s\n%s\n", experiment.c_str(),
                  aecnn::analysis::trial_table(results, experiment).to_text().c_str());
    for (const auto& trial : results.trials)
      if (trial.status == aecnn::store::kStatusFailed)
        std::printf("\n%s failed: %s\n", trial.id.c_str(), trial.error.c_str());
    return aecnn::kExitOk;
  } catch (const aecnn::Error& error) {
    std::fprintf(stderr, "aecnn-analyze: error: %s\n", error.what());
    return error.exit_code();
  }
}
