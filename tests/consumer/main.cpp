// Uses tenet through its public header only; exits 0 when a tiny model predicts and the
// library it runs with is the version its headers name.
#include <cstring>

#include <tenet/tenet.hpp>
using namespace tenet;

int main() {
  Sequential mlp({Input({4}), Dense(3, {.activation = Activation::relu}), Dense(2)});
  Tensor p = mlp.predict(Tensor::ones({5, 4}));
  if (std::strcmp(version(), TENET_VERSION_STRING) != 0) return 2;
  return p.shape() == Shape{5, 2} ? 0 : 1;
}
