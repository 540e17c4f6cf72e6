#include "aecnn/store/writer.hpp"

#include <array>
#include <chrono>
#include <ctime>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <algorithm>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "aecnn/build_info.hpp"
#include "checkpoint_io.hpp"
#include "columns.hpp"
#include "compaction.hpp"
#include "h5.hpp"
#include "layout.hpp"
#include "journaled_driver.hpp"
#include "search_tables.hpp"
#include "sweep_identity.hpp"
#include "trial_tables.hpp"
#include "undo_journal.hpp"

namespace aecnn::store {
namespace {

// UNIX seconds, to the microsecond: trials of a fast sweep start and end within one second,
// and the order of their times is what shows that an exclusive trial ran alone.
double now_unix_seconds() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(now).count()) / 1e6;
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

constexpr const char* kCheckpoints = "/checkpoints";
const double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

struct ResultsWriter::Impl {
  std::string path;
  h5::Id file;
  std::unique_ptr<TrialTables> tables;
  std::string recovery_note;
  std::string command_line;

  std::string where(const std::string& object) const { return path + ":" + object; }
  h5::Id checkpoints() const { return h5::open_group(file.get(), kCheckpoints, path); }
  std::string checkpoint_where() const { return where(kCheckpoints); }

  hsize_t row_of(const std::string& id) const {
    const std::int64_t row = tables->find(id);
    if (row < 0) throw H5Error(path + ": has no trial '" + id + "'");
    return static_cast<hsize_t>(row);
  }
  bool batching = false;      // inside begin_batch() .. end_batch()
  bool batch_changed = false;  // a commit is owed at end_batch()
  // Every change since the last commit reaches the file here, atomically (journaled_driver);
  // in a batch, at its end.
  void commit() {
    if (batching) {
      batch_changed = true;
      return;
    }
    tables->flush();
    journaled::commit(file.get(), path);
  }
  void end_batch() {
    batching = false;
    if (batch_changed) {
      batch_changed = false;
      commit();
    }
  }

  std::uint64_t space_not_reused() const;
  // What earlier runs left dead plus what this session freed and did not reuse.
  std::uint64_t dead_space() const { return space_not_reused() + compaction::free_bytes(file.get(), path); }
  // Records `not_reused` as the file's dead space, committed.
  void record_space_not_reused(std::uint64_t not_reused);

  // Removes the checkpoints `drops` name, recording why; true when anything changed.
  bool drop(const std::vector<DroppedWeights>& drops) {
    bool changed = false;
    h5::Id group = checkpoints();
    for (const auto& d : drops) {
      if (!checkpoint_io::drop_checkpoints(group.get(), d.trial_id)) continue;
      tables->set(row_of(d.trial_id), "weights_dropped", d.reason);
      changed = true;
    }
    return changed;
  }
  // A done or pruned trial keeps its latest weights, not what only resuming it needed.
  bool drop_resume_state(const std::string& id) const {
    h5::Id group = checkpoints();
    return checkpoint_io::drop_resume_state(group.get(), id);
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
    if (version < kFormatVersion)
      throw H5Error(path + ": format version " + std::to_string(version) + " (an earlier aecnn-sweep); convert it with `aecnn-sweep upgrade " +
                    path + "` to continue it, or choose another path (-o)");
    if (version != kFormatVersion)
      throw H5Error(path + ": format version " + std::to_string(version) + ", this aecnn-sweep writes " +
                    std::to_string(kFormatVersion) + "; choose another path (-o)");
    const RecordedSweep recorded = recorded_sweep(root, path);
    if (recorded.hash != sweep.hash)
      throw H5Error(another_sweep_message(path, recorded, sweep.hash, sweep.text, sweep.overrides));
    layout::check_tables(root, path);  // a damaged file is refused before anything is written to it
    impl_->tables = std::make_unique<TrialTables>(root, path);
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
  TrialTables::create(root, path, sweep.trials);
  h5::create_group(root, kCheckpoints, path);
  impl_->tables = std::make_unique<TrialTables>(root, path);
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

void ResultsWriter::add_trials(const sweep::TrialList& trials) {
  // A slice at a time, each committed: the journal keeps what a commit writes in memory until
  // the commit, and the rows of 100,000 trials are about 150 MB (rank 0's peak memory was set
  // by it). A crash in between leaves some rows; the next run adds the rest.
  constexpr std::size_t kTrialsPerCommit = 4096;
  for (std::size_t first = 0; first < trials.size(); first += kTrialsPerCommit) {
    std::vector<sweep::TrialSpec> slice;  // built a slice at a time: the list holds none of them
    for (std::size_t i = first; i < std::min(first + kTrialsPerCommit, trials.size()); ++i) slice.push_back(trials[i]);
    const std::size_t before = impl_->tables->size();
    impl_->tables->add_rows(slice);
    if (impl_->tables->size() != before) impl_->commit();
  }
}

std::map<std::string, TrialState> ResultsWriter::trial_states() const {
  const hid_t file = impl_->file.get();
  const std::string& path = impl_->path;
  const std::string where = impl_->where("/trials");
  impl_->tables->flush();
  h5::Id trials = h5::open_group(file, "/trials", path);
  const auto suggested_after = columns::read_ints(trials.get(), "suggested_after", where);
  const bool searched = std::any_of(suggested_after.begin(), suggested_after.end(), [](auto v) { return v >= 0; });
  const auto configs = searched ? read_configs(file, path, suggested_after.size()) : std::vector<sweep::LayeredConfig>();
  h5::Id checkpoints = impl_->checkpoints();
  const auto with_weights = h5::member_names(checkpoints.get());
  std::map<std::string, TrialState> states;
  // A block of rows at a time: the columns of 100,000 trials read whole took rank 0 about 15 MB
  // (the strings, and HDF5's selection of every chunk) for a moment, at the start of its peak.
  constexpr hsize_t kBlock = 4096;
  const hsize_t rows = columns::row_count(trials.get(), "id", where);
  for (hsize_t first = 0; first < rows; first += kBlock) {
    const hsize_t count = std::min(kBlock, rows - first);
    const auto ints = [&](const char* name) { return columns::read_int_rows(trials.get(), name, where, first, count); };
    const auto ids = columns::read_string_rows(trials.get(), "id", where, first, count);
    const auto status = columns::read_string_rows(trials.get(), "status", where, first, count);
    const auto attempts = ints("attempts"), failures = ints("failures"), epochs_run = ints("epochs_run"),
               best_epoch = ints("best_epoch"), restored_best = ints("restored_best");
    for (std::size_t i = 0; i < count; ++i) {
      if (ids[i].empty() || status[i] == kStatusPending) continue;
      const std::size_t r = static_cast<std::size_t>(first) + i;
      TrialState state;
      state.status = status[i];
      state.attempts = static_cast<int>(attempts[i]);
      state.failures = static_cast<int>(failures[i]);
      if (r < suggested_after.size() && suggested_after[r] >= 0) {  // its config was chosen at its start: needed to resume
        state.suggested_after = static_cast<int>(suggested_after[r]);
        state.config = configs[r];
      }
      state.has_weights = std::binary_search(with_weights.begin(), with_weights.end(), ids[i]);
      if (state.status == kStatusDone)
        state.final_epoch = static_cast<int>(restored_best[i] != 0 ? best_epoch[i] : epochs_run[i]);
      states[ids[i]] = state;
    }
  }
  return states;
}

std::vector<train::EpochRecord> ResultsWriter::history(const std::string& trial_id) const {
  const std::int64_t row = impl_->tables->find(trial_id);
  if (row < 0) return {};
  return impl_->tables->history(static_cast<hsize_t>(row));
}

std::optional<train::Checkpoint> ResultsWriter::checkpoint(const std::string& trial_id) const {
  h5::Id group = impl_->checkpoints();
  return checkpoint_io::read_latest(group.get(), trial_id, impl_->checkpoint_where(), /*with_optimizer=*/true);
}

void ResultsWriter::begin_trial(const sweep::TrialSpec& trial, const std::vector<int>& ranks,
                                const train::Checkpoint* resume) {
  TrialTables& t = *impl_->tables;
  const hsize_t row = t.row(trial);
  const std::int64_t attempts = t.get_int(row, "attempts");
  const bool continuing = resume != nullptr && !resume->empty() && attempts > 0;
  // Rows of an earlier attempt go: a continued trial's history is its checkpoint's (the rows
  // may run past it: a kill after an epoch's row but before its checkpoint switched).
  t.drop_history(row);
  t.drop_metrics(row);
  if (!continuing) {
    h5::Id group = impl_->checkpoints();
    checkpoint_io::drop_checkpoints(group.get(), trial.id);
  }
  // A searched trial's configuration is chosen as it starts; every other one's is in its row.
  if (trial.suggested_after >= 0) {
    t.write_config(row, trial.config);
    t.set(row, "suggested_after", static_cast<std::int64_t>(trial.suggested_after));
  }
  if (attempts > 0) {  // the last attempt's ending, rewritten only when there was one
    t.set(row, "error", std::string());
    t.set(row, "stop_reason", std::string());
    t.set(row, "finished", kNaN);
  }
  std::vector<std::string> rank_names;
  for (int r : ranks) rank_names.push_back(std::to_string(r));
  t.set(row, "ranks", join(rank_names, ","));
  t.set(row, "attempts", attempts + 1);
  t.set(row, "resumed_from_epoch", static_cast<std::int64_t>(continuing ? resume->epochs_done : 0));
  t.set(row, "started", now_unix_seconds());
  t.set(row, "status", std::string(kStatusRunning));
  if (continuing) t.append_history(row, resume->history);
  impl_->commit();
}

void ResultsWriter::append_epoch(const std::string& trial_id, const train::EpochRecord& r,
                                 const train::Checkpoint* checkpoint, const PruningRecord* decision) {
  const hsize_t row = impl_->row_of(trial_id);
  std::string slot;
  if (checkpoint != nullptr && !checkpoint->empty()) {
    // The new checkpoint goes into the slot not in use; the switch to it is part of the same
    // commit, so a reader sees the old checkpoint or the new one, never half of one.
    h5::Id group = impl_->checkpoints();
    slot = checkpoint_io::next_slot(group.get(), trial_id, impl_->checkpoint_where());
    checkpoint_io::write_slot(group.get(), trial_id, slot, *checkpoint, impl_->checkpoint_where());
    checkpoint_io::make_latest(group.get(), trial_id, slot, checkpoint->epochs_done, impl_->checkpoint_where());
  }
  impl_->tables->append_history(row, {r});
  if (decision != nullptr) search_tables::append(impl_->file.get(), *decision, impl_->path);
  impl_->commit();
}

namespace {

// How and how long the trial ran: what a done and a pruned trial both record.
void write_run_facts(TrialTables& t, hsize_t row, const train::TrialResult& result) {
  t.set(row, "wall_seconds", result.wall_seconds);
  t.set(row, "params_trainable", result.params_trainable);
  t.set(row, "params_total", result.params_total);
  t.set(row, "threads", static_cast<std::int64_t>(result.threads));
  t.set(row, "train_images", result.train_images);
  t.set(row, "validation_images", result.validation_images);
  t.set(row, "test_images", result.test_images);
  t.set(row, "device", result.device);
  t.set(row, "epochs_run", static_cast<std::int64_t>(result.epochs_run));
  t.set(row, "best_epoch", static_cast<std::int64_t>(result.best_epoch));
  t.set(row, "stopped_early", static_cast<std::int64_t>(result.stopped_early));
  t.set(row, "restored_best", static_cast<std::int64_t>(result.restored_best));
  t.set(row, "peak_memory_bytes", result.peak_memory_bytes);
  t.set(row, "memory_baseline_bytes", result.memory_baseline_bytes);
  t.set(row, "memory_measure", result.memory_measure);
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
  TrialTables& t = *impl_->tables;
  const hsize_t row = impl_->row_of(trial_id);
  t.set(row, "finished", now_unix_seconds());
  write_run_facts(t, row, result);
  t.append_metrics(row, result);
  t.set(row, "provenance", t.provenance_row(result.provenance, result.threads, hdf5_version(), impl_->command_line));
  if (rows.completion != nullptr) search_tables::append(impl_->file.get(), *rows.completion, impl_->path);
  if (rows.observation != nullptr) search_tables::append(impl_->file.get(), *rows.observation, impl_->path);
  // The status goes last: a reader that sees `done` sees everything the trial wrote.
  t.set(row, "status", std::string(kStatusDone));
  impl_->commit();
  // Only once `done` is safe on disk may the resume state go (a kill in between must still find
  // it); weights the policy does not keep go with it. A kill in between leaves them: the next
  // run's keeper, seeded with what the file holds, drops them then.
  const bool dropped_resume_state = impl_->drop_resume_state(trial_id);
  if (impl_->drop(drops) || dropped_resume_state) impl_->commit();
}

void ResultsWriter::prune_trial(const std::string& trial_id, int epochs_run, const train::TrialResult* result,
                                const ObservationRecord* observation, const std::vector<DroppedWeights>& drops) {
  TrialTables& t = *impl_->tables;
  const hsize_t row = impl_->row_of(trial_id);
  t.set(row, "finished", now_unix_seconds());
  if (result != nullptr) {
    write_run_facts(t, row, *result);
    t.set(row, "provenance", t.provenance_row(result->provenance, result->threads, hdf5_version(), impl_->command_line));
  }
  t.set(row, "epochs_run", static_cast<std::int64_t>(epochs_run));
  if (observation != nullptr) search_tables::append(impl_->file.get(), *observation, impl_->path);
  t.set(row, "status", std::string(kStatusPruned));
  impl_->commit();
  const bool dropped_resume_state = impl_->drop_resume_state(trial_id);
  if (impl_->drop(drops) || dropped_resume_state) impl_->commit();
}

void ResultsWriter::drop_weights(const std::vector<DroppedWeights>& drops) {
  if (impl_->drop(drops)) impl_->commit();
}

void ResultsWriter::interrupt_trial(const std::string& trial_id, const std::string& reason) {
  const hsize_t row = impl_->row_of(trial_id);
  impl_->tables->set(row, "stop_reason", reason);
  impl_->tables->set(row, "status", std::string(kStatusInterrupted));
  impl_->commit();
}

void ResultsWriter::fail_trial(const std::string& trial_id, const std::string& message) {
  TrialTables& t = *impl_->tables;
  const hsize_t row = impl_->row_of(trial_id);
  t.set(row, "finished", now_unix_seconds());
  t.set(row, "error", message);
  t.set(row, "failures", t.get_int(row, "failures") + 1);
  t.set(row, "status", std::string(kStatusFailed));
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

void ResultsWriter::begin_batch() { impl_->batching = true; }

void ResultsWriter::end_batch() { impl_->end_batch(); }

void ResultsWriter::close() {
  impl_->end_batch();
  impl_->record_space_not_reused(impl_->dead_space());
  impl_->tables.reset();
  impl_->file = h5::Id();
}

std::string ResultsWriter::close_and_compact() {
  const std::string& path = impl_->path;
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  impl_->end_batch();
  const auto dead = impl_->dead_space();
  // Recorded first, also when a copy follows: a crash during the copy leaves the old file
  // knowing its dead space, and the next run that finishes compacts it.
  impl_->record_space_not_reused(dead);
  impl_->tables.reset();
  // HDF5 tracks only part of what it frees: a 10,000-trial run that checkpointed and dropped
  // weights ended with 1.4 MB tracked and 17 MB no object held (h5stat's "unaccounted"). The
  // size less what live objects take counts both.
  const auto untracked = error ? 0 : size - std::min<std::uint64_t>(size, compaction::live_bytes(impl_->file.get(), path));
  if (error || !compaction::worth_it(std::max<std::uint64_t>(dead, untracked), size)) {
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
