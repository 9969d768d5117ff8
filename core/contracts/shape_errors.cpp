// The errors of Shape (core/base/shape.hpp): Shape sits below the contracts module, so its two
// cold raising paths are defined here, where the Violation builder and checked_numel live.
#include <tenet/core/base/shape.hpp>

#include <tenet/core/contracts/checks.hpp>

namespace tenet {

void Shape::raise_numel() const {
  checks::checked_numel(*this, Site("numel", "op"), Phase::run, DType::u8);
  internal_error("checked_numel accepted " + str() + ", which numel() refused");
}

void Shape::raise_axis(int axis, int lo, int hi) const {
  checks::Violation("tensor.index", Phase::run, Site("Shape", "op"))
      .summary("axis " + std::to_string(axis) + " is out of range for the shape " + str())
      .expected("an axis in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]")
      .actual(std::to_string(axis))
      .cause(str() + " has " + std::to_string(rank()) + " axes")
      .fix("use an axis within the rank, counting the batch axis; -1 is the last axis")
      .raise();
}

}  // namespace tenet
