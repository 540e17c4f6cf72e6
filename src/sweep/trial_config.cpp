#include "aecnn/sweep/trial_config.hpp"

#include "aecnn/error.hpp"

namespace aecnn::sweep {
namespace {

template <typename T>
T get(const ConfigMap& config, const char* key) {
  auto it = config.find(key);
  if (it == config.end() || !std::holds_alternative<T>(it->second))
    throw Error(std::string("internal: resolved config lacks '") + key + "' of the right type");
  return std::get<T>(it->second);
}

int get_int(const ConfigMap& config, const char* key) {
  return static_cast<int>(get<std::int64_t>(config, key));
}

}  // namespace

std::string to_string(Attention attention) {
  switch (attention) {
    case Attention::kNone: return "none";
    case Attention::kChannel: return "channel";
    case Attention::kSpatial: return "spatial";
    case Attention::kBoth: return "both";
  }
  return "?";
}

std::string to_string(Schedule schedule) {
  switch (schedule) {
    case Schedule::kConstant: return "constant";
    case Schedule::kStep: return "step";
    case Schedule::kCosine: return "cosine";
    case Schedule::kLinear: return "linear";
  }
  return "?";
}

Attention parse_attention(const std::string& text) {
  for (auto a : {Attention::kNone, Attention::kChannel, Attention::kSpatial, Attention::kBoth})
    if (to_string(a) == text) return a;
  throw Error("unknown attention '" + text + "'");
}

Schedule parse_schedule(const std::string& text) {
  for (auto s : {Schedule::kConstant, Schedule::kStep, Schedule::kCosine, Schedule::kLinear})
    if (to_string(s) == text) return s;
  throw Error("unknown schedule '" + text + "'");
}

TrialConfig to_trial_config(const ConfigMap& config) {
  TrialConfig c;
  c.attention = parse_attention(get<std::string>(config, "attention"));
  c.channel_ratio = get_int(config, "channel_ratio");
  c.batch_size = get_int(config, "batch_size");
  c.epochs = get_int(config, "epochs");
  c.lr = get<double>(config, "lr");
  c.schedule = parse_schedule(get<std::string>(config, "schedule"));
  c.lr_horizon = get_int(config, "lr_horizon");
  c.conv_dropout = get<double>(config, "conv_dropout");
  c.fc_dropout = get<double>(config, "fc_dropout");
  c.l2 = get<double>(config, "l2");
  c.patience = get_int(config, "patience");
  c.seed = get_int(config, "seed");
  c.train_images = get_int(config, "train_images");
  c.eval_images = get_int(config, "eval_images");
  c.ranks = get_int(config, "ranks");
  c.exclusive = get<bool>(config, "exclusive");
  return c;
}

}  // namespace aecnn::sweep
