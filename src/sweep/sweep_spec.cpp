#include "aecnn/sweep/sweep_spec.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <toml++/toml.h>
#include <tuple>

#include "aecnn/search/space.hpp"
#include "aecnn/sweep/schema.hpp"

namespace aecnn::sweep {
namespace {

// Collects every problem of one file, each located at a TOML node, so a user fixes all at once.
class Problems {
 public:
  explicit Problems(std::string file) : file_(std::move(file)) {}

  void add(const toml::source_region& where, const std::string& message) {
    problems_.push_back({where.begin.line, where.begin.column,
                         file_ + ":" + std::to_string(where.begin.line) + ":" +
                             std::to_string(where.begin.column) + ": " + message});
  }
  void add_file_level(const std::string& message) { problems_.push_back({0, 0, file_ + ": " + message}); }
  /// "file:line:column" of `where`, to open a message given later.
  std::string at(const toml::source_region& where) const {
    return file_ + ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column);
  }
  std::size_t count() const { return problems_.size(); }
  /// Throws all problems in file order (TOML++ iterates tables by key, not by position).
  void throw_if_any() {
    if (problems_.empty()) return;
    std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    std::vector<std::string> lines;
    for (const auto& problem : problems_) lines.push_back(problem.message);
    throw SpecError(lines);
  }

 private:
  struct Problem {
    toml::source_index line, column;
    std::string message;
  };
  std::string file_;
  std::vector<Problem> problems_;
};

// How random search draws one key: [low, high) for floats, [low, high] for int.
struct Distribution {
  enum class Kind { kUniform, kLogUniform, kInt, kChoice };
  Kind kind = Kind::kUniform;
  double low = 0, high = 0;
  std::vector<Value> choices;  ///< for kChoice, each already valid for the key
};

using Entry = std::pair<const toml::key*, const toml::node*>;

// A table's entries in the order they stand in the file.
std::vector<Entry> in_file_order(const toml::table& table) {
  std::vector<Entry> entries;
  for (const auto& [key, node] : table) entries.emplace_back(&key, &node);
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.first->source().begin.line, a.first->source().begin.column) <
           std::tie(b.first->source().begin.line, b.first->source().begin.column);
  });
  return entries;
}

std::optional<Value> to_value(const toml::node& node) {
  if (auto b = node.as_boolean()) return Value(b->get());
  if (auto i = node.as_integer()) return Value(i->get());
  if (auto f = node.as_floating_point()) return Value(f->get());
  if (auto s = node.as_string()) return Value(s->get());
  return std::nullopt;
}

std::string quote(const std::string& text) { return "'" + text + "'"; }

// Sweep and experiment names become trial ids, HDF5 group names and file names (the report's
// "<experiment>-by_<key>.gnuplot", the exported "<trial id>.pt"): short enough for any of them.
constexpr std::size_t kMaxNameLength = 64;

bool is_identifier(const std::string& text) {
  return !text.empty() && text.size() <= kMaxNameLength && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// The closest of `known` to `name`, for "did you mean" (config keys are handled by the schema).
std::string nearest_of(const std::string& name, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_score = 0;
  for (const auto& candidate : known) {
    // Shared prefix length is enough for the handful of structural keys.
    std::size_t common = 0;
    while (common < name.size() && common < candidate.size() && name[common] == candidate[common]) ++common;
    if (common >= 3 && common > best_score) best_score = common, best = candidate;
  }
  return best;
}

// "best:N", "all" or "none"; nothing when it is none of these.
std::optional<KeepWeights> parse_keep_weights(const std::string& text) {
  KeepWeights kept;
  if (text == "all") kept.mode = KeepWeights::Mode::kAll;
  else if (text == "none") kept.mode = KeepWeights::Mode::kNone;
  else {
    const std::string prefix = "best:";
    if (text.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
    const std::string digits = text.substr(prefix.size());
    if (digits.empty() || digits.size() > 6 ||
        !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
      return std::nullopt;
    kept.best = std::stoi(digits);
    if (kept.best < 1 || kept.best > 100000) return std::nullopt;
  }
  return kept;
}

std::string unknown_key_message(const std::string& path, const std::string& suggestion) {
  std::string message = "unknown key " + quote(path);
  if (!suggestion.empty()) message += " (did you mean " + quote(suggestion) + "?)";
  return message;
}

const std::vector<std::string> kTopLevelKeys = {"name", "data_dir", "base",   "experiment", "seeds",
                                                "grid", "zip",      "trials", "random",     "max_attempts",
                                                "worker_timeout", "keep_weights", "pruner", "search"};
const std::vector<std::string> kExperimentKeys = {"name", "grid", "zip", "trials", "random", "seeds", "pruner", "search"};
const std::vector<std::string> kSearchKeys = {"sampler", "n_trials", "seed", "metric", "mode", "startup_trials"};
const std::vector<std::string> kPrunerKeys = {"type",           "metric",         "mode",          "grace_epochs",
                                              "reduction_factor", "max_epochs", "startup_trials", "warmup_epochs"};

// Parses files for one sweep; each method reads one construct and records what is wrong with it.
class Parser {
 public:
  explicit Parser(std::string file) : problems_(std::move(file)) {}
  Problems& problems() { return problems_; }

  /// `key = value` where key is a config key: checks it and stores the coerced value.
  bool read_config_value(const std::string& path, const std::string& key, const toml::node& node, Value& out) {
    const KeySpec* spec = find_key(key);
    if (spec == nullptr) return false;
    auto value = to_value(node);
    if (!value) {
      problems_.add(node.source(), quote(path) + " must be a single value, not a table or array");
      return false;
    }
    if (auto reason = coerce(*spec, *value, out)) {
      problems_.add(node.source(), quote(path) + " " + *reason);
      return false;
    }
    return true;
  }

  /// Reports a key that is neither structural nor a config key.
  void unknown(const std::string& path, const std::string& key, const toml::key& where,
               const std::vector<std::string>& structural) {
    std::string suggestion = nearest_key(key);
    if (suggestion.empty()) suggestion = nearest_of(key, structural);
    problems_.add(where.source(), unknown_key_message(path, suggestion));
  }

  /// A table of config overrides (`[base]`, one of `trials`).
  ConfigMap read_overrides(const toml::table& table, const std::string& prefix) {
    ConfigMap overrides;
    for (const auto& [key_node, node] : in_file_order(table)) {
      const std::string key(key_node->str());
      Value value;
      if (find_key(key) == nullptr) unknown(prefix + key, key, *key_node, {});
      else if (read_config_value(prefix + key, key, *node, value)) overrides[key] = value;
    }
    return overrides;
  }

  /// `key = [v1, v2, ...]` for a grid or zip axis.
  std::optional<GridAxis> read_axis(const std::string& path, const std::string& key, const toml::key& key_node,
                                    const toml::node& node) {
    if (find_key(key) == nullptr) {
      unknown(path, key, key_node, {});
      return std::nullopt;
    }
    const toml::array* values = node.as_array();
    if (values == nullptr || values->empty()) {
      problems_.add(node.source(), quote(path) + " must be a non-empty array of values");
      return std::nullopt;
    }
    GridAxis axis{key, {}};
    bool ok = true;
    for (const auto& element : *values) {
      Value value;
      ok = read_config_value(path, key, element, value) && ok;
      axis.values.push_back(value);
    }
    if (!ok) return std::nullopt;
    return axis;
  }

  std::vector<std::int64_t> read_seeds(const std::string& path, const toml::node& node) {
    std::vector<std::int64_t> seeds;
    const toml::array* values = node.as_array();
    if (values == nullptr || values->empty()) {
      problems_.add(node.source(), quote(path) + " must be a non-empty array of integers from 0 to " +
                                       std::to_string(kIntKeyLimit));
      return seeds;
    }
    for (const auto& element : *values) {
      const auto* seed = element.as_integer();
      if (seed == nullptr || seed->get() < 0 || seed->get() > kIntKeyLimit) {
        problems_.add(element.source(), quote(path) + " must hold integers from 0 to " + std::to_string(kIntKeyLimit) +
                                            ", not " + to_toml(to_value(element).value_or(Value(std::string("?")))));
        continue;
      }
      if (std::find(seeds.begin(), seeds.end(), seed->get()) != seeds.end())
        problems_.add(element.source(), quote(path) + " repeats seed " + std::to_string(seed->get()));
      seeds.push_back(seed->get());
    }
    return seeds;
  }

  /// The keys the last read_random() drew, with their distributions, in file order.
  std::vector<SearchedKey> take_random_space() { return std::move(random_space_); }

  /// `random = { n = 20, seed = 7, lr = { loguniform = [1e-4, 1e-2] }, ... }`: draws the samples.
  std::vector<ConfigMap> read_random(const std::string& path, const toml::node& node) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      problems_.add(node.source(), quote(path) + " must be a table: n, seed, and key = { distribution = ... }");
      return {};
    }
    std::int64_t samples = 0;
    std::uint64_t sampler_seed = 0;
    struct Drawn {
      std::string key;
      const toml::node* where;
      Distribution distribution;
    };
    std::vector<Drawn> keys;
    for (const auto& [key_node, value_node] : in_file_order(*table)) {
      const std::string key(key_node->str());
      const std::string key_path = path + "." + key;
      if (key == "n") {
        const auto* n = value_node->as_integer();
        if (n == nullptr || n->get() <= 0 || n->get() > 100000)
          problems_.add(value_node->source(), quote(key_path) + " must be an integer in 1..100000");
        else samples = n->get();
      } else if (key == "seed") {
        const auto* s = value_node->as_integer();
        if (s == nullptr || s->get() < 0) problems_.add(value_node->source(), quote(key_path) + " must be an integer >= 0");
        else sampler_seed = static_cast<std::uint64_t>(s->get());
      } else if (find_key(key) == nullptr) {
        unknown(key_path, key, *key_node, {"n", "seed"});
      } else if (auto distribution = read_distribution(key_path, key, *value_node)) {
        keys.push_back({key, value_node, *distribution});
      }
    }
    if (!table->contains("n")) problems_.add(node.source(), quote(path) + " needs n, the number of samples");
    const std::size_t settings = (table->contains("n") ? 1u : 0u) + (table->contains("seed") ? 1u : 0u);
    if (table->size() == settings)
      problems_.add(node.source(), quote(path) + " draws no key");
    if (samples == 0 || keys.empty()) return {};
    for (const auto& drawn : keys) random_space_.push_back({drawn.key, space_of(drawn.distribution), drawn.distribution.choices});

    // Draw sample by sample, key by key in file order, from one stream: adding a key at the end
    // changes the later keys' values only, never an earlier key's.
    std::mt19937_64 engine(sampler_seed);
    std::vector<ConfigMap> points(static_cast<std::size_t>(samples));
    std::map<std::string, bool> reported;
    for (auto& point : points) {
      for (const auto& drawn : keys) {
        const Value value = draw(drawn.distribution, engine);
        Value coerced;
        if (auto reason = coerce(*find_key(drawn.key), value, coerced)) {
          if (!reported[drawn.key])
            problems_.add(drawn.where->source(), quote(path + "." + drawn.key) + " draws values that " + *reason);
          reported[drawn.key] = true;
        }
        point[drawn.key] = coerced;
      }
    }
    return points;
  }

  /// `metric = "..."` of a pruner or a sampler: a history column.
  void read_metric(const std::string& path, const toml::node& value, std::string& metric) {
    const auto name = value.value<std::string>();
    if (!name || (*name != "val_accuracy" && *name != "val_loss" && *name != "accuracy" && *name != "loss"))
      problems_.add(value.source(), quote(path) + " must be \"val_accuracy\", \"val_loss\", \"accuracy\" or \"loss\"");
    else metric = *name;
  }

  /// `mode = "max" | "min"` of a pruner or a sampler; `given` says the file set it.
  void read_mode(const std::string& path, const toml::node& value, bool& maximize, bool& given) {
    const auto mode = value.value<std::string>();
    if (!mode || (*mode != "max" && *mode != "min")) {
      problems_.add(value.source(), quote(path) + " must be \"max\" or \"min\"");
      return;
    }
    maximize = *mode == "max";
    given = true;
  }

  /// `[pruner]` or `pruner = { type = "asha", ... }`: checks every key against the type.
  std::optional<PrunerSpec> read_pruner(const std::string& path, const toml::node& node) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      problems_.add(node.source(), quote(path) + " must be a table: [pruner] or pruner = { type = \"asha\", ... }");
      return std::nullopt;
    }
    PrunerSpec pruner;
    const std::size_t before = problems_.count();
    const toml::node* type = table->get("type");
    if (type == nullptr) {
      problems_.add(node.source(), quote(path) + " needs type: \"asha\", \"median\" or \"none\"");
      return std::nullopt;
    }
    const auto type_name = type->value<std::string>();
    if (!type_name || (*type_name != "asha" && *type_name != "median" && *type_name != "none")) {
      problems_.add(type->source(), quote(path + ".type") + " must be \"asha\", \"median\" or \"none\"");
      return std::nullopt;
    }
    pruner.type = *type_name;
    bool mode_given = false;
    auto integer = [&](const std::string& key_path, const toml::node& value, std::int64_t low, int& out) {
      const auto* i = value.as_integer();
      if (i == nullptr || i->get() < low || i->get() > 100000)
        problems_.add(value.source(), quote(key_path) + " must be an integer from " + std::to_string(low) + " to 100000");
      else out = static_cast<int>(i->get());
    };
    for (const auto& [key_node, value] : in_file_order(*table)) {
      const std::string key(key_node->str());
      const std::string key_path = path + "." + key;
      const bool asha_key = key == "grace_epochs" || key == "reduction_factor" || key == "max_epochs";
      const bool median_key = key == "startup_trials" || key == "warmup_epochs";
      if (key == "type") continue;
      if (asha_key && pruner.type != "asha") {
        problems_.add(key_node->source(), quote(key_path) + " applies to type = \"asha\", not \"" + pruner.type + "\"");
      } else if (median_key && pruner.type != "median") {
        problems_.add(key_node->source(), quote(key_path) + " applies to type = \"median\", not \"" + pruner.type + "\"");
      } else if (key == "metric") {
        read_metric(key_path, *value, pruner.metric);
      } else if (key == "mode") {
        read_mode(key_path, *value, pruner.maximize, mode_given);
      } else if (key == "grace_epochs") {
        integer(key_path, *value, 1, pruner.grace_epochs);
      } else if (key == "reduction_factor") {
        integer(key_path, *value, 2, pruner.reduction_factor);
      } else if (key == "max_epochs") {
        integer(key_path, *value, 1, pruner.max_epochs);
      } else if (key == "startup_trials") {
        integer(key_path, *value, 0, pruner.startup_trials);
      } else if (key == "warmup_epochs") {
        integer(key_path, *value, 0, pruner.warmup_epochs);
      } else {
        problems_.add(key_node->source(), unknown_key_message(key_path, nearest_of(key, kPrunerKeys)));
      }
    }
    // A loss is minimised, an accuracy maximised, unless the file says otherwise.
    if (!mode_given) pruner.maximize = pruner.metric.find("loss") == std::string::npos;
    if (problems_.count() != before) return std::nullopt;
    return pruner;
  }

  /// `[search]`: the sampler's settings and, like [random], `key = { distribution = ... }`.
  std::optional<SearchSpec> read_search(const std::string& path, const toml::node& node) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      problems_.add(node.source(), quote(path) + " must be a table: sampler, n_trials, seed, and key = { distribution = ... }");
      return std::nullopt;
    }
    SearchSpec search;
    const std::size_t before = problems_.count();
    bool mode_given = false;
    for (const auto& [key_node, value] : in_file_order(*table)) {
      const std::string key(key_node->str());
      const std::string key_path = path + "." + key;
      if (key == "sampler") {
        const auto sampler = value->value<std::string>();
        if (!sampler || *sampler != "tpe") problems_.add(value->source(), quote(key_path) + " must be \"tpe\"");
      } else if (key == "n_trials" || key == "startup_trials") {
        const auto* n = value->as_integer();
        const std::int64_t low = key == "n_trials" ? 1 : 0;
        if (n == nullptr || n->get() < low || n->get() > 100000)
          problems_.add(value->source(), quote(key_path) + " must be an integer from " + std::to_string(low) + " to 100000");
        else (key == "n_trials" ? search.n_trials : search.startup_trials) = static_cast<int>(n->get());
      } else if (key == "seed") {
        const auto* seed = value->as_integer();
        if (seed == nullptr || seed->get() < 0) problems_.add(value->source(), quote(key_path) + " must be an integer >= 0");
        else search.seed = static_cast<std::uint64_t>(seed->get());
      } else if (key == "metric") {
        read_metric(key_path, *value, search.metric);
      } else if (key == "mode") {
        read_mode(key_path, *value, search.maximize, mode_given);
      } else if (find_key(key) == nullptr) {
        unknown(key_path, key, *key_node, kSearchKeys);
      } else if (key == "seed" || key == "ranks" || key == "exclusive") {
        problems_.add(key_node->source(), quote(key_path) + ": " + key + " is not searched (it is not a hyperparameter)");
      } else if (auto d = read_distribution(key_path, key, *value)) {
        if (auto space = searchable(key_path, key, *d, *value)) search.keys.push_back({key, *space, d->choices});
      }
    }
    if (!table->contains("n_trials")) problems_.add(node.source(), quote(path) + " needs n_trials, the number of trials");
    if (search.keys.empty() && problems_.count() == before)
      problems_.add(node.source(), quote(path) + " searches no key: add key = { distribution = ... }");
    if (!mode_given) search.maximize = search.metric.find("loss") == std::string::npos;
    if (problems_.count() != before) return std::nullopt;
    return search;
  }

  /// Reads an experiment's axes (and, for [[experiment]], its own overrides) into `experiment`.
  /// `structural` lists the keys this table may hold besides config keys.
  void read_experiment(const toml::table& table, const std::string& prefix, bool overrides_allowed,
                       const std::vector<std::string>& structural, ExperimentSpec& experiment) {
    std::map<std::string, std::string> varied_by;  // key -> the axis that varies it
    // Where later messages about its trials point: its first axis, else its table.
    toml::source_region first_axis = table.source();
    bool found = false;
    for (const char* axis : {"trials", "grid", "zip", "random", "search", "seeds"})
      if (const toml::node* node = table.get(axis))
        if (!found || node->source().begin.line < first_axis.begin.line) first_axis = node->source(), found = true;
    experiment.where = problems_.at(first_axis);
    auto claim = [&](const std::string& key, const std::string& axis, const toml::node& where) {
      auto [it, inserted] = varied_by.emplace(key, axis);
      if (!inserted)
        problems_.add(where.source(), quote(key) + " is varied by both " + quote(it->second) + " and " + quote(axis));
    };
    for (const auto& [key_node, node] : in_file_order(table)) {
      const std::string key(key_node->str());
      const std::string path = prefix + key;
      // The caller's: name always, the file-wide keys at the top level (in an experiment they are unknown).
      const bool file_wide = key == "data_dir" || key == "base" || key == "experiment" || key == "max_attempts" ||
                             key == "worker_timeout" || key == "keep_weights";
      if (key == "name" || (file_wide && prefix.empty())) continue;
      if (key == "grid" || key == "zip") {
        const toml::table* axes = node->as_table();
        if (axes == nullptr) {
          problems_.add(node->source(), quote(path) + " must be a table of key = [values]");
          continue;
        }
        std::vector<GridAxis> read;
        for (const auto& [axis_key, axis_node] : in_file_order(*axes)) {
          const std::string axis_name(axis_key->str());
          if (auto axis = read_axis(path + "." + axis_name, axis_name, *axis_key, *axis_node)) {
            claim(axis_name, key, *axis_node);
            read.push_back(*axis);
          }
        }
        if (key == "zip") {
          for (const auto& axis : read)
            if (axis.values.size() != read.front().values.size())
              problems_.add(node->source(), quote(path) + " zips lists of unequal length: " + read.front().key + " has " +
                                                std::to_string(read.front().values.size()) + ", " + axis.key + " has " +
                                                std::to_string(axis.values.size()));
          experiment.zip = read;
        } else {
          experiment.grid = read;
        }
      } else if (key == "trials") {
        const toml::array* list = node->as_array();
        if (list == nullptr || list->empty() || !list->is_array_of_tables()) {
          problems_.add(node->source(), quote(path) + " must be a non-empty array of tables ([[trials]] or [{...}])");
          continue;
        }
        std::vector<std::string> keys_set;
        for (std::size_t i = 0; i < list->size(); ++i) {
          const toml::table& item = *list->get(i)->as_table();
          ConfigMap overrides = read_overrides(item, path + "[" + std::to_string(i) + "].");
          if (item.empty()) problems_.add(item.source(), quote(path + "[" + std::to_string(i) + "]") + " sets no key");
          for (const auto& entry : overrides)
            if (std::find(keys_set.begin(), keys_set.end(), entry.first) == keys_set.end()) keys_set.push_back(entry.first);
          experiment.trials.push_back(std::move(overrides));
        }
        for (const auto& k : keys_set) claim(k, "trials", *node);
      } else if (key == "random") {
        experiment.random_samples = read_random(path, *node);
        experiment.random_space = take_random_space();
        for (const auto& drawn : experiment.random_space) claim(drawn.key, "random", *node);
      } else if (key == "seeds") {
        experiment.seeds = read_seeds(path, *node);
        claim("seed", "seeds", *node);
      } else if (key == "pruner") {
        if (auto pruner = read_pruner(path, *node)) experiment.pruner = *pruner;
      } else if (key == "search") {
        if (auto search = read_search(path, *node)) {
          experiment.search = *search;
          for (const auto& searched : search->keys) claim(searched.key, "search", *node);
        }
        // TPE chooses each trial's values itself: no axis beside it.
        for (const char* axis : {"grid", "zip", "trials", "random", "seeds"})
          if (table.contains(axis))
            problems_.add(node->source(), quote(path) + " cannot be combined with " + quote(prefix + axis) +
                                              ": model-based search chooses every trial's values itself");
      } else if (overrides_allowed && find_key(key) != nullptr) {
        Value value;
        if (read_config_value(path, key, *node, value)) experiment.base[key] = value;
      } else if (!overrides_allowed && find_key(key) != nullptr) {
        problems_.add(key_node->source(), unknown_key_message(path, "[base] " + key));
      } else {
        unknown(path, key, *key_node, structural);
      }
    }
  }

 private:
  std::optional<Distribution> read_distribution(const std::string& path, const std::string& key, const toml::node& node) {
    const toml::table* table = node.as_table();
    const std::string usage =
        "{ uniform = [low, high] }, { loguniform = [low, high] }, { int = [low, high] } or { choice = [...] }";
    if (table == nullptr || table->size() != 1) {
      problems_.add(node.source(), quote(path) + " must be " + usage);
      return std::nullopt;
    }
    // TOML++'s iterator owns the pair it hands out: keep the iterator alive while it is used.
    const auto only = table->begin();
    const toml::key& kind_key = only->first;
    const toml::node& bounds_node = only->second;
    const std::string kind(kind_key.str());
    const toml::array* bounds = bounds_node.as_array();
    Distribution d;
    if (kind == "choice") {
      if (bounds == nullptr || bounds->empty()) {
        problems_.add(bounds_node.source(), quote(path + ".choice") + " must be a non-empty array of values");
        return std::nullopt;
      }
      bool ok = true;
      for (const auto& element : *bounds) {
        Value value;
        ok = read_config_value(path + ".choice", key, element, value) && ok;
        d.choices.push_back(value);
      }
      d.kind = Distribution::Kind::kChoice;
      return ok ? std::optional<Distribution>(d) : std::nullopt;
    }
    if (kind == "uniform") d.kind = Distribution::Kind::kUniform;
    else if (kind == "loguniform") d.kind = Distribution::Kind::kLogUniform;
    else if (kind == "int") d.kind = Distribution::Kind::kInt;
    else {
      problems_.add(kind_key.source(), quote(path + "." + kind) + " is not a distribution: use " + usage);
      return std::nullopt;
    }
    const std::string where = quote(path + "." + kind);
    if (bounds == nullptr || bounds->size() != 2 || !(*bounds)[0].is_number() || !(*bounds)[1].is_number()) {
      problems_.add(bounds_node.source(), where + " must be [low, high], two numbers");
      return std::nullopt;
    }
    auto number = [](const toml::node& n) {
      return n.is_integer() ? static_cast<double>(n.as_integer()->get()) : n.as_floating_point()->get();
    };
    d.low = number((*bounds)[0]);
    d.high = number((*bounds)[1]);
    const ValueKind value_kind = find_key(key)->kind;
    if (d.kind == Distribution::Kind::kInt && (!(*bounds)[0].is_integer() || !(*bounds)[1].is_integer())) {
      problems_.add(bounds_node.source(), where + " must have integer bounds");
      return std::nullopt;
    }
    if (d.kind == Distribution::Kind::kInt) {
      // Bounds in the key's own range (and within +-2^31 for any key), so high - low + 1 is exact
      // in a double and the draw cannot overflow: bounds near 2^63 would make the conversion of
      // the drawn offset back to an integer undefined.
      for (std::size_t i = 0; i < 2; ++i) {
        const std::int64_t b = (*bounds)[i].as_integer()->get();
        const std::string which = where + (i == 0 ? " low bound " : " high bound ");
        Value checked;
        std::optional<std::string> reason;
        if (value_kind == ValueKind::kInt) reason = coerce(*find_key(key), Value(b), checked);
        else if (b < -kIntKeyLimit || b > kIntKeyLimit)
          reason = "must be within +-" + std::to_string(kIntKeyLimit) + ", not " + std::to_string(b);
        if (reason) {
          problems_.add((*bounds)[i].source(), which + *reason);
          return std::nullopt;
        }
      }
    }
    if (d.kind != Distribution::Kind::kInt && value_kind != ValueKind::kFloat) {
      problems_.add(kind_key.source(), quote(path) + " is an integer key: draw it with { int = [low, high] }");
      return std::nullopt;
    }
    if (value_kind == ValueKind::kString || value_kind == ValueKind::kBool) {
      problems_.add(kind_key.source(), quote(path) + " is not numeric: draw it with { choice = [...] }");
      return std::nullopt;
    }
    if (!(d.low < d.high) && !(d.kind == Distribution::Kind::kInt && d.low == d.high)) {
      problems_.add(bounds_node.source(), where + " needs low < high");
      return std::nullopt;
    }
    if (d.kind == Distribution::Kind::kLogUniform && d.low <= 0) {
      problems_.add(bounds_node.source(), where + " needs low > 0");
      return std::nullopt;
    }
    return d;
  }

  // The distribution as the sampler's prior, once every value it can give is valid for the key
  // (random search finds an invalid draw among its samples; a sampler's values come later, at run time).
  std::optional<search::ParamSpace> searchable(const std::string& path, const std::string& key, const Distribution& d,
                                               const toml::node& where) {
    if (d.kind == Distribution::Kind::kUniform || d.kind == Distribution::Kind::kLogUniform) {
      // [low, high): the low bound and the largest double below high must both be valid.
      for (const double bound : {d.low, std::nextafter(d.high, d.low)}) {
        Value coerced;
        if (auto reason = coerce(*find_key(key), Value(bound), coerced)) {
          problems_.add(where.source(), quote(path) + " reaches values that " + *reason);
          return std::nullopt;
        }
      }
    }
    return space_of(d);
  }

  // The distribution as a prior of the search library: its draws are random search's too.
  static search::ParamSpace space_of(const Distribution& d) {
    using search::ParamSpace;
    switch (d.kind) {
      case Distribution::Kind::kUniform: return ParamSpace::uniform(d.low, d.high);
      case Distribution::Kind::kLogUniform: return ParamSpace::log_uniform(d.low, d.high);
      case Distribution::Kind::kInt:
        return ParamSpace::integer(static_cast<std::int64_t>(d.low), static_cast<std::int64_t>(d.high));
      case Distribution::Kind::kChoice: return ParamSpace::choice(static_cast<int>(d.choices.size()));
    }
    return ParamSpace{};
  }

  // The draw itself is adaptive search's prior draw (the same arithmetic on the engine's top 53
  // bits on every machine); here it is mapped back to the key's value.
  static Value draw(const Distribution& d, std::mt19937_64& engine) {
    const double x = search::draw_uniformly(space_of(d), engine);
    switch (d.kind) {
      case Distribution::Kind::kInt: return static_cast<std::int64_t>(x);
      case Distribution::Kind::kChoice: return d.choices[static_cast<std::size_t>(x)];
      default: return x;
    }
  }

  Problems problems_;
  std::vector<SearchedKey> random_space_;
};

bool varies(const ExperimentSpec& experiment, const std::string& key) {
  auto on_axis = [&](const std::vector<GridAxis>& axes) {
    return std::any_of(axes.begin(), axes.end(), [&](const GridAxis& a) { return a.key == key; });
  };
  auto in_points = [&](const std::vector<ConfigMap>& points) {
    return std::any_of(points.begin(), points.end(), [&](const ConfigMap& p) { return p.count(key) > 0; });
  };
  const bool searched = std::any_of(experiment.search.keys.begin(), experiment.search.keys.end(),
                                    [&](const SearchedKey& k) { return k.key == key; });
  return on_axis(experiment.grid) || on_axis(experiment.zip) || in_points(experiment.trials) ||
         in_points(experiment.random_samples) || searched;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += (text.empty() ? "" : "\n") + line;
  return text;
}

}  // namespace

SpecError::SpecError(const std::vector<std::string>& problems)
    : Error(join_lines(problems), kExitBadInput), problems_(problems) {}

SweepSpec parse_sweep(const std::string& text, const std::string& file) {
  toml::table root;
  try {
    root = toml::parse(std::string_view(text), std::string_view(file));
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    throw SpecError({file + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column) +
                     ": TOML syntax error: " + std::string(error.description())});
  }

  Parser parser(file);
  Problems& problems = parser.problems();
  SweepSpec spec;
  spec.file = file;
  spec.text = text;

  // name and data_dir
  for (const char* key : {"name", "data_dir"}) {
    const toml::node* node = root.get(key);
    if (node == nullptr) {
      problems.add_file_level(std::string("missing '") + key + "' (" +
                              (std::string(key) == "name" ? "it names the sweep and prefixes trial ids"
                                                          : "the folder with the Fashion-MNIST IDX files") + ")");
    } else if (!node->is_string() || node->as_string()->get().empty()) {
      problems.add(node->source(), quote(key) + " must be a non-empty string");
    } else {
      (std::string(key) == "name" ? spec.name : spec.data_dir) = node->as_string()->get();
      if (std::string(key) == "data_dir") spec.data_dir_where = problems.at(node->source());
    }
  }
  if (!spec.name.empty() && !is_identifier(spec.name))
    problems.add(root.get("name")->source(), "'name' may hold only letters, digits, '-' and '_', at most " +
                                                 std::to_string(kMaxNameLength) + " of them (it becomes part of trial ids and file names)");

  // How often a failing trial is tried (this run and resumed ones together). Not part of any
  // trial's identity: changing it does not change the sweep hash.
  if (const toml::node* node = root.get("max_attempts")) {
    const auto* value = node->as_integer();
    if (value == nullptr || value->get() < 1 || value->get() > 100)
      problems.add(node->source(), "'max_attempts' must be an integer from 1 to 100 (how often a failing trial is tried)");
    else spec.max_attempts = static_cast<int>(value->get());
  }
  // How long a running trial may stay silent before its ranks count as lost. Not part of any
  // trial's identity either.
  if (const toml::node* node = root.get("worker_timeout")) {
    const auto value = node->value<double>();  // an integer or a float
    if (!value || !(*value >= 1 && *value <= 604800))
      problems.add(node->source(), "'worker_timeout' must be a number of seconds from 1 to 604800 (a week)");
    else spec.worker_timeout_seconds = *value;
  }

  // Which ended trials keep their weights. Not part of any trial's identity either: a resumed
  // sweep applies a changed policy from its start.
  if (const toml::node* node = root.get("keep_weights")) {
    const auto kept = node->is_string() ? parse_keep_weights(node->as_string()->get()) : std::nullopt;
    if (!kept)
      problems.add(node->source(), "'keep_weights' must be \"best:N\" (N from 1 to 100000: the best N trials of each "
                                   "experiment), \"all\" or \"none\"");
    else spec.keep_weights = *kept;
  }

  ConfigMap base = default_config();
  if (const toml::node* node = root.get("base")) {
    if (const toml::table* table = node->as_table()) {
      for (const auto& [key, value] : parser.read_overrides(*table, "base.")) base[key] = value;
    } else {
      problems.add(node->source(), "'base' must be a table: [base]");
    }
  }

  const toml::node* experiments = root.get("experiment");
  if (experiments == nullptr) {
    // The top level is the one experiment.
    ExperimentSpec only;
    only.name = spec.name;
    only.base = base;
    parser.read_experiment(root, "", /*overrides_allowed=*/false, kTopLevelKeys, only);
    spec.experiments.push_back(std::move(only));
  } else {
    // Top-level axes would be ambiguous beside experiments; seeds is the one shared default.
    for (const auto& [key_node, node] : in_file_order(root)) {
      const std::string key(key_node->str());
      if (key == "grid" || key == "zip" || key == "trials" || key == "random" || key == "search")
        problems.add(key_node->source(), quote(key) + " at the top level of a file with [[experiment]]s: move it into an experiment");
      else if (std::find(kTopLevelKeys.begin(), kTopLevelKeys.end(), key) == kTopLevelKeys.end())
        parser.unknown(key, key, *key_node, kTopLevelKeys);
    }
    std::vector<std::int64_t> shared_seeds;
    if (const toml::node* node = root.get("seeds")) shared_seeds = parser.read_seeds("seeds", *node);
    // A top-level [pruner] is every experiment's unless it has its own.
    PrunerSpec shared_pruner;
    if (const toml::node* node = root.get("pruner"))
      if (auto pruner = parser.read_pruner("pruner", *node)) shared_pruner = *pruner;
    const toml::array* list = experiments->as_array();
    if (list == nullptr || !list->is_array_of_tables() || list->empty()) {
      problems.add(experiments->source(), "'experiment' must be an array of tables: [[experiment]]");
    } else {
      std::map<std::string, std::size_t> seen;
      for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::table& table = *list->get(i)->as_table();
        const std::string prefix = "experiment[" + std::to_string(i) + "].";
        ExperimentSpec experiment;
        experiment.base = base;
        experiment.pruner = shared_pruner;
        const toml::node* name = table.get("name");
        if (name == nullptr) problems.add(table.source(), quote(prefix + "name") + " is missing");
        else if (!name->is_string() || !is_identifier(name->as_string()->get()))
          problems.add(name->source(), quote(prefix + "name") + " must be a string of letters, digits, '-' and '_', at most " +
                                           std::to_string(kMaxNameLength) + " of them (it becomes part of trial ids and file names)");
        else if (!seen.emplace(name->as_string()->get(), i).second)
          problems.add(name->source(), "experiment name " + quote(name->as_string()->get()) + " is used twice");
        else experiment.name = name->as_string()->get();
        parser.read_experiment(table, prefix, /*overrides_allowed=*/true, kExperimentKeys, experiment);
        // The shared seeds apply unless the experiment says otherwise about `seed`.
        if (!table.contains("seeds") && !varies(experiment, "seed") && !experiment.search.enabled())
          experiment.seeds = shared_seeds;
        spec.experiments.push_back(std::move(experiment));
      }
    }
  }
  problems.throw_if_any();
  return spec;
}

SweepSpec parse_sweep_file(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw Error(path + ": a folder, not a sweep file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read sweep file: " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().find_first_not_of(" \t\r\n") == std::string::npos)
    throw Error(path + ": empty; a sweep file needs at least 'name' and 'data_dir' (docs/sweep-format.md)");
  SweepSpec spec = parse_sweep(text.str(), path);
  std::filesystem::path data(spec.data_dir);
  if (data.is_relative()) data = std::filesystem::path(path).parent_path() / data;
  spec.data_dir = data.lexically_normal().string();
  if (std::filesystem::exists(data, error) && !std::filesystem::is_directory(data, error))
    throw Error(spec.data_dir_where + ": 'data_dir' is not a folder: " + spec.data_dir +
                " (it names the folder holding the Fashion-MNIST IDX files)");
  return spec;
}

std::string KeepWeights::text() const {
  switch (mode) {
    case Mode::kAll: return "all";
    case Mode::kNone: return "none";
    case Mode::kBest: break;
  }
  return "best:" + std::to_string(best);
}

}  // namespace aecnn::sweep
