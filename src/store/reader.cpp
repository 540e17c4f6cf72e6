#include "aecnn/store/reader.hpp"

#include <algorithm>
#include <array>
#include <filesystem>

#include "aecnn/sweep/schema.hpp"
#include "aecnn/store/writer.hpp"
#include "checkpoint_io.hpp"
#include "h5.hpp"
#include "search_tables.hpp"
#include "journaled_driver.hpp"

namespace aecnn::store {
namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) items.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return items;
}


TrialRecord read_trial(hid_t trials, const std::string& id, const std::string& file) {
  const std::string where = file + ":/trials/" + id;
  h5::Id group = h5::open_group(trials, id, file);
  const hid_t g = group.get();
  TrialRecord trial;
  trial.id = h5::read_string_attr(g, "id", where);
  trial.experiment = h5::read_string_attr(g, "experiment", where);
  trial.index = static_cast<int>(h5::read_int_attr(g, "index", where));
  trial.hash = h5::read_string_attr(g, "hash", where);
  trial.status = h5::read_string_attr(g, "status", where);
  trial.error = h5::read_string_attr(g, "error", where);
  trial.attempts = static_cast<int>(h5::read_int_attr(g, "attempts", where));
  if (h5::has_attr(g, "failures")) trial.failures = static_cast<int>(h5::read_int_attr(g, "failures", where));
  trial.varying = split_list(h5::read_string_attr(g, "varying", where));
  if (h5::has_attr(g, "weights_dropped")) trial.weights_dropped = h5::read_string_attr(g, "weights_dropped", where);
  if (h5::has_attr(g, "suggested_after"))
    trial.suggested_after = static_cast<int>(h5::read_int_attr(g, "suggested_after", where));

  trial.config = h5::read_config(g, where);
  trial.history = checkpoint_io::read_history(g, where);

  if (trial.status == kStatusDone) {
    train::TrialResult result;
    result.history = trial.history;
    result.wall_seconds = h5::read_double_attr(g, "wall_seconds", where);
    result.params_trainable = h5::read_int_attr(g, "params_trainable", where);
    result.params_total = h5::read_int_attr(g, "params_total", where);
    result.threads = static_cast<int>(h5::read_int_attr(g, "threads", where));
    result.train_images = h5::read_int_attr(g, "train_images", where);
    result.validation_images = h5::read_int_attr(g, "validation_images", where);
    result.test_images = h5::read_int_attr(g, "test_images", where);
    result.device = h5::read_string_attr(g, "device", where);
    result.epochs_run = static_cast<int>(h5::read_int_attr(g, "epochs_run", where));
    result.best_epoch = static_cast<int>(h5::read_int_attr(g, "best_epoch", where));
    result.stopped_early = h5::read_int_attr(g, "stopped_early", where) != 0;
    result.restored_best = h5::read_int_attr(g, "restored_best", where) != 0;
    result.peak_memory_bytes = h5::read_int_attr(g, "peak_memory_bytes", where);
    result.memory_baseline_bytes = h5::read_int_attr(g, "memory_baseline_bytes", where);
    result.memory_measure = h5::read_string_attr(g, "memory_measure", where);

    const std::string at = where + "/metrics";
    h5::Id metrics = h5::open_group(g, "metrics", where);
    const hid_t m = metrics.get();
    result.test_loss = h5::read_double_attr(m, "test_loss", at);
    result.test_accuracy = h5::read_double_attr(m, "test_accuracy", at);
    result.test_precision = h5::read_double_attr(m, "test_precision_weighted", at);
    result.test_recall = h5::read_double_attr(m, "test_recall_weighted", at);
    result.test_f1 = h5::read_double_attr(m, "test_f1_weighted", at);
    result.train_eval_loss = h5::read_double_attr(m, "train_eval_loss", at);
    result.train_eval_accuracy = h5::read_double_attr(m, "train_eval_accuracy", at);
    result.class_precision = h5::read_array(m, "class_precision", at);
    result.class_recall = h5::read_array(m, "class_recall", at);
    result.class_f1 = h5::read_array(m, "class_f1", at);
    for (double v : h5::read_array(m, "class_support", at)) result.class_support.push_back(static_cast<std::int64_t>(v));
    for (double v : h5::read_array(m, "confusion_matrix", at)) result.confusion.push_back(static_cast<std::int64_t>(v));
    if (h5::exists(g, "provenance")) {  // files written before it was recorded have none
      const std::string pat = where + "/provenance";
      h5::Id provenance = h5::open_group(g, "provenance", where);
      const hid_t p = provenance.get();
      auto& r = result.provenance;
      r.host = h5::read_string_attr(p, "host", pat);
      r.cpu_model = h5::read_string_attr(p, "cpu_model", pat);
      r.cpus_online = static_cast<int>(h5::read_int_attr(p, "cpus_online", pat));
      r.cpus_allowed = static_cast<int>(h5::read_int_attr(p, "cpus_allowed", pat));
      r.device = h5::read_string_attr(p, "device", pat);
      r.libtorch = h5::read_string_attr(p, "libtorch", pat);
      r.cpu_capability = h5::read_string_attr(p, "cpu_capability", pat);
      r.blas = h5::read_string_attr(p, "blas", pat);
      r.mpi = h5::read_string_attr(p, "mpi", pat);
      r.compiler = h5::read_string_attr(p, "compiler", pat);
      r.tool_version = h5::read_string_attr(p, "tool_version", pat);
    }
    trial.result = result;
  }
  return trial;
}

}  // namespace

namespace {

// Opens a results file read-only and checks that it is one this tool can read. A commit that a
// killed writer left unfinished is rolled back first where this process may (`note` says so);
// where it may not (a sweep still writes the file, or it is read-only to us) the journaled
// driver shows the file as of its last complete commit without changing it.
h5::Id open_results(const std::string& path, std::string* note = nullptr) {
  h5::silence_library_errors();
  if (!std::filesystem::exists(path)) throw H5Error(path + ": no such file");
  std::string repaired;
  try {
    repaired = recover_results(path);
  } catch (const H5Error&) {
    // Read anyway: the driver overlays the journal.
  }
  if (note != nullptr) *note = repaired;
  std::error_code ignored;
  if (std::filesystem::file_size(path, ignored) == 0)
    throw H5Error(path + ": empty: the sweep that creates it was stopped before its first commit (run it again)");
  // Without the lock a file that a running sweep holds open can be read; what is read is its
  // last complete commit, unless a commit completes while we read (then reading again helps).
  h5::Id access = journaled::file_access();
  H5Pset_file_locking(access.get(), false, true);
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, access.get());
  if (id < 0) {
    const std::string reason = h5::library_error();  // before another call replaces it
    if (H5Fis_hdf5(path.c_str()) <= 0) throw H5Error(path + ": not an HDF5 file (not an aecnn-sweep results file)");
    throw H5Error(path + ": cannot open: " + reason);
  }
  h5::Id file(id, H5Fclose, path);
  const hid_t root = file.get();
  if (!h5::has_attr(root, "format") || h5::read_string_attr(root, "format", path) != kFormatName)
    throw H5Error(path + ": an HDF5 file, but not an aecnn-sweep results file (no 'format' attribute)");
  const auto version = h5::read_int_attr(root, "format_version", path);
  if (version > kFormatVersion)
    throw H5Error(path + ": format version " + std::to_string(version) + " is newer than this tool reads (" +
                  std::to_string(kFormatVersion) + "); update aecnn-sweep");
  return file;
}

}  // namespace

std::optional<train::Checkpoint> read_checkpoint(const std::string& path, const std::string& trial_id) {
  h5::Id file = open_results(path);
  const std::string group_path = "/trials/" + trial_id;
  if (!h5::exists(file.get(), "/trials") || !h5::exists(file.get(), group_path))
    throw H5Error(path + ": has no trial '" + trial_id + "'");
  h5::Id trial = h5::open_group(file.get(), group_path, path);
  return checkpoint_io::read_latest(trial.get(), path + ":" + group_path, /*with_optimizer=*/false);
}

ResultsContents read_results(const std::string& path) {
  ResultsContents contents;
  h5::Id file = open_results(path, &contents.recovery_note);
  const hid_t root = file.get();
  contents.format_version = static_cast<int>(h5::read_int_attr(root, "format_version", path));
  contents.sweep_name = h5::read_string_attr(root, "sweep_name", path);
  contents.sweep_hash = h5::read_string_attr(root, "sweep_hash", path);
  contents.sweep_file = h5::read_string_attr(root, "sweep_file", path);
  contents.sweep_toml = h5::read_string_attr(root, "sweep_toml", path);
  contents.data_dir = h5::read_string_attr(root, "data_dir", path);
  // Files written before --set/--epochs-scale existed have no attribute: no overrides.
  if (h5::has_attr(root, "overrides")) contents.overrides = h5::read_string_attr(root, "overrides", path);

  h5::Id trials = h5::open_group(root, "trials", path);
  for (const auto& id : h5::member_names(trials.get())) contents.trials.push_back(read_trial(trials.get(), id, path));
  std::sort(contents.trials.begin(), contents.trials.end(),
            [](const TrialRecord& a, const TrialRecord& b) { return a.index < b.index; });
  contents.pruning = search_tables::read_pruning(root, path);
  contents.observations = search_tables::read_observations(root, path);
  return contents;
}

}  // namespace aecnn::store
