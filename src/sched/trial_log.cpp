#include "aecnn/sched/trial_log.hpp"

#include <unistd.h>

#include <algorithm>

#include "aecnn/sweep/trial_config.hpp"

namespace aecnn::sched {
namespace {

std::string join_ranks(const std::vector<int>& ranks) {
  std::string text;
  for (int r : ranks) text += (text.empty() ? "" : ",") + std::to_string(r);
  return text;
}

int epochs_of(const sweep::TrialSpec& trial) {
  return static_cast<int>(std::get<std::int64_t>(trial.config.at("epochs")));
}

int epochs_of(const sweep::TrialList& trials, int trial) {
  return static_cast<int>(std::get<std::int64_t>(trials.value(static_cast<std::size_t>(trial), "epochs")));
}

std::int64_t epochs_to_run(const sweep::TrialList& trials, const std::vector<int>& to_run) {
  std::int64_t sum = 0;
  for (int i : to_run) sum += epochs_of(trials, i);
  return sum;
}

int count_done(const std::map<std::string, store::TrialState>& states) {
  return static_cast<int>(std::count_if(states.begin(), states.end(), [](const auto& item) {
    return item.second.status == store::kStatusDone;
  }));
}

// A plain summary line in a log at most this often: a log read the next morning needs the
// totals now and then, not a line per second.
constexpr std::chrono::seconds kPlainSummaryEvery(60);

}  // namespace

ProgressStyle default_progress_style(std::FILE* out) {
  if (!isatty(fileno(out))) return ProgressStyle::kPlain;
  // Open MPI gives every rank a pseudo-terminal for its output, wherever mpirun's own output
  // goes; so ask where our launcher (the parent process) writes. A file or a pipe (a Slurm log,
  // `| tee`) gets plain lines; a terminal gets the live block. Unreadable: trust isatty.
  char target[256];
  const std::string link = "/proc/" + std::to_string(getppid()) + "/fd/1";
  const ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
  if (n <= 0) return ProgressStyle::kLive;
  target[n] = '\0';
  const std::string parent_out(target);
  const bool terminal = parent_out.rfind("/dev/pts/", 0) == 0 || parent_out.rfind("/dev/tty", 0) == 0;
  return terminal ? ProgressStyle::kLive : ProgressStyle::kPlain;
}

TrialLog::TrialLog(store::ResultsWriter& writer, const sweep::TrialList& trials,
                   const std::map<std::string, store::TrialState>& states, const std::vector<int>& to_run,
                   std::FILE* out, ProgressStyle style)
    : writer_(writer),
      trials_(trials),
      out_(out),
      style_(style),
      progress_(trials.size(), count_done(states), epochs_to_run(trials, to_run)) {
  // Trials over their retry budget are not run again, but they are still failures of the sweep.
  std::vector<bool> runs(trials.size(), false);
  for (int i : to_run) runs[i] = true;
  for (const auto& trial : trials) {
    auto it = states.find(trial.id);
    if (!runs[trial.index] && it != states.end() && it->second.status == store::kStatusFailed) {
      failures_.emplace_back(trial.id, "failed " + std::to_string(it->second.failures) +
                                           " time(s) in earlier runs; not tried again (max_attempts)");
      progress_.add_earlier_failures(1);
    }
    if (it != states.end() && it->second.status == store::kStatusPruned) progress_.add_earlier_pruned(1);
  }
}

double TrialLog::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void TrialLog::clear_block() {
  // Up to the block's first line, then erase to the end of the screen.
  if (block_lines_ > 0) std::fprintf(out_, "\033[%dF\033[J", block_lines_);
  block_lines_ = 0;
}

void TrialLog::draw_block() {
  std::fprintf(out_, "\033[1m%s\033[0m\n", progress_.summary(elapsed()).c_str());
  block_lines_ = 1;
  for (const auto& line : progress_.running_lines()) {
    std::fprintf(out_, "  %s\n", line.c_str());
    ++block_lines_;
  }
}

void TrialLog::begin_batch() {
  writer_.begin_batch();
  batching_ = true;
}

void TrialLog::end_batch() {
  writer_.end_batch();
  batching_ = false;
  std::vector<std::string> lines;
  lines.swap(held_lines_);
  for (const auto& line : lines) event(line);
}

void TrialLog::event(const std::string& line) {
  if (batching_) {
    held_lines_.push_back(line);
    return;
  }
  if (style_ == ProgressStyle::kLive) {
    clear_block();
    std::fprintf(out_, "%s\n", line.c_str());
    draw_block();
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
    const auto now = std::chrono::steady_clock::now();
    if (now - last_plain_summary_ >= kPlainSummaryEvery) {
      last_plain_summary_ = now;
      std::string running;
      for (const auto& r : progress_.running_lines()) running += (running.empty() ? "" : "; ") + r;
      std::fprintf(out_, "progress: %s%s\n", progress_.summary(elapsed()).c_str(),
                   running.empty() ? "" : (" [" + running + "]").c_str());
    }
  }
  std::fflush(out_);
}

std::optional<train::Checkpoint> TrialLog::resume_point(int trial) const { return writer_.checkpoint(trials_.id(static_cast<std::size_t>(trial))); }

std::vector<train::EpochRecord> TrialLog::history(int trial) const { return writer_.history(trials_.id(static_cast<std::size_t>(trial))); }

void TrialLog::started(int trial, const std::vector<int>& ranks, const train::Checkpoint* resume) {
  const auto& spec = trials_[trial];
  writer_.begin_trial(spec, ranks, resume);
  const int from = resume ? resume->epochs_done : 0;
  progress_.started(spec.id, join_ranks(ranks), epochs_of(spec), from);
  std::string values;
  for (const auto& key : spec.varying) values += " " + key + "=" + sweep::to_display(spec.config.at(key));
  event(spec.id + " started on rank " + join_ranks(ranks) + ":" + values +
        (from > 0 ? " (continuing after epoch " + std::to_string(from) + ")" : ""));
}

void TrialLog::epoch(int trial, const train::EpochRecord& r, const train::Checkpoint& checkpoint,
                     const store::PruningRecord* decision) {
  const std::string id = trials_.id(static_cast<std::size_t>(trial));
  writer_.append_epoch(id, r, &checkpoint, decision);
  progress_.epoch(id, r.epoch);
  char text[200];
  std::snprintf(text, sizeof text, "%s epoch %d/%d loss %.4f acc %.4f val_loss %.4f val_acc %.4f (%.1f s)",
                id.c_str(), r.epoch, epochs_of(trials_, trial), r.loss, r.accuracy, r.val_loss, r.val_accuracy,
                r.epoch_seconds);
  std::string line = text;
  if (decision != nullptr && decision->rung >= 0)
    line += " [rung " + std::to_string(decision->rung) + ": " + (decision->stop ? "stop" : "continue") + "]";
  event(line);
}

std::vector<store::DroppedWeights> TrialLog::by_id(const std::vector<WeightsDrop>& drops) const {
  std::vector<store::DroppedWeights> named;
  for (const auto& d : drops) named.push_back({trials_.id(static_cast<std::size_t>(d.trial)), d.reason});
  return named;
}

void TrialLog::weights_dropped(const std::vector<WeightsDrop>& drops) {
  if (drops.empty()) return;
  writer_.drop_weights(by_id(drops));
  event("dropped the weights of " + std::to_string(drops.size()) + " ended trial(s) that keep_weights no longer keeps");
}

void TrialLog::done(int trial, const train::TrialResult& result, const store::SearchRows& rows,
                    const std::vector<WeightsDrop>& drops) {
  const std::string id = trials_.id(static_cast<std::size_t>(trial));
  writer_.finish_trial(id, result, rows, by_id(drops));
  progress_.ended(id, Progress::End::kDone);
  failures_.erase(std::remove_if(failures_.begin(), failures_.end(), [&](const auto& f) { return f.first == id; }),
                  failures_.end());
  char text[160];
  std::snprintf(text, sizeof text, "%s done: test_acc %.4f in %.1f s", id.c_str(), result.test_accuracy,
                result.wall_seconds);
  event(text);
}

void TrialLog::pruned(int trial, int epochs_run, const train::TrialResult* result,
                      const store::ObservationRecord* observation, const std::vector<WeightsDrop>& drops) {
  const std::string id = trials_.id(static_cast<std::size_t>(trial));
  writer_.prune_trial(id, epochs_run, result, observation, by_id(drops));
  if (result != nullptr) progress_.ended(id, Progress::End::kPruned);
  else progress_.pruned_unstarted(epochs_of(trials_, trial));
  event(id + " pruned after epoch " + std::to_string(epochs_run) + " of " + std::to_string(epochs_of(trials_, trial)));
}

void TrialLog::failed(int trial, const std::string& message, int next_attempt, int max_attempts) {
  const std::string id = trials_.id(static_cast<std::size_t>(trial));
  writer_.fail_trial(id, message);
  if (next_attempt > 0) {
    progress_.ended(id, Progress::End::kRetry);
    event(id + " FAILED: " + message + "; trying again (attempt " + std::to_string(next_attempt) + " of " +
          std::to_string(max_attempts) + ")");
    return;
  }
  progress_.ended(id, Progress::End::kFailed);
  failures_.emplace_back(id, message);
  event(id + " FAILED: " + message);
}

void TrialLog::interrupted(int trial, const std::string& reason) {
  const std::string id = trials_.id(static_cast<std::size_t>(trial));
  writer_.interrupt_trial(id, reason);
  progress_.ended(id, Progress::End::kInterrupted);
  event(id + " interrupted (" + reason + "); its last checkpoint is in the results file");
}

void TrialLog::mark_interrupted(int trial, const std::string& reason) {
  writer_.interrupt_trial(trials_.id(static_cast<std::size_t>(trial)), reason);
}

void TrialLog::stopping(const std::string& why, bool second_interrupt_quits) {
  event(why + ": no new trials; running ones stop at their next step" +
        (second_interrupt_quits ? " (press Ctrl-C again to quit at once)" : ""));
}

void TrialLog::print_summary(bool stopped, const std::string& resume_command) {
  if (style_ == ProgressStyle::kLive) clear_block();
  std::fprintf(out_, "sweep %s after %s: %d of %zu trials done, %s%zu failed\n", stopped ? "stopped" : "finished",
               format_duration(elapsed()).c_str(), progress_.done(), trials_.size(),
               progress_.pruned() > 0 ? (std::to_string(progress_.pruned()) + " pruned, ").c_str() : "",
               failures_.size());
  for (const auto& [id, message] : failures_) std::fprintf(out_, "  failed: %s: %s\n", id.c_str(), message.c_str());
  if (stopped)
    std::fprintf(out_, "the sweep can be resumed: run the same command again (%s)\n", resume_command.c_str());
  std::fflush(out_);
}

}  // namespace aecnn::sched
