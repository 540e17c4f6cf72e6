#include "aecnn/store/writer.hpp"

#include <array>
#include <chrono>
#include <ctime>
#include <cerrno>
#include <cstdint>
#include <filesystem>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "aecnn/build_info.hpp"
#include "aecnn/data/fashion_mnist.hpp"
#include "checkpoint_io.hpp"
#include "compaction.hpp"
#include "h5.hpp"
#include "journaled_driver.hpp"
#include "search_tables.hpp"
#include "undo_journal.hpp"

namespace aecnn::store {
namespace {

// UTC, to the millisecond: trials of a fast sweep start and end within one second, and the
// order of their times is what shows that an exclusive trial ran alone.
std::string now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  char text[32], with_millis[40];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", std::gmtime(&seconds));
  std::snprintf(with_millis, sizeof with_millis, "%s.%03dZ", text, static_cast<int>(millis));
  return with_millis;
}

// The HDF5 library this writer runs with (the file's format depends on it, not on the workers').
std::string hdf5_version() {
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

}  // namespace

struct ResultsWriter::Impl {
  std::string path;
  h5::Id file;
  std::string recovery_note;
  std::string command_line;

  std::string trial_path(const std::string& id) const { return "/trials/" + id; }
  std::string where(const std::string& object) const { return path + ":" + object; }

  h5::Id open_trial(const std::string& id) const {
    return h5::open_group(file.get(), trial_path(id), path);
  }
  // Every change since the last commit reaches the file here, atomically (journaled_driver).
  void commit() const { journaled::commit(file.get(), path); }

  std::uint64_t space_not_reused() const;
  // What earlier runs left dead plus what this session freed and did not reuse.
  std::uint64_t dead_space() const { return space_not_reused() + compaction::free_bytes(file.get(), path); }
  // Records `not_reused` as the file's dead space, committed.
  void record_space_not_reused(std::uint64_t not_reused);

  // Removes the checkpoints `drops` name, recording why; true when anything changed.
  bool drop(const std::vector<DroppedWeights>& drops) const {
    bool changed = false;
    for (const auto& d : drops) {
      h5::Id trial = open_trial(d.trial_id);
      if (!checkpoint_io::drop_checkpoints(trial.get())) continue;
      h5::write_attr(trial.get(), "weights_dropped", d.reason);
      changed = true;
    }
    return changed;
  }
};

ResultsWriter::ResultsWriter(const std::string& path, const SweepInfo& sweep) : impl_(std::make_unique<Impl>()) {
  h5::silence_library_errors();
  impl_->path = path;
  impl_->recovery_note = recover_results(path);
  impl_->command_line = sweep.command_line;
  const h5::Id access = journaled::file_access();
  // Nothing reaches the file before its first commit, so an empty file is one whose creation
  // never completed (a job killed that early): there is nothing to keep, it starts afresh.
  std::error_code ignored;
  if (std::filesystem::exists(path) && std::filesystem::file_size(path, ignored) == 0) std::filesystem::remove(path);
  if (std::filesystem::exists(path)) {
    if (H5Fis_hdf5(path.c_str()) <= 0)
      throw H5Error(path + ": exists and is not an HDF5 file; choose another results path (-o)");
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, access.get());
    if (id < 0)
      throw H5Error(path + ": cannot open for writing (" + h5::library_error() +
                    "): another sweep writing it, or a damaged file; choose another path (-o)");
    impl_->file = h5::Id(id, H5Fclose, path);
    h5::bound_metadata_cache(id, path);
    const hid_t root = impl_->file.get();
    if (!h5::has_attr(root, "format") || h5::read_string_attr(root, "format", path) != kFormatName)
      throw H5Error(path + ": exists but is not an aecnn-sweep results file; choose another path (-o)");
    const auto version = h5::read_int_attr(root, "format_version", path);
    if (version != kFormatVersion)
      throw H5Error(path + ": format version " + std::to_string(version) + ", this aecnn-sweep writes " +
                    std::to_string(kFormatVersion) + "; choose another path (-o)");
    const auto hash = h5::read_string_attr(root, "sweep_hash", path);
    if (hash != sweep.hash)
      throw H5Error(path + ": holds results of another sweep ('" + h5::read_string_attr(root, "sweep_name", path) +
                    "', hash " + hash + ", this one is " + sweep.hash +
                    "); to keep both, pass another path with -o");
    // A compaction's copy that a crash left before it replaced the file: the file is whole
    // without it (opened for writing, so no other writer is compacting it now).
    std::filesystem::remove(compaction::copy_path(path), ignored);
    return;
  }
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, access.get());
  if (id < 0) throw H5Error(path + ": cannot create (" + h5::library_error() + ")");
  impl_->file = h5::Id(id, H5Fclose, path);
  const hid_t root = impl_->file.get();
  h5::bound_metadata_cache(root, path);
  h5::write_attr(root, "format", std::string(kFormatName));
  h5::write_attr(root, "format_version", static_cast<std::int64_t>(kFormatVersion));
  h5::write_attr(root, "tool_version", std::string(tool_version()));
  h5::write_attr(root, "sweep_name", sweep.name);
  h5::write_attr(root, "sweep_hash", sweep.hash);
  h5::write_attr(root, "sweep_file", sweep.file);
  h5::write_attr(root, "sweep_toml", sweep.text);
  h5::write_attr(root, "data_dir", sweep.data_dir);
  h5::write_attr(root, "overrides", sweep.overrides);
  h5::create_group(root, "trials", path);
  impl_->commit();
}

ResultsWriter::~ResultsWriter() = default;

const std::string& ResultsWriter::recovery_note() const { return impl_->recovery_note; }

std::string recover_results(const std::string& path) {
  switch (journal::recover(path)) {
    case journal::Recovery::kRolledBack:
      return path + ": rolled back a commit that a killed writer left unfinished (" + journal::journal_path(path) +
             "); the file is as after its last complete commit";
    case journal::Recovery::kDiscarded:
      return path + ": removed a leftover journal (" + journal::journal_path(path) + ") that the file did not need";
    case journal::Recovery::kWriterActive:
      throw H5Error(path + ": another process is writing it (a sweep still running?)");
    case journal::Recovery::kCannotRollBack:
      throw H5Error(path + ": has an unfinished commit (" + journal::journal_path(path) +
                    ") that this process may not roll back (no write permission)");
    case journal::Recovery::kClean: break;
  }
  return "";
}

std::map<std::string, TrialState> ResultsWriter::trial_states() const {
  std::map<std::string, TrialState> states;
  h5::Id trials = h5::open_group(impl_->file.get(), "/trials", impl_->path);
  for (const auto& id : h5::member_names(trials.get())) {
    h5::Id trial = impl_->open_trial(id);
    const std::string where = impl_->where(impl_->trial_path(id));
    TrialState state;
    if (h5::has_attr(trial.get(), "status")) state.status = h5::read_string_attr(trial.get(), "status", where);
    if (h5::has_attr(trial.get(), "attempts"))
      state.attempts = static_cast<int>(h5::read_int_attr(trial.get(), "attempts", where));
    if (h5::has_attr(trial.get(), "failures"))
      state.failures = static_cast<int>(h5::read_int_attr(trial.get(), "failures", where));
    if (h5::has_attr(trial.get(), "suggested_after")) {  // its config was chosen at its start: needed to resume
      state.suggested_after = static_cast<int>(h5::read_int_attr(trial.get(), "suggested_after", where));
      state.config = h5::read_config(trial.get(), where);
    }
    state.has_weights = h5::exists(trial.get(), "checkpoint");
    if (state.status == kStatusDone && h5::has_attr(trial.get(), "epochs_run")) {
      const bool restored = h5::has_attr(trial.get(), "restored_best") &&
                            h5::read_int_attr(trial.get(), "restored_best", where) != 0;
      state.final_epoch = static_cast<int>(
          h5::read_int_attr(trial.get(), restored ? "best_epoch" : "epochs_run", where));
    }
    states[id] = state;
  }
  return states;
}

std::vector<train::EpochRecord> ResultsWriter::history(const std::string& trial_id) const {
  const std::string group_path = impl_->trial_path(trial_id);
  if (!h5::exists(impl_->file.get(), group_path)) return {};
  h5::Id trial = impl_->open_trial(trial_id);
  return checkpoint_io::read_history(trial.get(), impl_->where(group_path));
}

std::optional<train::Checkpoint> ResultsWriter::checkpoint(const std::string& trial_id) const {
  const std::string group_path = impl_->trial_path(trial_id);
  if (!h5::exists(impl_->file.get(), group_path)) return std::nullopt;
  h5::Id trial = impl_->open_trial(trial_id);
  return checkpoint_io::read_latest(trial.get(), impl_->where(group_path), /*with_optimizer=*/true);
}

void ResultsWriter::begin_trial(const sweep::TrialSpec& trial, const std::vector<int>& ranks,
                                const train::Checkpoint* resume) {
  const hid_t file = impl_->file.get();
  const std::string group_path = impl_->trial_path(trial.id);
  const std::string where = impl_->where(group_path);
  std::int64_t attempts = 0, failures = 0;
  const bool continuing = resume != nullptr && !resume->empty() && h5::exists(file, group_path);
  if (h5::exists(file, group_path)) {
    h5::Id old = impl_->open_trial(trial.id);
    if (h5::has_attr(old.get(), "attempts")) attempts = h5::read_int_attr(old.get(), "attempts", where);
    if (h5::has_attr(old.get(), "failures")) failures = h5::read_int_attr(old.get(), "failures", where);
  }
  if (continuing) {
    // Continue from the checkpoint: its history replaces the rows, which may run past it (a
    // kill after an epoch's row but before its checkpoint switched).
    h5::Id group = impl_->open_trial(trial.id);
    h5::remove_link(group.get(), "history");
    h5::remove_link(group.get(), "metrics");
  } else {
    // From scratch: the trial's group afresh.
    if (h5::exists(file, group_path)) H5Ldelete(file, group_path.c_str(), H5P_DEFAULT);
    h5::Id group = h5::create_group(file, group_path, impl_->path);
    h5::Id config = h5::create_group(group.get(), "config", impl_->path);
    for (const auto& [key, value] : trial.config) h5::write_attr(config.get(), key, value);
  }
  h5::Id group = impl_->open_trial(trial.id);
  const hid_t g = group.get();
  h5::write_attr(g, "id", trial.id);
  h5::write_attr(g, "experiment", trial.experiment);
  h5::write_attr(g, "index", static_cast<std::int64_t>(trial.index));
  h5::write_attr(g, "hash", trial.hash);
  h5::write_attr(g, "status", std::string(kStatusRunning));
  h5::write_attr(g, "error", std::string());
  h5::write_attr(g, "stop_reason", std::string());  // this attempt's, if it is stopped
  h5::write_attr(g, "attempts", attempts + 1);
  h5::write_attr(g, "failures", failures);
  h5::write_attr(g, "resumed_from_epoch", static_cast<std::int64_t>(continuing ? resume->epochs_done : 0));
  std::vector<std::string> rank_names;
  for (int r : ranks) rank_names.push_back(std::to_string(r));
  h5::write_attr(g, "ranks", join(rank_names, ","));
  h5::write_attr(g, "varying", join(trial.varying, ","));
  if (trial.suggested_after >= 0) h5::write_attr(g, "suggested_after", static_cast<std::int64_t>(trial.suggested_after));
  h5::write_attr(g, "started", now_iso8601());

  h5::Id history = h5::create_group(g, "history", impl_->path);
  for (const char* column : kHistoryColumns)
    h5::create_column(history.get(), column, std::string(column) == "epoch", where + "/history");
  if (continuing)
    for (const auto& record : resume->history) {
      const auto row = history_row(record);
      for (std::size_t i = 0; i < kHistoryColumns.size(); ++i)
        h5::append_to_column(history.get(), kHistoryColumns[i], row[i], where + "/history");
    }
  impl_->commit();
}

void ResultsWriter::append_epoch(const std::string& trial_id, const train::EpochRecord& r,
                                 const train::Checkpoint* checkpoint, const PruningRecord* decision) {
  const std::string group_path = impl_->trial_path(trial_id);
  const std::string where = impl_->where(group_path);
  h5::Id trial = impl_->open_trial(trial_id);
  std::string slot;
  if (checkpoint != nullptr && !checkpoint->empty()) {
    // The new checkpoint goes into the slot not in use; the switch to it is part of the same
    // commit, so a reader sees the old checkpoint or the new one, never half of one.
    slot = checkpoint_io::next_slot(trial.get(), where);
    checkpoint_io::write_slot(trial.get(), slot, *checkpoint, where);
  }
  h5::Id history = h5::open_group(trial.get(), "history", where);
  const auto row = history_row(r);
  for (std::size_t i = 0; i < kHistoryColumns.size(); ++i)
    h5::append_to_column(history.get(), kHistoryColumns[i], row[i], where + "/history");
  if (!slot.empty()) checkpoint_io::make_latest(trial.get(), slot, checkpoint->epochs_done, where);
  if (decision != nullptr) search_tables::append(impl_->file.get(), *decision, impl_->path);
  impl_->commit();
}

namespace {

// How and how long the trial ran: what a done and a pruned trial both record.
void write_run_facts(hid_t g, const train::TrialResult& result) {
  h5::write_attr(g, "wall_seconds", result.wall_seconds);
  h5::write_attr(g, "params_trainable", result.params_trainable);
  h5::write_attr(g, "params_total", result.params_total);
  h5::write_attr(g, "threads", static_cast<std::int64_t>(result.threads));
  h5::write_attr(g, "train_images", result.train_images);
  h5::write_attr(g, "validation_images", result.validation_images);
  h5::write_attr(g, "test_images", result.test_images);
  h5::write_attr(g, "device", result.device);
  h5::write_attr(g, "epochs_run", static_cast<std::int64_t>(result.epochs_run));
  h5::write_attr(g, "best_epoch", static_cast<std::int64_t>(result.best_epoch));
  h5::write_attr(g, "stopped_early", static_cast<std::int64_t>(result.stopped_early));
  h5::write_attr(g, "restored_best", static_cast<std::int64_t>(result.restored_best));
  h5::write_attr(g, "peak_memory_bytes", result.peak_memory_bytes);
  h5::write_attr(g, "memory_baseline_bytes", result.memory_baseline_bytes);
  h5::write_attr(g, "memory_measure", result.memory_measure);
}

// Where and with what it ran: the leading rank's process, and this writer's HDF5 and command.
void write_provenance(hid_t g, const train::TrialResult& result, const std::string& command_line,
                      const std::string& file) {
  h5::Id provenance = h5::create_group(g, "provenance", file);
  const hid_t p = provenance.get();
  const auto& r = result.provenance;
  h5::write_attr(p, "host", r.host);
  h5::write_attr(p, "cpu_model", r.cpu_model);
  h5::write_attr(p, "cpus_online", static_cast<std::int64_t>(r.cpus_online));
  h5::write_attr(p, "cpus_allowed", static_cast<std::int64_t>(r.cpus_allowed));
  h5::write_attr(p, "threads", static_cast<std::int64_t>(result.threads));
  h5::write_attr(p, "device", r.device);
  h5::write_attr(p, "libtorch", r.libtorch);
  h5::write_attr(p, "cpu_capability", r.cpu_capability);
  h5::write_attr(p, "blas", r.blas);
  h5::write_attr(p, "mpi", r.mpi);
  h5::write_attr(p, "hdf5", hdf5_version());
  h5::write_attr(p, "compiler", r.compiler);
  h5::write_attr(p, "tool_version", r.tool_version);
  h5::write_attr(p, "command_line", command_line);
}

}  // namespace

std::vector<PruningRecord> ResultsWriter::pruning_records() const {
  return search_tables::read_pruning(impl_->file.get(), impl_->path);
}

std::vector<ObservationRecord> ResultsWriter::observation_records() const {
  return search_tables::read_observations(impl_->file.get(), impl_->path);
}

void ResultsWriter::finish_trial(const std::string& trial_id, const train::TrialResult& result,
                                 const SearchRows& rows, const std::vector<DroppedWeights>& drops) {
  h5::Id trial = impl_->open_trial(trial_id);
  const hid_t g = trial.get();
  h5::write_attr(g, "finished", now_iso8601());
  write_run_facts(g, result);

  const std::string metrics_path = impl_->where(impl_->trial_path(trial_id) + "/metrics");
  h5::Id metrics = h5::create_group(g, "metrics", impl_->path);
  const hid_t m = metrics.get();
  h5::write_attr(m, "test_loss", result.test_loss);
  h5::write_attr(m, "test_accuracy", result.test_accuracy);
  h5::write_attr(m, "test_precision_weighted", result.test_precision);
  h5::write_attr(m, "test_recall_weighted", result.test_recall);
  h5::write_attr(m, "test_f1_weighted", result.test_f1);
  h5::write_attr(m, "train_eval_loss", result.train_eval_loss);
  h5::write_attr(m, "train_eval_accuracy", result.train_eval_accuracy);
  h5::write_array(m, "class_precision", result.class_precision, metrics_path);
  h5::write_array(m, "class_recall", result.class_recall, metrics_path);
  h5::write_array(m, "class_f1", result.class_f1, metrics_path);
  h5::write_array(m, "class_support", result.class_support, 0, metrics_path);
  const std::size_t classes = result.class_support.size();
  h5::write_array(m, "confusion_matrix", result.confusion, classes, metrics_path);
  h5::write_strings(m, "class_names", std::vector<std::string>(data::kClassNames.begin(), data::kClassNames.end()),
                    metrics_path);
  write_provenance(g, result, impl_->command_line, impl_->path);
  if (rows.completion != nullptr) search_tables::append(impl_->file.get(), *rows.completion, impl_->path);
  if (rows.observation != nullptr) search_tables::append(impl_->file.get(), *rows.observation, impl_->path);
  // The status goes last: a reader that sees `done` sees everything the trial wrote.
  h5::write_attr(g, "status", std::string(kStatusDone));
  impl_->commit();
  // Only once `done` is safe on disk may the resume state go (a kill in between must still find
  // it); weights the policy does not keep go with it. A kill in between leaves them: the next
  // run's keeper, seeded with what the file holds, drops them then.
  const bool dropped_resume_state = checkpoint_io::drop_resume_state(g);
  if (impl_->drop(drops) || dropped_resume_state) impl_->commit();
}

void ResultsWriter::prune_trial(const std::string& trial_id, int epochs_run, const train::TrialResult* result,
                                const ObservationRecord* observation, const std::vector<DroppedWeights>& drops) {
  h5::Id trial = impl_->open_trial(trial_id);
  const hid_t g = trial.get();
  h5::write_attr(g, "finished", now_iso8601());
  if (result != nullptr) {
    write_run_facts(g, *result);
    write_provenance(g, *result, impl_->command_line, impl_->path);
  }
  h5::write_attr(g, "epochs_run", static_cast<std::int64_t>(epochs_run));
  if (observation != nullptr) search_tables::append(impl_->file.get(), *observation, impl_->path);
  h5::write_attr(g, "status", std::string(kStatusPruned));
  impl_->commit();
  const bool dropped_resume_state = checkpoint_io::drop_resume_state(g);
  if (impl_->drop(drops) || dropped_resume_state) impl_->commit();
}

void ResultsWriter::drop_weights(const std::vector<DroppedWeights>& drops) {
  if (impl_->drop(drops)) impl_->commit();
}

void ResultsWriter::interrupt_trial(const std::string& trial_id, const std::string& reason) {
  h5::Id trial = impl_->open_trial(trial_id);
  h5::write_attr(trial.get(), "stop_reason", reason);
  h5::write_attr(trial.get(), "status", std::string(kStatusInterrupted));
  impl_->commit();
}

void ResultsWriter::fail_trial(const std::string& trial_id, const std::string& message) {
  h5::Id trial = impl_->open_trial(trial_id);
  h5::write_attr(trial.get(), "finished", now_iso8601());
  h5::write_attr(trial.get(), "error", message);
  const std::string where = impl_->where(impl_->trial_path(trial_id));
  const std::int64_t failures =
      h5::has_attr(trial.get(), "failures") ? h5::read_int_attr(trial.get(), "failures", where) : 0;
  h5::write_attr(trial.get(), "failures", failures + 1);
  h5::write_attr(trial.get(), "status", std::string(kStatusFailed));
  impl_->commit();
}

namespace {
// Root attribute: bytes that earlier runs freed and closed without reusing (HDF5 forgets free
// space at close), so that the run that finishes counts them towards compaction too.
constexpr const char* kSpaceNotReused = "space_not_reused";
}  // namespace

std::uint64_t ResultsWriter::Impl::space_not_reused() const {
  if (!h5::has_attr(file.get(), kSpaceNotReused)) return 0;
  const auto bytes = h5::read_int_attr(file.get(), kSpaceNotReused, path);
  return bytes > 0 ? static_cast<std::uint64_t>(bytes) : 0;
}

void ResultsWriter::Impl::record_space_not_reused(std::uint64_t not_reused) {
  if (not_reused == space_not_reused()) return;
  h5::write_attr(file.get(), kSpaceNotReused, static_cast<std::int64_t>(not_reused));
  commit();
}

void ResultsWriter::close() {
  impl_->record_space_not_reused(impl_->dead_space());
  impl_->file = h5::Id();
}

std::string ResultsWriter::close_and_compact() {
  const std::string& path = impl_->path;
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  const auto dead = impl_->dead_space();
  // Recorded first, also when a copy follows: a crash during the copy leaves the old file
  // knowing its dead space, and the next run that finishes compacts it.
  impl_->record_space_not_reused(dead);
  if (error || !compaction::worth_it(dead, size)) {
    impl_->file = h5::Id();
    return "";
  }
  // The copy holds no dead space. This change is not committed: the old file keeps its count
  // until the rename replaces it.
  h5::write_attr(impl_->file.get(), kSpaceNotReused, std::int64_t{0});
  compaction::write_copy(impl_->file.get(), path);
  // Closing releases the file's lock; this descriptor takes it over at once, so that no other
  // writer can open the old file between the close and the rename (its commits would be lost).
  const int guard = ::open(path.c_str(), O_RDONLY);
  impl_->file = h5::Id();
  if (guard < 0 || (::flock(guard, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK)) {
    if (guard >= 0) ::close(guard);
    std::filesystem::remove(compaction::copy_path(path), error);
    return path + ": not compacted: another process opened it as this run ended";
  }
  try {
    compaction::replace_with_copy(path);
  } catch (...) {
    ::close(guard);
    throw;
  }
  ::close(guard);
  const auto after = std::filesystem::file_size(path, error);
  char line[200];
  std::snprintf(line, sizeof line, ": compacted from %.1f MB to %.1f MB (the space of dropped weights and ended trials' resume state)",
                static_cast<double>(size) / 1e6, static_cast<double>(after) / 1e6);
  return path + line;
}

}  // namespace aecnn::store
