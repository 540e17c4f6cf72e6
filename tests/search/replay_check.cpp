// Re-derives every suggestion a model-based search committed to a results file: for each searched
// trial that started, a fresh sampler is fed the first `suggested_after` observations of its
// experiment (`/search`, in order) and must suggest exactly the values the trial recorded.
// So a sweep resumed after a kill made the suggestions the uninterrupted sampler would have.
// usage: aecnn_search_replay_check RESULTS.h5   (exit 0: all re-derived; 1: a mismatch, named)
#include <algorithm>
#include <cstdio>
#include <map>

#include "aecnn/sched/trial_search.hpp"
#include "aecnn/store/reader.hpp"
#include "aecnn/sweep/expand.hpp"

int main(int argc, char** argv) {
  using namespace aecnn;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s RESULTS.h5\n", argv[0]);
    return 2;
  }
  try {
    const auto contents = store::read_results(argv[1]);
    const auto spec = sweep::parse_sweep(contents.sweep_toml, contents.sweep_file);
    auto trials = sweep::expand(spec);
    std::map<int, const store::TrialRecord*> recorded;
    for (const auto& t : contents.trials) recorded[t.index] = &t;
    for (const auto& [index, t] : recorded)  // the values each trial ran with
      for (const auto& key : trials[static_cast<std::size_t>(index)].suggested)
        trials[static_cast<std::size_t>(index)].config[key] = t->config.at(key);
    int checked = 0;
    for (const auto& experiment : spec.experiments) {
      if (!experiment.search.enabled()) continue;
      const sweep::TrialList list(trials);
      sched::TrialSearch search(list, {{experiment.name, experiment.search}});
      std::vector<store::ObservationRecord> rows;
      for (const auto& row : contents.observations)
        if (trials[static_cast<std::size_t>(row.trial)].experiment == experiment.name) rows.push_back(row);
      std::vector<std::pair<int, int>> started;  // (suggested_after, trial)
      for (const auto& [index, t] : recorded)
        if (t->experiment == experiment.name) {
          if (t->suggested_after < 0) {
            std::printf("replay_check: %s started without suggested_after\n", t->id.c_str());
            return 1;
          }
          started.emplace_back(t->suggested_after, index);
        }
      std::sort(started.begin(), started.end());
      std::size_t fed = 0;
      for (const auto& [after, index] : started) {
        if (static_cast<std::size_t>(after) > rows.size()) {
          std::printf("replay_check: %s learnt from %d observations, the file has %zu\n",
                      trials[static_cast<std::size_t>(index)].id.c_str(), after, rows.size());
          return 1;
        }
        search.replay({rows.begin() + static_cast<long>(fed), rows.begin() + after}, list, argv[1]);
        fed = static_cast<std::size_t>(after);
        sweep::TrialSpec again = trials[static_cast<std::size_t>(index)];
        search.suggest(again);
        for (const auto& key : again.suggested)
          if (again.config.at(key) != trials[static_cast<std::size_t>(index)].config.at(key)) {
            std::printf("replay_check: %s: %s is %s in the file, the sampler re-derives %s after %d observations\n",
                        again.id.c_str(), key.c_str(),
                        sweep::to_display(trials[static_cast<std::size_t>(index)].config.at(key)).c_str(),
                        sweep::to_display(again.config.at(key)).c_str(), after);
            return 1;
          }
        ++checked;
      }
    }
    std::printf("replay_check: %d suggestion(s) re-derived from the observations before them\n", checked);
    return 0;
  } catch (const std::exception& e) {
    std::printf("replay_check: %s\n", e.what());
    return 1;
  }
}
