#pragma once
// Adam as Keras 3 applies it (keras/src/optimizers/adam.py), not as LibTorch does. Keras adds
// epsilon to sqrt(v) before the bias correction, folded into the step size:
//   t = iterations + 1
//   alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
//   m += (g - m) * (1 - beta_1);   v += (g^2 - v) * (1 - beta_2)
//   w -= alpha * m / (sqrt(v) + epsilon)
// LibTorch's Adam divides by sqrt(v_hat) + epsilon instead, after the correction: at step 1 its
// epsilon weighs 1/sqrt(1 - beta_2) ~ 32x more, which changes early steps where gradients are small.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace aecnn::train {

class KerasAdam {
 public:
  struct Options {
    double lr = 1e-3;
    double beta_1 = 0.9;
    double beta_2 = 0.999;
    double epsilon = 1e-7;  ///< Keras' default, not LibTorch's 1e-8
  };

  /// Keeps the tensors (not copies): step() updates them in place from their .grad().
  KerasAdam(std::vector<torch::Tensor> parameters, Options options);

  void set_lr(double lr) { options_.lr = lr; }
  double lr() const { return options_.lr; }
  int64_t iterations() const { return iterations_; }

  /// Zeroes every gradient in place (kept allocated: the next backward pass accumulates into it).
  void zero_grad();
  /// One update of every parameter that has a gradient; the step count advances once.
  void step();

  /// The moments and the step count, exactly, for a checkpoint.
  std::vector<uint8_t> save() const;
  /// Restores save()'s bytes onto `device`; throws aecnn::Error if they are not a KerasAdam
  /// state for these parameters (a checkpoint written with another optimizer, or another model).
  void load(const std::vector<uint8_t>& bytes, torch::Device device);

 private:
  std::vector<torch::Tensor> parameters_, m_, v_;
  Options options_;
  int64_t iterations_ = 0;
};

}  // namespace aecnn::train
