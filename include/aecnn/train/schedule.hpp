#pragma once
// Learning-rate schedules with Keras LearningRateScheduler semantics: called with the 0-based
// epoch and the current lr at the start of each epoch; step decay compounds.
#include "aecnn/sweep/trial_config.hpp"

namespace aecnn::train {

/// The lr for `epoch` (0-based). `current_lr` is the lr of the previous epoch (base_lr at 0);
/// `horizon` is the epoch count over which cosine and linear decay (the seed study fixed it at 50).
///   constant: base_lr
///   step:     current_lr * 0.1 at every epoch that is a positive multiple of 15, else current_lr
///   cosine:   base_lr * 0.5 * (1 + cos(pi * epoch / horizon))
///   linear:   base_lr * (1 - epoch / horizon)
double lr_at(sweep::Schedule schedule, double base_lr, double current_lr, int epoch, int horizon);

}  // namespace aecnn::train
