#include "aecnn/search/space.hpp"

#include <cmath>

namespace aecnn::search {

double draw_uniformly(const ParamSpace& space, std::mt19937_64& engine) {
  const double u = unit_uniform(engine);
  switch (space.kind) {
    case ParamSpace::Kind::kUniform: return space.low + (space.high - space.low) * u;
    case ParamSpace::Kind::kLogUniform:
      return std::exp(std::log(space.low) + (std::log(space.high) - std::log(space.low)) * u);
    case ParamSpace::Kind::kInt: return space.low + std::floor(u * (space.high - space.low + 1));
    case ParamSpace::Kind::kChoice: return std::floor(u * static_cast<double>(space.choices));
  }
  return 0;
}

}  // namespace aecnn::search
