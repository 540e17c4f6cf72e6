// aecnn-sweep: runs a sweep file's trials on MPI ranks and writes results.h5.
//   mpirun -np 8 aecnn-sweep sweeps/all.toml -o results.h5
//   aecnn-sweep --dry-run sweeps/all.toml
//   aecnn-sweep --status sweeps/all.toml -o results.h5
//   aecnn-sweep export results.h5 final-0000 -o final-0000.pt
//   aecnn-sweep upgrade results.h5
#include <CLI/CLI.hpp>
#include <sys/resource.h>
#include <unistd.h>
#include <boost/mpi/collectives.hpp>
#include <boost/mpi/environment.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <unordered_map>

#include "aecnn/analysis/trial_table.hpp"
#include "aecnn/build_info.hpp"
#include "aecnn/store/upgrade.hpp"
#include "aecnn/data/fashion_mnist.hpp"
#include "aecnn/dist/make_communicator.hpp"
#include "aecnn/sched/benchmark_trials.hpp"
#include "aecnn/sched/placement.hpp"
#include "aecnn/search/pruner.hpp"
#include "aecnn/sched/scheduler.hpp"
#include "aecnn/sched/stop_signal.hpp"
#include "aecnn/sched/trial_pruning.hpp"
#include "aecnn/store/reader.hpp"
#include "aecnn/store/writer.hpp"
#include "aecnn/sweep/trial_list.hpp"
#include "aecnn/train/device.hpp"
#include "aecnn/train/trainer.hpp"
#include "command_line.hpp"

namespace {

using namespace aecnn;

struct Options {
  std::string sweep_file;
  std::string results = "results.h5";
  std::string data_dir;  ///< overrides the sweep's data_dir when set
  int threads = 0;       ///< 0: default_threads()
  std::string device = "auto";
  bool dry_run = false;
  bool status = false;    ///< report how far the results file is; train nothing
  bool placement = false; ///< print where each rank runs and what it would use; train nothing
  int placement_gpus = -1;  ///< --placement as if each node had this many GPUs (-1: what this node has)
  bool new_file = false;  ///< move an existing results file aside instead of resuming it
  std::string progress = "auto";
  sweep::Overrides overrides;
  std::string command_line;  ///< as typed, recorded with each trial's provenance
  std::vector<std::string> arguments;  ///< the same, one by one: the "resume with" line quotes them
  std::string benchmark_trials;  ///< a benchmark aid (sched/benchmark_trials.hpp, docs/benchmarks.md)
};

struct ExportOptions {
  std::string results, trial, output, weights = "final";
};

struct Plan {
  std::shared_ptr<const sweep::SweepSpec> spec;  ///< shared with `trials`, which reads its axes
  sweep::TrialList trials;  ///< built one at a time when asked for: rank 0's memory stays flat
  data::FashionMnistCounts data;  ///< the images found (and checked) in spec.data_dir
};

Plan make_plan(const Options& options) {
  sweep::SweepSpec spec = sweep::parse_sweep_file(options.sweep_file);
  if (!options.data_dir.empty()) spec.data_dir = options.data_dir;
  Plan plan{std::make_shared<const sweep::SweepSpec>(std::move(spec)), {}, {}};
  plan.trials = sweep::TrialList(plan.spec, options.overrides);
  if (const auto problem = sched::benchmark_sweep_problem(options.benchmark_trials, *plan.spec)) throw Error(*problem);
  // Every byte of the data, once, here: bad data must stop the sweep before any trial starts.
  plan.data = data::check_fashion_mnist(plan.spec->data_dir);
  return plan;
}

int most_ranks(const sweep::TrialList& trials) {
  std::int64_t most = 1;
  for (std::size_t i = 0; i < trials.size(); ++i) most = std::max(most, std::get<std::int64_t>(trials.value(i, "ranks")));
  return static_cast<int>(most);
}

// A trial asking for more workers than the job has would wait forever: refuse it up front.
void check_ranks_fit(const sweep::TrialList& trials, int workers, bool serial) {
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const auto ranks = std::get<std::int64_t>(trials.value(i, "ranks"));
    if (ranks > workers)
      throw Error(trials.id(i) + " needs " + std::to_string(ranks) + " worker ranks, but this job has " +
                  std::to_string(workers) + (serial ? " (no mpirun)" : "") + "; start at least " +
                  std::to_string(ranks + 1) + " MPI ranks (rank 0 schedules)");
  }
}

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

void print_error(const std::exception& error) {
  std::fprintf(stderr, "aecnn-sweep: error: %s\n", error.what());
}

// What --dry-run says of an experiment's pruner: its rule (ASHA's rungs) and the epoch budget,
// from every trial running all its epochs down to the least the rule allows: ASHA lets the
// first trial at each rung through (it leads), the median rule lets its startup trials complete;
// every other trial could stop at its first chance.
std::string describe_pruning(const sweep::ExperimentSpec& experiment, const sweep::TrialList& trials) {
  const auto& pruner = experiment.pruner;
  if (!pruner.enabled()) return "";
  std::int64_t full = 0, count = 0, most = 0, fewest = 0;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    if (trials.experiment(i) != experiment.name) continue;
    const auto epochs = std::get<std::int64_t>(trials.value(i, "epochs"));
    fewest = count == 0 ? epochs : std::min(fewest, epochs);
    full += epochs, ++count, most = std::max(most, epochs);
  }
  const auto rule_of = sched::make_pruner(pruner, static_cast<int>(std::max<std::int64_t>(1, most)));
  const std::string rule = rule_of->describe();
  std::int64_t first_chance = pruner.warmup_epochs + 1, unprunable = pruner.startup_trials;
  if (const auto* asha = dynamic_cast<const search::AshaPruner*>(rule_of.get())) {
    first_chance = asha->rungs().empty() ? most : asha->rungs().front();
    unprunable = 1;
  }
  unprunable = std::min(unprunable, count);
  const std::int64_t least = unprunable * fewest + (count - unprunable) * std::min(first_chance, fewest);
  return "pruner: " + pruner_text(pruner) + "\n  " + rule + "\n  budget: " + std::to_string(full) +
         " epochs if no trial is pruned; at least " + std::to_string(least) + " (" + std::to_string(unprunable) +
         " trial(s) run in full, the others stop at epoch " + std::to_string(first_chance) + ")\n";
}

int dry_run(const Options& options) {
  const Plan plan = make_plan(options);
  for (const auto& experiment : analysis::experiments_of(plan.trials)) {
    const auto table = analysis::plan_table(plan.trials, experiment);
    std::printf("experiment %s: %zu trial(s)\n%s\n", experiment.c_str(), table.rows(), table.to_text().c_str());
    for (const auto& spec : plan.spec->experiments) {
      if (spec.name != experiment) continue;
      if (spec.search.enabled())
        std::printf("search: %s\n  each trial's searched keys are chosen when it starts, from the trials finished "
                    "before it: from the priors until %d have finished, then by TPE\n",
                    sweep::search_text(spec.search).c_str(), spec.search.startup_trials);
      std::printf("%s", describe_pruning(spec, plan.trials).c_str());
    }
  }
  // One worker a trial also runs without mpirun, the one process training every trial itself.
  const int ranks = most_ranks(plan.trials);
  std::printf("%zu trials in %zu experiment(s), %d worker rank(s) at most per trial, so at least %d MPI ranks%s; "
              "sweep hash %s; data: %s (%lld training and %lld test images, checked)\n",
              plan.trials.size(), plan.spec->experiments.size(), ranks, ranks + 1,
              ranks == 1 ? " under mpirun (or one process without it)" : "",
              plan.trials.sweep_hash().c_str(), plan.spec->data_dir.c_str(),
              static_cast<long long>(plan.data.train), static_cast<long long>(plan.data.test));
  return kExitOk;
}

std::string overrides_text(const Options& options) {
  const std::string text = options.overrides.to_string();
  if (options.benchmark_trials.empty()) return text;
  return text + (text.empty() ? "" : " ") + "--benchmark-trials " + options.benchmark_trials +
         " (a benchmark aid: these trials did not train; their numbers are no results)";
}

// A file of benchmark-aid trials must never be taken for, or resumed as, a real sweep.
std::string sweep_identity(const Plan& plan, const Options& options) {
  const std::string& hash = plan.trials.sweep_hash();
  return options.benchmark_trials.empty() ? hash : hash + "+benchmark-trials=" + options.benchmark_trials;
}

// --status: what running the same command would still train, read without MPI and without
// opening the file for writing. Scripts rely on its exit code: an MPI launcher may report success
// for a job step that never started (srun does when a step fails to launch), so "the launcher
// returned 0" alone does not prove the sweep finished.
int report_status(const Options& options) {
  const Plan plan = make_plan(options);
  const auto total = plan.trials.size();
  if (!std::filesystem::exists(options.results)) {
    std::printf("%s: no such file yet: %s has %zu trial(s), all still to run\n", options.results.c_str(),
                plan.spec->name.c_str(), total);
    return kExitUnfinished;
  }
  const store::StatusContents contents = store::read_statuses(options.results);
  const std::string identity = sweep_identity(plan, options);
  if (contents.sweep.hash != identity)
    throw Error(store::another_sweep_message(options.results, contents.sweep, identity, plan.spec->text,
                                             overrides_text(options)));
  std::unordered_map<std::string, const store::TrialStatus*> recorded;
  for (const auto& trial : contents.trials) recorded[trial.id] = &trial;
  std::size_t done = 0, pruned = 0, given_up = 0;
  for (std::size_t i = 0; i < plan.trials.size(); ++i) {
    const auto it = recorded.find(plan.trials.id(i));
    if (it == recorded.end()) continue;
    if (it->second->status == store::kStatusDone) ++done;
    else if (it->second->status == store::kStatusPruned) ++pruned;
    else if (it->second->status == store::kStatusFailed && it->second->failures >= plan.spec->max_attempts) ++given_up;
  }
  const std::size_t to_run = total - done - pruned - given_up;
  std::printf("%s: %s: %zu trial(s): %zu done, %s%zu failed too often to try again, %zu still to run\n",
              options.results.c_str(), plan.spec->name.c_str(), total, done,
              pruned > 0 ? (std::to_string(pruned) + " pruned, ").c_str() : "", given_up, to_run);
  return to_run == 0 ? kExitOk : kExitUnfinished;
}

// --new-file: the old file is kept beside the new one, never deleted.
void move_aside(const std::string& path) {
  if (!std::filesystem::exists(path)) return;
  // Its journal stays behind with its name: roll back what a killed writer left unfinished first,
  // so that the file moved aside is whole and no journal is left for the new file to misread.
  const std::string repaired = store::recover_results(path);
  if (!repaired.empty()) std::printf("aecnn-sweep: %s\n", repaired.c_str());
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", std::localtime(&now));
  const std::string aside = path + "." + stamp + ".old";
  std::error_code error;
  std::filesystem::rename(path, aside, error);
  if (error) throw Error(path + ": cannot move it aside to " + aside + ": " + error.message());
  std::printf("aecnn-sweep: moved the existing %s to %s\n", path.c_str(), aside.c_str());
}

// Which trials this run trains: all but the done ones and those over their retry budget.
sched::SweepJob make_job(Plan& plan, const std::map<std::string, store::TrialState>& states,
                         const Options& options) {
  sched::SweepJob job;
  job.trials = &plan.trials;
  job.max_attempts = plan.spec->max_attempts;
  job.worker_timeout_seconds = plan.spec->worker_timeout_seconds;
  job.data_dir = plan.spec->data_dir;
  job.device = options.device;
  job.benchmark_trials = options.benchmark_trials;
  job.failures.assign(plan.trials.size(), 0);
  job.keep_weights = plan.spec->keep_weights;
  for (std::size_t i = 0; i < plan.trials.size(); ++i) {
    const int index = static_cast<int>(i);
    auto it = states.empty() ? states.end() : states.find(plan.trials.id(i));
    if (it != states.end()) {
      if (it->second.status == store::kStatusDone && it->second.has_weights)
        job.weights_in_file.emplace_back(index, it->second.final_epoch);
      if (it->second.status == store::kStatusDone || it->second.status == store::kStatusPruned) continue;
      job.failures[i] = it->second.failures;
      if (it->second.status == store::kStatusFailed && it->second.failures >= job.max_attempts) continue;
    }
    job.to_run.push_back(index);
  }
  for (const auto& experiment : plan.spec->experiments) {
    if (experiment.pruner.enabled()) job.pruners[experiment.name] = experiment.pruner;
    if (experiment.search.enabled()) job.searches[experiment.name] = experiment.search;
    job.rank_weights_by[experiment.name] = sched::rank_by_of(experiment);
    if (sched::is_test_function(options.benchmark_trials))
      job.benchmark_keys[experiment.name] = sched::benchmark_keys(experiment);
  }
  // Searched trials an earlier run started keep the values it chose (and committed).
  for (std::size_t i = 0; i < plan.trials.size() && !job.searches.empty(); ++i) {
    const auto it = states.find(plan.trials.id(i));
    if (it == states.end() || it->second.suggested_after < 0) continue;
    sweep::TrialSpec trial = plan.trials[i];
    if (trial.search_number < 0) continue;
    for (const auto& key : trial.suggested)
      if (const auto value = it->second.config.find(key); value != it->second.config.end()) trial.config[key] = value->second;
    trial.suggested_after = it->second.suggested_after;
    plan.trials.replace(std::move(trial));
  }
  job.results_file = options.results;
  return job;
}

// --placement: every rank's line, printed by rank 0 in rank order. The device is what --device
// resolves to there, or, with --placement-gpus N, what it would on a node with N GPUs.
int print_placement(const boost::mpi::communicator& world, const sched::Placement& placement, const Options& options) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "unknown");
  std::string device;
  try {
    device = options.placement_gpus >= 0
                 ? train::device_with_gpus(options.device, placement.local_rank, options.placement_gpus) + " (as if " +
                       std::to_string(options.placement_gpus) + " GPU(s) per node)"
                 : train::resolve_device(options.device, placement.local_rank);
  } catch (const std::exception& error) {
    device = std::string("none: ") + error.what();
  }
  const std::string line = sched::placement_line(placement, world.rank(), world.size(), host, device);
  std::vector<std::string> lines;
  boost::mpi::gather(world, line, lines, 0);
  for (const auto& l : lines) std::printf("%s\n", l.c_str());
  return kExitOk;
}

// Rank 0's part of a run (or the only process's). Returns the exit code.
int lead(const boost::mpi::communicator& world, const Options& options, const sched::Placement& placement,
         bool& setup_ok) {
  std::unique_ptr<Plan> plan;
  std::unique_ptr<store::ResultsWriter> writer;
  std::map<std::string, store::TrialState> states;
  sched::SweepJob job;
  try {
    plan = std::make_unique<Plan>(make_plan(options));
    // Everything that can refuse the sweep is checked before results.h5 is created or opened.
    check_ranks_fit(plan->trials, std::max(1, world.size() - 1), world.size() == 1);
    if (options.device == "cuda" && !train::cuda_build()) throw Error(train::no_cuda_reason());
    if (options.new_file) move_aside(options.results);
    writer = std::make_unique<store::ResultsWriter>(
        options.results, store::SweepInfo{plan->spec->name, sweep_identity(*plan, options),
                                          plan->spec->file, plan->spec->text, plan->spec->data_dir,
                                          overrides_text(options), options.command_line,
                                          plan->trials.size()});
    if (!writer->recovery_note().empty()) std::printf("aecnn-sweep: %s\n", writer->recovery_note().c_str());
    writer->add_trials(plan->trials);
    states = writer->trial_states();
    job = make_job(*plan, states, options);
    job.node_of_rank = placement.node_of_rank;
    job.pruning_history = writer->pruning_records();
    job.observation_history = writer->observation_records();
  } catch (const std::exception& error) {
    print_error(error);
    setup_ok = false;
  }
  if (world.size() > 1) boost::mpi::broadcast(world, setup_ok, 0);
  if (!setup_ok) return kExitBadInput;

  std::printf("aecnn-sweep: %s: %zu trials on %d training rank(s), results in %s\n", plan->spec->name.c_str(),
              plan->trials.size(), std::max(1, world.size() - 1), options.results.c_str());
  if (!states.empty()) {
    const auto count = [&](const char* status) {
      return static_cast<std::size_t>(
          std::count_if(states.begin(), states.end(), [&](const auto& s) { return s.second.status == status; }));
    };
    const std::size_t done = count(store::kStatusDone), pruned = count(store::kStatusPruned);
    const auto given_up = plan->trials.size() - job.to_run.size() - done - pruned;
    std::printf("aecnn-sweep: resuming %s: %zu trial(s) already done, %s%zu to run%s\n", options.results.c_str(), done,
                pruned > 0 ? (std::to_string(pruned) + " pruned, ").c_str() : "", job.to_run.size(),
                given_up > 0 ? (", " + std::to_string(given_up) + " failed too often to try again").c_str() : "");
  }
  std::fflush(stdout);

  const auto style = options.progress == "live"    ? sched::ProgressStyle::kLive
                     : options.progress == "plain" ? sched::ProgressStyle::kPlain
                                                   : sched::default_progress_style(stdout);
  // Rank 0's CPU time from here on: what scheduling and writing cost, not loading the libraries.
  const double cpu_at_start = process_cpu_seconds();
  sched::TrialLog log(*writer, plan->trials, states, job.to_run, stdout, style);
  sched::SweepOutcome outcome;
  try {
    outcome = world.size() == 1 ? sched::run_serial(job, log) : sched::run_scheduler(world, job, log);
  } catch (const Error& error) {
    // A results file that cannot be written is fatal; the workers cannot be stopped cleanly.
    print_error(error);
    if (world.size() > 1) MPI_Abort(static_cast<MPI_Comm>(world), error.exit_code());
    return error.exit_code();
  }
  // Every result is committed: a stop signal from here on has nothing left to stop.
  if (outcome.stop_signal != 0) sched::quit_on_next_stop_signal(kExitInterrupted);
  log.print_summary(outcome.stopped_early(), sched::launch_command(options.arguments, world.size()));
  // A finished run gives back the space it freed and did not reuse; a stopped one leaves that
  // to the run that finishes, recording what it freed (a time limit's warning leaves no time
  // for a copy).
  if (!outcome.stopped_early()) {
    try {
      const std::string compacted = writer->close_and_compact();
      if (!compacted.empty()) std::printf("aecnn-sweep: %s\n", compacted.c_str());
    } catch (const Error& error) {
      print_error(error);  // every result is committed already; the file is as before
    }
  } else {
    try {
      writer->close();
    } catch (const Error& error) {
      print_error(error);  // only the count of space to give back is lost
    }
  }
  const auto& utilisation = outcome.utilisation;
  if (utilisation.available_rank_seconds > 0)
    std::printf("worker utilisation: %.1f%% (%.0f busy rank-seconds of %.0f available)\n",
                100 * utilisation.fraction(), utilisation.busy_rank_seconds, utilisation.available_rank_seconds);
  // What scheduling cost: rank 0's own CPU time (it should sleep while the workers train).
  const double cpu = process_cpu_seconds() - cpu_at_start;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  if (world.size() > 1)
    std::printf("rank 0 (scheduler and writer) used %.1f s of CPU in %.1f s: %.1f%% of one core; peak resident "
                "memory %.0f MiB\n",
                cpu, log.elapsed(), 100 * cpu / std::max(1e-9, log.elapsed()),
                static_cast<double>(usage.ru_maxrss) / 1024.0);
  if (!outcome.lost.empty()) {
    // A lost rank takes part in no MPI_Finalize (it would wait for it forever): everything is
    // committed, so the job ends here, every rank with it.
    for (const auto& lost : outcome.lost) std::printf("aecnn-sweep: %s\n", lost.c_str());
    std::printf("aecnn-sweep: ending the job (exit code %d): a lost rank cannot finish MPI; its trial and every "
                "other unfinished one continue from their checkpoints when the same command runs again\n",
                kExitWorkerLost);
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(static_cast<MPI_Comm>(world), kExitWorkerLost);
  }
  if (outcome.stop_signal != 0) return kExitInterrupted;
  return log.failures().empty() ? kExitOk : kExitTrialsFailed;
}

// aecnn-sweep export: a trial's weights as a file LibTorch loads.
int export_trial(const ExportOptions& options) {
  const store::ResultsContents contents = store::read_results(options.results);
  const store::TrialRecord* trial = nullptr;
  for (const auto& t : contents.trials)
    if (t.id == options.trial) trial = &t;
  if (trial == nullptr) throw Error(options.results + ": has no trial '" + options.trial + "'");
  const auto checkpoint = store::read_checkpoint(options.results, options.trial);
  if (!checkpoint && !trial->weights_dropped.empty())
    throw Error(options.results + ": " + options.trial + " (" + trial->status + ") has no weights: they were not kept, " +
                trial->weights_dropped + "; to keep every trial's, run the sweep with keep_weights = \"all\"");
  if (!checkpoint) throw Error(options.results + ": trial '" + options.trial + "' has no checkpoint yet (no epoch finished)");
  // The weights the test metrics were computed with: the restored best epoch, or the last one.
  const std::string tested = trial->result ? (trial->result->restored_best ? "best" : "latest") : "";
  std::string which = options.weights;
  if (which == "final") {
    if (!trial->result)
      throw Error(options.trial + " is not done (status " + trial->status +
                  "), so it has no final model; use --weights latest or --weights best");
    which = tested;
  }
  const auto& weights = which == "best" ? checkpoint->best_model : checkpoint->model;
  const std::string output = options.output.empty() ? options.trial + ".pt" : options.output;
  train::export_model(sweep::to_trial_config(trial->config), weights, output,
                      options.results + ":/checkpoints/" + options.trial + "/" + (which == "best" ? "best_model" : "model"));
  const int epoch = which == "best" ? checkpoint->best_epoch + 1 : checkpoint->epochs_done;
  // The test accuracy only beside the weights it was measured with.
  const std::string accuracy =
      which == tested ? ", test accuracy " + std::to_string(trial->result->test_accuracy)
      : trial->result ? " (its test metrics are of other weights: those --weights final exports)"
                      : "";
  std::printf("wrote %s: %s, %s weights (epoch %d)%s\n", output.c_str(), options.trial.c_str(), options.weights.c_str(),
              epoch, accuracy.c_str());
  std::printf("load it in C++: torch::load(model, \"%s\") into an Aecnn built with this trial's config; in Python: "
              "torch.jit.load(\"%s\").state_dict()\n", output.c_str(), output.c_str());
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"Runs a hyperparameter sweep of the AE-CNN on Fashion-MNIST across MPI ranks.\n"
               "Rank 0 schedules and writes results.h5; the other ranks train. Without mpirun the\n"
               "one process trains the trials itself. Rerunning a sweep resumes its results file."};
  app.set_version_flag("--version", std::string("aecnn-sweep ") + aecnn::tool_version() + "\nLibTorch with CUDA: " +
                                       (aecnn::train::cuda_build() ? "yes" : "no") + "\nNCCL backend: " +
                                       (aecnn::dist::nccl_available() ? "yes" : "no"));
  app.add_option("sweep", options.sweep_file, "sweep file (TOML); see docs/sweep-format.md");
  app.add_option("-o,--results", options.results, "results file (HDF5)")->capture_default_str();
  app.add_option("--data-dir", options.data_dir, "Fashion-MNIST folder, overriding the sweep's data_dir");
  app.add_option("--threads", options.threads, "compute threads per training rank, exclusive trials too (default: cores / trainers on the node; an exclusive trial: all the cores its ranks may use)")
      ->check(apps::integer_at_least(1));
  app.add_option("--device", options.device,
                 "auto (a GPU when there is one), cpu, or cuda: each worker binds to GPU local_rank % GPUs")
      ->check(apps::one_of({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  app.add_flag("--dry-run", options.dry_run, "print the expanded trials and check the data; train nothing");
  app.add_flag("--status", options.status,
               "say how many of the sweep's trials the results file (-o) has done and how many are still to run; "
               "exit code 0 when none is left, 5 when some are; no MPI, no training");
  app.add_flag("--placement", options.placement,
               "under the MPI launcher: print one line per rank (host, node, local rank, threads, device) and "
               "exit; no sweep file needed, nothing trained (docs/architecture.md)");
  app.add_option("--placement-gpus", options.placement_gpus,
                 "with --placement: the device each rank would use if every node had N GPUs")
      ->check(apps::integer_at_least(0));
  app.add_option("--set", options.overrides.set,
                 "KEY=VALUE for every trial, e.g. --set train_images=2000 (repeatable; a quick look)");
  app.add_option("--epochs-scale", options.overrides.epochs_scale,
                 "multiply every trial's epochs by this (rounded, at least 1), e.g. 0.5 for a quick look")
      ->check(apps::number_above(0));
  app.add_flag("--new-file", options.new_file,
               "start a new results file even if one exists at the path (the old one is renamed, not deleted)");
  app.add_option("--benchmark-trials", options.benchmark_trials,
                 "a benchmark aid, never a result, instead of training: noop (return at once), sleep=SECONDS, "
                 "or branin / hartmann6 (the test function at the point the searched keys give); measures the "
                 "scheduler, the file or the search (docs/benchmarks.md)")
      ->check([](const std::string& kind) { return sched::benchmark_kind_problem(kind).value_or(""); });
  app.add_option("--progress", options.progress,
                 "auto (a live block on a terminal, plain lines in a log), live or plain")
      ->check(apps::one_of({"auto", "live", "plain"}))
      ->capture_default_str();

  ExportOptions export_options;
  CLI::App* exporter = app.add_subcommand(
      "export", "writes a trial's weights as a file LibTorch loads (torch::save); no MPI, no training");
  exporter->add_option("results", export_options.results, "results file (HDF5)")->required();
  exporter->add_option("trial", export_options.trial, "trial id, e.g. final-0000")->required();
  exporter->add_option("-o,--output", export_options.output, "model file (default: TRIAL.pt)");
  exporter->add_option("--weights", export_options.weights,
                       "final (what the test metrics were computed with), best (lowest val_loss) or latest")
      ->check(apps::one_of({"final", "best", "latest"}))
      ->capture_default_str();
  std::string upgrade_file;
  CLI::App* upgrader = app.add_subcommand(
      "upgrade", "converts a results file an earlier aecnn-sweep wrote to this one's format, in place");
  upgrader->add_option("results", upgrade_file, "results file (HDF5)")->required();
  for (int i = 0; i < argc; ++i) options.command_line += (i ? " " : "") + std::string(argv[i]);
  options.arguments.assign(argv, argv + argc);
  try {
    app.parse(argc, argv);
    if (!exporter->parsed() && !upgrader->parsed() && !options.placement && options.sweep_file.empty())
      throw CLI::RequiredError("a sweep file (aecnn-sweep SWEEP.toml)");
  } catch (const CLI::ParseError& error) {
    // Under mpirun every rank parses the same line; one message is enough.
    return aecnn::apps::command_line_error(app, error, "aecnn-sweep", aecnn::sched::launcher_rank() == 0);
  }

  if (exporter->parsed()) {
    try {
      return export_trial(export_options);
    } catch (const std::exception& error) {
      print_error(error);
      return aecnn::kExitBadInput;
    }
  }

  if (upgrader->parsed()) {
    try {
      std::printf("aecnn-sweep: %s\n", aecnn::store::upgrade_results(upgrade_file).c_str());
      return aecnn::kExitOk;
    } catch (const std::exception& error) {
      print_error(error);
      return aecnn::kExitBadInput;
    }
  }

  if (options.dry_run || options.status) {
    try {
      return options.status ? report_status(options) : dry_run(options);
    } catch (const std::exception& error) {
      print_error(error);
      return aecnn::kExitBadInput;
    }
  }

  boost::mpi::environment env(argc, argv, /*abort_on_exception=*/false);
  boost::mpi::communicator world;
  aecnn::sched::install_stop_handlers();
  // Collective: every rank, before the roles split.
  aecnn::sched::Placement placement = aecnn::sched::describe_placement(world);
  if (options.threads > 0) placement.shared_threads = placement.node_threads = options.threads;
  aecnn::train::set_compute_threads(placement.shared_threads);
  const std::string binding_warning = aecnn::sched::oversubscribed_threads_warning(world, placement);
  if (!binding_warning.empty()) std::fprintf(stderr, "%s\n", binding_warning.c_str());
  if (options.placement) return print_placement(world, placement, options);

  if (world.rank() == 0) {
    bool setup_ok = true;
    return lead(world, options, placement, setup_ok);
  }
  bool setup_ok = false;
  boost::mpi::broadcast(world, setup_ok, 0);
  if (!setup_ok) return aecnn::kExitBadInput;
  aecnn::sched::run_worker(world, placement);
  return aecnn::kExitOk;
}
