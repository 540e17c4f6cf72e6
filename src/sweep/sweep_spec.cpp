#include "aecnn/sweep/sweep_spec.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "aecnn/sweep/schema.hpp"

namespace aecnn::sweep {
namespace {

const std::vector<std::string> kTopLevelKeys = {"name", "data_dir", "base", "grid"};

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += (text.empty() ? "" : "\n") + line;
  return text;
}

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

// A table's entries in the order they stand in the file.
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& table) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (const auto& [key, node] : table) entries.emplace_back(&key, &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
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

std::string unknown_key_message(const std::string& what, const std::string& key,
                                const std::string& suggestion) {
  std::string message = "unknown " + what + " '" + key + "'";
  if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
  return message;
}

// Checks one `key = value` of a config table; on success stores the coerced value in `out`.
void read_config_value(const std::string& path, const std::string& key, const toml::node& node,
                       Problems& problems, Value& out) {
  const KeySpec* spec = find_key(key);
  if (spec == nullptr) return;  // reported once, at the key, by the caller
  auto value = to_value(node);
  if (!value) {
    problems.add(node.source(), "'" + path + "' must be a single value, not a table or array");
    return;
  }
  if (auto reason = coerce(*spec, *value, out)) problems.add(node.source(), "'" + path + "' " + *reason);
}

std::string top_level_suggestion(const std::string& key) {
  if (find_key(key) != nullptr) return "[base] " + key;  // a config key written outside [base]
  for (const auto& known : kTopLevelKeys)
    if (known.size() > 2 && (known.find(key) != std::string::npos || key.find(known) != std::string::npos))
      return known;
  return "";
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

  Problems problems(file);
  SweepSpec spec;
  spec.file = file;
  spec.text = text;
  spec.base = default_config();

  for (const auto& [key_node, node] : root) {
    const std::string key(key_node.str());
    if (key == "name" || key == "data_dir") {
      if (!node.is_string() || node.as_string()->get().empty()) {
        problems.add(node.source(), "'" + key + "' must be a non-empty string");
        continue;
      }
      (key == "name" ? spec.name : spec.data_dir) = node.as_string()->get();
    } else if (key == "base" || key == "grid") {
      if (!node.is_table()) problems.add(node.source(), "'" + key + "' must be a table: [" + key + "]");
    } else {
      problems.add(key_node.source(), unknown_key_message("top-level key", key, top_level_suggestion(key)));
    }
  }
  if (spec.name.empty() && !root.contains("name"))
    problems.add_file_level("missing 'name' (it names the experiment and prefixes trial ids)");
  for (char c : spec.name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) {
      problems.add(root["name"].node()->source(),
                   "'name' may hold only letters, digits, '-' and '_' (it becomes part of trial ids)");
      break;
    }
  if (spec.data_dir.empty() && !root.contains("data_dir"))
    problems.add_file_level("missing 'data_dir' (the folder with the Fashion-MNIST IDX files)");

  if (const toml::table* base = root["base"].as_table()) {
    for (const auto& [key_node, node] : in_file_order(*base)) {
      const std::string key(key_node->str());
      if (find_key(key) == nullptr) {
        problems.add(key_node->source(), unknown_key_message("key", "base." + key, nearest_key(key)));
        continue;
      }
      read_config_value("base." + key, key, *node, problems, spec.base[key]);
    }
  }

  if (const toml::table* grid = root["grid"].as_table()) {
    // File order matters here: the first axis written varies slowest.
    for (const auto& [key_node, node] : in_file_order(*grid)) {
      const std::string key(key_node->str());
      const std::string path = "grid." + key;
      const toml::array* values = node->as_array();
      if (find_key(key) == nullptr) {
        problems.add(key_node->source(), unknown_key_message("key", path, nearest_key(key)));
        continue;
      }
      if (values == nullptr || values->empty()) {
        problems.add(node->source(), "'" + path + "' must be a non-empty array of values");
        continue;
      }
      GridAxis axis{key, {}};
      for (const auto& element : *values) {
        Value value;
        read_config_value(path, key, element, problems, value);
        axis.values.push_back(value);
      }
      spec.grid.push_back(std::move(axis));
    }
  }
  problems.throw_if_any();
  return spec;
}

SweepSpec parse_sweep_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read sweep file (does it exist?)");
  std::stringstream text;
  text << in.rdbuf();
  SweepSpec spec = parse_sweep(text.str(), path);
  std::filesystem::path data(spec.data_dir);
  if (data.is_relative()) data = std::filesystem::path(path).parent_path() / data;
  spec.data_dir = data.lexically_normal().string();
  return spec;
}

}  // namespace aecnn::sweep
