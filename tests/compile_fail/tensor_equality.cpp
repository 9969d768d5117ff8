// Must NOT compile: tenet refuses `==` between tensors and names the alternatives.
#include <tenet/tenet.hpp>
int main() {
  tenet::Tensor a = tenet::Tensor::zeros({2}), b = tenet::Tensor::zeros({2});
  return a == b ? 0 : 1;
}
