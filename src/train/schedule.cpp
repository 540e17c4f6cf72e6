#include "aecnn/train/schedule.hpp"

#include <cmath>

namespace aecnn::train {

double lr_at(sweep::Schedule schedule, double base_lr, double current_lr, int epoch, int horizon) {
  constexpr double kPi = 3.14159265358979323846;
  switch (schedule) {
    case sweep::Schedule::kConstant: return base_lr;
    case sweep::Schedule::kStep: return (epoch > 0 && epoch % 15 == 0) ? current_lr * 0.1 : current_lr;
    case sweep::Schedule::kCosine: return base_lr * 0.5 * (1 + std::cos(kPi * epoch / horizon));
    case sweep::Schedule::kLinear: return base_lr * (1 - static_cast<double>(epoch) / horizon);
  }
  return base_lr;
}

}  // namespace aecnn::train
