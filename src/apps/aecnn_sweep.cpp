// aecnn-sweep: runs a sweep file's trials on MPI ranks and writes results.h5.
//   mpirun -np 8 aecnn-sweep sweeps/all.toml -o results.h5
//   aecnn-sweep --dry-run sweeps/all.toml
#include <CLI/CLI.hpp>
#include <boost/mpi/collectives.hpp>
#include <boost/mpi/environment.hpp>
#include <cstdio>
#include <memory>

#include "aecnn/analysis/trial_table.hpp"
#include "aecnn/data/fashion_mnist.hpp"
#include "aecnn/dist/make_communicator.hpp"
#include "aecnn/sched/placement.hpp"
#include "aecnn/sched/scheduler.hpp"
#include "aecnn/store/writer.hpp"
#include "aecnn/sweep/expand.hpp"
#include "aecnn/sweep/overrides.hpp"
#include "aecnn/train/device.hpp"
#include "aecnn/train/trainer.hpp"

namespace {

using namespace aecnn;

struct Options {
  std::string sweep_file;
  std::string results = "results.h5";
  std::string data_dir;  ///< overrides the sweep's data_dir when set
  int threads = 0;       ///< 0: default_threads()
  std::string device = "auto";
  bool dry_run = false;
  sweep::Overrides overrides;
};

struct Plan {
  sweep::SweepSpec spec;
  std::vector<sweep::TrialSpec> trials;
};

Plan make_plan(const Options& options) {
  Plan plan{sweep::parse_sweep_file(options.sweep_file), {}};
  if (!options.data_dir.empty()) plan.spec.data_dir = options.data_dir;
  plan.trials = sweep::expand(plan.spec);
  sweep::apply_overrides(plan.trials, options.overrides);
  data::check_fashion_mnist_present(plan.spec.data_dir);
  return plan;
}

int most_ranks(const std::vector<sweep::TrialSpec>& trials) {
  std::int64_t most = 1;
  for (const auto& trial : trials) most = std::max(most, std::get<std::int64_t>(trial.config.at("ranks")));
  return static_cast<int>(most);
}

// A trial asking for more workers than the job has would wait forever: refuse it up front.
void check_ranks_fit(const std::vector<sweep::TrialSpec>& trials, int workers, bool serial) {
  for (const auto& trial : trials) {
    const auto ranks = std::get<std::int64_t>(trial.config.at("ranks"));
    if (ranks > workers)
      throw Error(trial.id + " needs " + std::to_string(ranks) + " worker ranks, but this job has " +
                  std::to_string(workers) + (serial ? " (no mpirun)" : "") + "; start at least " +
                  std::to_string(ranks + 1) + " MPI ranks (rank 0 schedules)");
  }
}

void print_error(const std::exception& error) {
  std::fprintf(stderr, "aecnn-sweep: error: %s\n", error.what());
}

int dry_run(const Options& options) {
  const Plan plan = make_plan(options);
  for (const auto& experiment : analysis::experiments_of(plan.trials)) {
    const auto table = analysis::plan_table(plan.trials, experiment);
    std::printf("experiment %s: %zu trial(s)\n%s\n", experiment.c_str(), table.rows(), table.to_text().c_str());
  }
  std::printf("%zu trials in %zu experiment(s), %d worker rank(s) at most per trial, so at least %d MPI ranks; "
              "sweep hash %s; data: %s (present)\n",
              plan.trials.size(), plan.spec.experiments.size(), most_ranks(plan.trials), most_ranks(plan.trials) + 1,
              sweep::sweep_hash(plan.spec, plan.trials).c_str(), plan.spec.data_dir.c_str());
  return kExitOk;
}

// Rank 0's part of a run (or the only process's). Returns the exit code.
int lead(const boost::mpi::communicator& world, const Options& options, bool& setup_ok) {
  std::unique_ptr<Plan> plan;
  std::unique_ptr<store::ResultsWriter> writer;
  std::vector<int> to_run;
  int already_done = 0;
  try {
    plan = std::make_unique<Plan>(make_plan(options));
    // Everything that can refuse the sweep is checked before results.h5 is created or opened.
    check_ranks_fit(plan->trials, std::max(1, world.size() - 1), world.size() == 1);
    if (options.device == "cuda" && !train::cuda_build()) throw Error(train::no_cuda_reason());
    writer = std::make_unique<store::ResultsWriter>(
        options.results, store::SweepInfo{plan->spec.name, sweep::sweep_hash(plan->spec, plan->trials),
                                          plan->spec.file, plan->spec.text, plan->spec.data_dir,
                                          options.overrides.to_string()});
    const auto done = writer->done_trials();
    for (const auto& trial : plan->trials) {
      if (done.count(trial.id)) ++already_done;
      else to_run.push_back(trial.index);
    }
  } catch (const std::exception& error) {
    print_error(error);
    setup_ok = false;
  }
  if (world.size() > 1) boost::mpi::broadcast(world, setup_ok, 0);
  if (!setup_ok) return kExitBadInput;

  std::printf("aecnn-sweep: %s: %zu trials on %d training rank(s), results in %s\n", plan->spec.name.c_str(),
              plan->trials.size(), std::max(1, world.size() - 1), options.results.c_str());
  if (already_done > 0)
    std::printf("aecnn-sweep: resuming %s: %d trial(s) already done, %zu to run\n", options.results.c_str(),
                already_done, to_run.size());
  std::fflush(stdout);

  sched::TrialLog log(*writer, plan->trials, already_done);
  sched::Utilisation utilisation;
  try {
    if (world.size() == 1) sched::run_serial(plan->trials, to_run, plan->spec.data_dir, options.device, log);
    else utilisation = sched::run_scheduler(world, plan->trials, to_run, plan->spec.data_dir, options.device, log);
  } catch (const Error& error) {
    // A results file that cannot be written is fatal; the workers cannot be stopped cleanly.
    print_error(error);
    if (world.size() > 1) MPI_Abort(static_cast<MPI_Comm>(world), error.exit_code());
    return error.exit_code();
  }
  log.print_summary();
  if (utilisation.available_rank_seconds > 0)
    std::printf("worker utilisation: %.1f%% (%.0f busy rank-seconds of %.0f available)\n",
                100 * utilisation.fraction(), utilisation.busy_rank_seconds, utilisation.available_rank_seconds);
  return log.failures().empty() ? kExitOk : kExitTrialsFailed;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"Runs a hyperparameter sweep of the AE-CNN on Fashion-MNIST across MPI ranks.\n"
               "Rank 0 schedules and writes results.h5; the other ranks train. Without mpirun the\n"
               "one process trains the trials itself. Rerunning a sweep resumes its results file."};
  app.set_version_flag("--version", std::string("aecnn-sweep ") + AECNN_VERSION + "\nLibTorch with CUDA: " +
                                       (aecnn::train::cuda_build() ? "yes" : "no") + "\nNCCL backend: " +
                                       (aecnn::dist::nccl_available() ? "yes" : "no"));
  app.add_option("sweep", options.sweep_file, "sweep file (TOML); see docs/sweep-format.md")->required();
  app.add_option("-o,--results", options.results, "results file (HDF5)")->capture_default_str();
  app.add_option("--data-dir", options.data_dir, "Fashion-MNIST folder, overriding the sweep's data_dir");
  app.add_option("--threads", options.threads, "compute threads per training rank (default: cores / trainers on the node)")
      ->check(CLI::PositiveNumber);
  app.add_option("--device", options.device,
                 "auto (a GPU when there is one), cpu, or cuda: each worker binds to GPU local_rank % GPUs")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  app.add_flag("--dry-run", options.dry_run, "print the expanded trials and check the data; train nothing");
  app.add_option("--set", options.overrides.set,
                 "KEY=VALUE for every trial, e.g. --set train_images=2000 (repeatable; a quick look)");
  app.add_option("--epochs-scale", options.overrides.epochs_scale,
                 "multiply every trial's epochs by this (rounded, at least 1), e.g. 0.5 for a quick look")
      ->check(CLI::PositiveNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // Under mpirun every rank parses the same line; one message is enough.
    if (aecnn::sched::launcher_rank() == 0) return app.exit(error);
    return error.get_exit_code();
  }

  if (options.dry_run) {
    try {
      return dry_run(options);
    } catch (const std::exception& error) {
      print_error(error);
      return aecnn::kExitBadInput;
    }
  }

  boost::mpi::environment env(argc, argv, /*abort_on_exception=*/false);
  boost::mpi::communicator world;
  aecnn::train::set_compute_threads(options.threads > 0 ? options.threads : aecnn::sched::default_threads(world));
  const int local_rank = aecnn::sched::node_local_rank(world);  // collective: every rank, before roles split

  if (world.rank() == 0) {
    bool setup_ok = true;
    return lead(world, options, setup_ok);
  }
  bool setup_ok = false;
  boost::mpi::broadcast(world, setup_ok, 0);
  if (!setup_ok) return aecnn::kExitBadInput;
  aecnn::sched::run_worker(world, local_rank);
  return aecnn::kExitOk;
}
