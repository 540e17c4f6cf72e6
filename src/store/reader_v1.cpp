#include "reader_v1.hpp"

#include "checkpoint_io.hpp"
#include "h5.hpp"
#include "trial_tables.hpp"

namespace aecnn::store::format_v1 {
namespace {

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
  trial.varying = split_commas(h5::read_string_attr(g, "varying", where));
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
    set_test_metrics(result, [&](const char* name) { return h5::read_double_attr(m, name, at); });
    result.class_precision = h5::read_array(m, "class_precision", at);
    result.class_recall = h5::read_array(m, "class_recall", at);
    result.class_f1 = h5::read_array(m, "class_f1", at);
    for (double v : h5::read_array(m, "class_support", at)) result.class_support.push_back(static_cast<std::int64_t>(v));
    for (double v : h5::read_array(m, "confusion_matrix", at)) result.confusion.push_back(static_cast<std::int64_t>(v));
    if (h5::exists(g, "provenance")) {  // files written before it was recorded have none
      const std::string pat = where + "/provenance";
      h5::Id provenance = h5::open_group(g, "provenance", where);
      const hid_t p = provenance.get();
      result.provenance = provenance_from([&](const char* name) { return h5::read_string_attr(p, name, pat); },
                                          [&](const char* name) { return h5::read_int_attr(p, name, pat); });
    }
    trial.result = result;
  }
  return trial;
}

}  // namespace

std::vector<TrialRecord> read_trials(hid_t file, const std::string& path) {
  std::vector<TrialRecord> trials;
  h5::Id group = h5::open_group(file, "trials", path);
  for (const auto& id : h5::member_names(group.get())) trials.push_back(read_trial(group.get(), id, path));
  return trials;
}

std::optional<train::Checkpoint> read_checkpoint(hid_t file, const std::string& path, const std::string& trial_id,
                                                 bool with_optimizer) {
  const std::string group_path = "/trials/" + trial_id;
  if (!h5::exists(file, "/trials") || !h5::exists(file, group_path))
    throw H5Error(path + ": has no trial '" + trial_id + "'");
  h5::Id trial = h5::open_group(file, group_path, path);
  return checkpoint_io::read_latest(trial.get(), "checkpoint", path + ":" + group_path, with_optimizer);
}

}  // namespace aecnn::store::format_v1
