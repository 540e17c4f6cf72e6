#pragma once
// The typed view of a resolved ConfigMap that training reads. Hashing and storage use the map;
// training uses this struct, so a key added to the schema must be added here once.
#include <string>

#include "aecnn/sweep/value.hpp"

namespace aecnn::sweep {

enum class Attention { kNone, kChannel, kSpatial, kBoth };
enum class Schedule { kConstant, kStep, kCosine, kLinear };

std::string to_string(Attention attention);
std::string to_string(Schedule schedule);
Attention parse_attention(const std::string& text);  ///< throws aecnn::Error on an unknown name
Schedule parse_schedule(const std::string& text);    ///< throws aecnn::Error on an unknown name

/// A trial's configuration with every default applied (see schema.cpp for meanings).
struct TrialConfig {
  Attention attention = Attention::kBoth;
  int channel_ratio = 16;
  int batch_size = 64;
  int epochs = 5;
  double lr = 1e-3;
  Schedule schedule = Schedule::kConstant;
  int lr_horizon = 0;  ///< epochs over which cosine/linear decay; 0 = the trial's epochs
  double conv_dropout = 0.25;
  double fc_dropout = 0.5;
  double l2 = 0.0;
  int patience = 0;      ///< EarlyStopping(val_loss) patience; 0 = off
  int seed = 0;
  int train_images = 0;  ///< use only the first N training-split images; 0 = all
  int eval_images = 0;   ///< use only the first N validation and test images; 0 = all
  int ranks = 1;         ///< worker ranks that train the trial together (data-parallel when > 1)
  bool exclusive = false;  ///< alone on its node(s), with all their cores (clean timing)
};

/// Reads a resolved map (as made by expand()) into the typed struct.
TrialConfig to_trial_config(const ConfigMap& config);

}  // namespace aecnn::sweep
