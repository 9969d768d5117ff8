// Must NOT compile either: `!=`, and a tensor against a number, are `==` in disguise, and get
// the same explanation (compare.shape).
#include <tenet/tenet.hpp>
int main() {
  tenet::Tensor a = tenet::Tensor::zeros({2});
  return a != 0.5 ? 0 : 1;
}
