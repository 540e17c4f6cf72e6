#include "aecnn/analysis/provenance_check.hpp"

#include <functional>
#include <set>

namespace aecnn::analysis {
namespace {

using Field = std::pair<const char*, std::function<std::string(const store::TrialRecord&)>>;

const std::vector<Field>& fields() {
  static const std::vector<Field> all = {
      {"cpu_model", [](const store::TrialRecord& t) { return t.result->provenance.cpu_model; }},
      {"cpus_allowed", [](const store::TrialRecord& t) { return std::to_string(t.result->provenance.cpus_allowed); }},
      {"threads", [](const store::TrialRecord& t) { return std::to_string(t.result->threads); }},
      {"device", [](const store::TrialRecord& t) { return t.result->provenance.device; }},
      {"libtorch", [](const store::TrialRecord& t) { return t.result->provenance.libtorch; }},
      {"cpu_capability", [](const store::TrialRecord& t) { return t.result->provenance.cpu_capability; }},
      {"blas", [](const store::TrialRecord& t) { return t.result->provenance.blas; }},
      {"mpi", [](const store::TrialRecord& t) { return t.result->provenance.mpi; }},
      {"compiler", [](const store::TrialRecord& t) { return t.result->provenance.compiler; }},
      {"tool_version", [](const store::TrialRecord& t) { return t.result->provenance.tool_version; }},
  };
  return all;
}

}  // namespace

std::vector<std::string> mixed_provenance(const std::string& experiment, const std::vector<Setting>& settings) {
  std::vector<std::string> warnings;
  for (const auto& s : settings) {
    std::string differences;
    for (const auto& [name, value_of] : fields()) {
      std::set<std::string> values;
      for (const auto* trial : s.trials)
        if (!trial->result->provenance.host.empty()) values.insert(value_of(*trial));
      if (values.size() < 2) continue;
      std::string list;
      for (const auto& v : values) list += (list.empty() ? "'" : "' vs '") + v;
      differences += std::string(differences.empty() ? "" : "; ") + name + " " + list + "'";
    }
    if (!differences.empty())
      warnings.push_back("warning: " + experiment + ", " + s.label +
                         ": its seeds ran on different hardware or software (" + differences +
                         "): timings are not comparable and results differ in the last bits");
  }
  return warnings;
}

}  // namespace aecnn::analysis
