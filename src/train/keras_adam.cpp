#include "aecnn/train/keras_adam.hpp"

#include <cmath>
#include <sstream>
#include <string>

#include "aecnn/error.hpp"

namespace aecnn::train {
namespace {

// Archive keys. The format name tells a checkpoint of ours from one holding LibTorch's Adam
// state (written by aecnn-sweep before it trained with Keras' update), which cannot be resumed.
constexpr const char* kFormatKey = "keras_adam_v1.iterations";
std::string moment_key(const char* moment, std::size_t i) { return std::string(moment) + "." + std::to_string(i); }

}  // namespace

KerasAdam::KerasAdam(std::vector<torch::Tensor> parameters, Options options)
    : parameters_(std::move(parameters)), options_(options) {
  torch::NoGradGuard no_grad;
  for (const auto& p : parameters_) {
    m_.push_back(torch::zeros_like(p));
    v_.push_back(torch::zeros_like(p));
  }
}

void KerasAdam::zero_grad() {
  for (auto& p : parameters_)
    if (p.mutable_grad().defined()) {
      p.mutable_grad().detach_();
      p.mutable_grad().zero_();
    }
}

void KerasAdam::step() {
  torch::NoGradGuard no_grad;
  const double t = static_cast<double>(iterations_ + 1);
  const double alpha =
      options_.lr * std::sqrt(1 - std::pow(options_.beta_2, t)) / (1 - std::pow(options_.beta_1, t));
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const auto& g = parameters_[i].grad();
    if (!g.defined()) continue;
    m_[i].add_(g - m_[i], 1 - options_.beta_1);
    v_[i].add_(g * g - v_[i], 1 - options_.beta_2);
    parameters_[i].addcdiv_(m_[i], v_[i].sqrt().add_(options_.epsilon), -alpha);
  }
  ++iterations_;
}

std::vector<uint8_t> KerasAdam::save() const {
  torch::serialize::OutputArchive archive;
  archive.write(kFormatKey, torch::tensor(iterations_, torch::kInt64));
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    archive.write(moment_key("m", i), m_[i].cpu(), /*is_buffer=*/true);
    archive.write(moment_key("v", i), v_[i].cpu(), /*is_buffer=*/true);
  }
  std::ostringstream out;
  archive.save_to(out);
  const std::string bytes = out.str();
  return {bytes.begin(), bytes.end()};
}

void KerasAdam::load(const std::vector<uint8_t>& bytes, torch::Device device) {
  torch::serialize::InputArchive archive;
  try {
    std::istringstream in(std::string(bytes.begin(), bytes.end()));
    archive.load_from(in, device);
  } catch (const c10::Error& e) {
    throw Error("the checkpoint's optimizer state cannot be read: " + std::string(e.what_without_backtrace()));
  }
  torch::Tensor iterations;
  if (!archive.try_read(kFormatKey, iterations))
    throw Error("the checkpoint's optimizer state is not Keras' Adam: it was written by an earlier aecnn-sweep, "
                "which trained with LibTorch's Adam; resume with that version, or run the sweep into a new file");
  std::vector<torch::Tensor> m, v;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    torch::Tensor mi, vi;
    if (!archive.try_read(moment_key("m", i), mi, /*is_buffer=*/true) ||
        !archive.try_read(moment_key("v", i), vi, /*is_buffer=*/true) || !mi.sizes().equals(parameters_[i].sizes()) ||
        !vi.sizes().equals(parameters_[i].sizes()))
      throw Error("the checkpoint's optimizer state does not fit the model (parameter " + std::to_string(i) + ")");
    m.push_back(mi);
    v.push_back(vi);
  }
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    m_[i].copy_(m[i]);
    v_[i].copy_(v[i]);
  }
  iterations_ = iterations.item<int64_t>();
}

}  // namespace aecnn::train
