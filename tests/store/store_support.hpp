#pragma once
// Shared by the store's tests: a sweep of three trials (seeds 0, 1, 2) and what identifies it.
#include <string>
#include <vector>

#include "aecnn/store/writer.hpp"
#include "aecnn/sweep/expand.hpp"

namespace aecnn::store::testing {

struct ThreeTrialSweep {
  sweep::SweepSpec spec = sweep::parse_sweep("name='r'\ndata_dir='d'\n[grid]\nseed=[0,1,2]\n", "r.toml");
  std::vector<sweep::TrialSpec> trials = sweep::expand(spec);  ///< r-0000, r-0001, r-0002
  SweepInfo info{spec.name, sweep::sweep_hash(spec, trials), spec.file, spec.text, "d"};
};

}  // namespace aecnn::store::testing
