#include "aecnn/sched/progress.hpp"

#include <algorithm>
#include <cstdio>

namespace aecnn::sched {

std::string format_duration(double seconds) {
  const long total = static_cast<long>(std::max(0.0, seconds) + 0.5);
  char text[32];
  if (total >= 3600) std::snprintf(text, sizeof text, "%ldh%02ldm", total / 3600, total / 60 % 60);
  else std::snprintf(text, sizeof text, "%ldm%02lds", total / 60, total % 60);
  return text;
}

Progress::Progress(std::size_t total, int already_done, std::int64_t epochs_to_run)
    : total_(total), done_(already_done), remaining_epochs_(epochs_to_run) {}

void Progress::started(const std::string& id, const std::string& ranks, int epochs, int from_epoch) {
  running_[id] = Running{ranks, from_epoch, epochs};
  remaining_epochs_ -= from_epoch;
}

void Progress::epoch(const std::string& id, int epoch) {
  auto it = running_.find(id);
  if (it == running_.end()) return;
  it->second.epoch = epoch;
  --remaining_epochs_;
  ++epochs_this_run_;
}

void Progress::ended(const std::string& id, End how) {
  auto it = running_.find(id);
  if (it == running_.end()) return;
  const int unrun = it->second.epochs - it->second.epoch;
  running_.erase(it);
  switch (how) {
    case End::kDone: ++done_; remaining_epochs_ -= unrun; break;  // early stopping skips the rest
    case End::kFailed: ++failed_; remaining_epochs_ -= unrun; break;
    case End::kInterrupted: ++interrupted_; remaining_epochs_ -= unrun; break;
    case End::kPruned: ++pruned_; remaining_epochs_ -= unrun; break;  // what pruning saves
    case End::kRetry: break;  // its epochs come again (from its checkpoint)
  }
}

int Progress::pending() const {
  return static_cast<int>(total_) - done_ - failed_ - interrupted_ - pruned_ - static_cast<int>(running_.size());
}

std::optional<double> Progress::eta_seconds(double elapsed_seconds) const {
  if (epochs_this_run_ == 0) return std::nullopt;
  return static_cast<double>(std::max<std::int64_t>(0, remaining_epochs_)) * elapsed_seconds /
         static_cast<double>(epochs_this_run_);
}

std::string Progress::summary(double elapsed_seconds) const {
  char text[160];
  const auto eta = eta_seconds(elapsed_seconds);
  std::snprintf(text, sizeof text, "%d/%zu done, %zu running, %d pending, %d failed, %s elapsed, ETA %s", done_,
                total_, running_.size(), pending(), failed_, format_duration(elapsed_seconds).c_str(),
                eta ? ("~" + format_duration(*eta)).c_str() : "--");
  std::string line = text;
  if (pruned_ > 0) line += ", " + std::to_string(pruned_) + " pruned";
  if (interrupted_ > 0) line += ", " + std::to_string(interrupted_) + " interrupted";
  return line;
}

std::vector<std::string> Progress::running_lines() const {
  std::vector<std::string> lines;
  for (const auto& [id, r] : running_) {
    const bool several = r.ranks.find(',') != std::string::npos;
    lines.push_back(id + " epoch " + std::to_string(r.epoch) + "/" + std::to_string(r.epochs) + " on rank" +
                    (several ? "s " : " ") + r.ranks);
  }
  return lines;
}

}  // namespace aecnn::sched
