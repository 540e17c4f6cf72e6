#include "aecnn/sched/trial_log.hpp"

#include "aecnn/sweep/trial_config.hpp"

namespace aecnn::sched {
namespace {

std::string format_duration(double seconds) {
  const long total = static_cast<long>(seconds + 0.5);
  char text[32];
  if (total >= 3600) std::snprintf(text, sizeof text, "%ldh%02ldm", total / 3600, total / 60 % 60);
  else std::snprintf(text, sizeof text, "%ldm%02lds", total / 60, total % 60);
  return text;
}

}  // namespace

TrialLog::TrialLog(store::ResultsWriter& writer, const std::vector<sweep::TrialSpec>& trials, int already_done,
                   std::FILE* out)
    : writer_(writer), trials_(trials), out_(out), done_(already_done) {}

std::string TrialLog::status_prefix() const {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  char text[96];
  std::snprintf(text, sizeof text, "[%d/%zu done, %d running, %zu failed, %s]", done_, trials_.size(), running_,
                failures_.size(), format_duration(elapsed).c_str());
  return text;
}

void TrialLog::started(int trial, const std::vector<int>& ranks) {
  writer_.begin_trial(trials_[trial], ranks);
  ++running_;
  std::string where;
  for (int r : ranks) where += (where.empty() ? "" : ",") + std::to_string(r);
  std::string values;
  for (const auto& key : trials_[trial].varying)
    values += " " + key + "=" + sweep::to_display(trials_[trial].config.at(key));
  std::fprintf(out_, "%s %s started on rank %s:%s\n", status_prefix().c_str(), trials_[trial].id.c_str(),
               where.c_str(), values.c_str());
  std::fflush(out_);
}

void TrialLog::epoch(int trial, const train::EpochRecord& r) {
  writer_.append_epoch(trials_[trial].id, r);
  const auto epochs = std::get<std::int64_t>(trials_[trial].config.at("epochs"));
  std::fprintf(out_, "%s %s epoch %d/%lld loss %.4f acc %.4f val_loss %.4f val_acc %.4f (%.1f s)\n",
               status_prefix().c_str(), trials_[trial].id.c_str(), r.epoch, static_cast<long long>(epochs), r.loss,
               r.accuracy, r.val_loss, r.val_accuracy, r.epoch_seconds);
  std::fflush(out_);
}

void TrialLog::done(int trial, const train::TrialResult& result) {
  writer_.finish_trial(trials_[trial].id, result);
  --running_;
  ++done_;
  std::fprintf(out_, "%s %s done: test_acc %.4f in %.1f s\n", status_prefix().c_str(), trials_[trial].id.c_str(),
               result.test_accuracy, result.wall_seconds);
  std::fflush(out_);
}

void TrialLog::failed(int trial, const std::string& message) {
  writer_.fail_trial(trials_[trial].id, message);
  --running_;
  failures_.emplace_back(trials_[trial].id, message);
  std::fprintf(out_, "%s %s FAILED: %s\n", status_prefix().c_str(), trials_[trial].id.c_str(), message.c_str());
  std::fflush(out_);
}

void TrialLog::print_summary() const {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(out_, "sweep finished in %s: %d of %zu trials done, %zu failed\n", format_duration(elapsed).c_str(),
               done_, trials_.size(), failures_.size());
  for (const auto& [id, message] : failures_) std::fprintf(out_, "  failed: %s: %s\n", id.c_str(), message.c_str());
  std::fflush(out_);
}

}  // namespace aecnn::sched
