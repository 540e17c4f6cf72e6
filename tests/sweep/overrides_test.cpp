#include "aecnn/sweep/overrides.hpp"
#include "aecnn/sweep/trial_list.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../support/error_message.hpp"
#include "sweep_support.hpp"

namespace aecnn::sweep {
namespace {

using ::testing::HasSubstr;
using testing::expand_text;

const std::string kStudy = "name='s'\ndata_dir='d'\n[base]\nepochs = 5\n[[experiment]]\nname='a'\ngrid.seed=[0,1]\n"
                           "[[experiment]]\nname='f'\nepochs = 30\nlr_horizon = 50\n";

// The study's trials with `overrides` applied, as aecnn-sweep builds them.
TrialList overridden(const Overrides& overrides) { return TrialList(parse_sweep(kStudy, "s.toml"), overrides); }

std::string error_of(const Overrides& overrides) {
  return aecnn::testing::error_message<SpecError>([&] { overridden(overrides); });
}

TEST(Overrides, ScaleEpochsAndHorizonAndSetKeys) {
  const auto original = expand_text(kStudy);
  Overrides overrides;
  overrides.epochs_scale = 0.5;
  overrides.set = {"train_images=2000", "attention=none"};
  const TrialList trials = overridden(overrides);
  EXPECT_EQ(std::get<std::int64_t>(trials[0].config.at("epochs")), 3);  // 2.5 rounds to 3
  EXPECT_EQ(std::get<std::int64_t>(trials[2].config.at("epochs")), 15);
  EXPECT_EQ(std::get<std::int64_t>(trials[2].config.at("lr_horizon")), 25);
  EXPECT_EQ(std::get<std::int64_t>(trials[0].config.at("lr_horizon")), 0);  // 0 = the trial's epochs, kept
  EXPECT_EQ(std::get<std::int64_t>(trials[1].config.at("train_images")), 2000);
  EXPECT_EQ(std::get<std::string>(trials[1].config.at("attention")), "none");
  EXPECT_NE(trials[0].hash, original[0].hash);  // a scaled run is a different sweep
  EXPECT_EQ(overrides.to_string(), "--epochs-scale 0.5 --set train_images=2000 --set attention=none");
}

TEST(Overrides, EpochsNeverScaleBelowOne) {
  Overrides overrides;
  overrides.epochs_scale = 0.01;
  const TrialList trials = overridden(overrides);
  EXPECT_EQ(std::get<std::int64_t>(trials[0].config.at("epochs")), 1);
}

TEST(Overrides, ValuesAreCheckedLikeTheFiles) {
  Overrides bad;
  bad.set = {"lr=-1"};
  EXPECT_EQ(error_of(bad), "--set lr=-1: 'lr' must be > 0, not -1");
  bad.set = {"atention=none"};
  EXPECT_EQ(error_of(bad), "--set atention=none: unknown key 'atention' (did you mean 'attention'?)");
  bad.set = {"epochs"};
  EXPECT_EQ(error_of(bad), "--set epochs: expected KEY=VALUE");
  bad.set = {"batch_size=4294967296"};
  EXPECT_EQ(error_of(bad), "--set batch_size=4294967296: 'batch_size' must be <= 1048576, not 4294967296");
}

TEST(Overrides, AnEpochsScaleBeyondTheLimitIsRefusedNotWrapped) {
  Overrides overrides;
  overrides.epochs_scale = 1e300;  // llround of 5e300 is undefined; the bound is checked first
  EXPECT_THAT(error_of(overrides), HasSubstr("--epochs-scale 1e+300: makes 'epochs' 5 x "));
  EXPECT_THAT(error_of(overrides), HasSubstr("more than its limit 1000000"));
}

TEST(Overrides, CollapsingAnAxisIsAnError) {
  Overrides overrides;
  overrides.set = {"seed=4"};
  EXPECT_THAT(error_of(overrides), HasSubstr("--set seed=4: makes trials a-0000 and a-0001 identical"));
}

}  // namespace
}  // namespace aecnn::sweep
