#include "aecnn/train/provenance.hpp"

#include <ATen/Version.h>
#include <dlfcn.h>
#include <sched.h>
#include <torch/version.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "aecnn/build_info.hpp"
#include "aecnn/train/device.hpp"

namespace aecnn::train {
namespace {

std::string trim(std::string text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  const auto end = text.find_last_not_of(" \t\r\n");
  return begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) return trim(line.substr(line.find(':') + 1));
  return "unknown";
}

// LibTorch's build summary names the ISA its CPU kernels dispatch to on this machine.
std::string cpu_capability() {
  std::istringstream config(at::show_config());
  for (std::string line; std::getline(config, line);)
    if (line.find("CPU capability usage:") != std::string::npos) return trim(line.substr(line.find(':') + 1));
  return "unknown";
}

// OpenBLAS tells its build and the kernel core it chose (OPENBLAS_CORETYPE can force one); it is
// reached through the dynamic linker so that other BLAS builds still link. Else LibTorch's
// build summary says which BLAS it was built against.
std::string blas() {
  using Text = char* (*)();
  auto config = reinterpret_cast<Text>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  auto core = reinterpret_cast<Text>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (config != nullptr)
    return trim(config()) + (core != nullptr ? std::string(", core ") + core() : std::string());
  std::istringstream summary(at::show_config());
  for (std::string line; std::getline(summary, line);)
    if (line.find("BLAS_INFO=") != std::string::npos) {
      const auto at = line.find("BLAS_INFO=") + 10;
      return "LibTorch built with " + line.substr(at, line.find(',', at) - at);
    }
  return "unknown";
}

}  // namespace

Provenance describe_process(const std::string& device) {
  Provenance p;
  char host[256] = {};
  p.host = gethostname(host, sizeof host - 1) == 0 ? host : "unknown";
  p.cpu_model = cpu_model();
  p.cpus_online = static_cast<int>(std::thread::hardware_concurrency());
  cpu_set_t allowed;
  p.cpus_allowed = sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? CPU_COUNT(&allowed) : p.cpus_online;
  p.device = device.rfind("cuda", 0) == 0 ? device + " " + cuda_device_description(std::stoi(device.substr(5))) : device;
  p.libtorch = TORCH_VERSION;
  p.cpu_capability = cpu_capability();
  p.blas = blas();
  p.compiler = compiler_version();
  p.tool_version = tool_version();
  return p;
}

}  // namespace aecnn::train
